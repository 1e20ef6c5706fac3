/**
 * v3 claim versions taken out of the counts in the write that brings the new version
 * (src/db/claim-supersede.ts), on real v3 fixtures: a new NCH version supersedes the stored one
 * it names in related[] (prior) or that shares its control number and is older; PDEs,
 * shared-system versions and newer stored versions stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { supersededClaimsWrite } from '../../src/db/claim-supersede.ts';
import { ingestBatch } from '../../src/db/ingest.ts';
import { NORMALIZER_VERSION, normalizeResource } from '../../src/fhir/normalize.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import type { Json } from '../helpers/fixtures.ts';
import { haveV3Fixtures, readV3Fixture } from '../helpers/v3-fixtures.ts';

const CONTROL = 'https://bluebutton.cms.gov/identifiers/CLM-CNTL-NUM';
let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase('claim_supersede');
});
afterAll(async () => {
  await tdb?.drop();
});

async function load(...resources: Json[]): Promise<void> {
  const batch = resources.map((r) => normalizeResource(r));
  await ingestBatch(tdb.pool, batch, {
    normalizerVersion: NORMALIZER_VERSION,
    alsoWrite: (w) => supersededClaimsWrite(w, batch),
  });
}

/** A new version of `eob`: another id, lastUpdated and control number, optionally naming priors. */
function version(eob: Json, id: string, lastUpdated: string, control: string, priors: string[] = []): Json {
  const copy = structuredClone(eob);
  copy.id = id;
  copy.meta.lastUpdated = lastUpdated;
  for (const i of copy.identifier as Json[]) {
    if (i.system === CONTROL) i.value = control;
    else if (i.value === eob.id) i.value = id;
  }
  if (priors.length > 0) {
    copy.related = priors.map((value) => ({
      reference: { system: CONTROL, value },
      relationship: {
        coding: [
          { code: 'prior', system: 'http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship' },
        ],
      },
    }));
  } else delete copy.related;
  return copy;
}

async function counted(): Promise<string[]> {
  const { rows } = await tdb.pool.query<{ claim_id: string }>(
    'SELECT claim_id FROM claims WHERE is_final ORDER BY claim_id',
  );
  return rows.map((r) => r.claim_id);
}

async function stored(table: string, ids: string[]): Promise<number> {
  const key = table === 'fhir_resources' ? 'resource_id' : 'claim_id';
  const { rows } = await tdb.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${table} WHERE ${key} = ANY($1)`,
    [ids],
  );
  return rows[0]!.n;
}

describe.skipIf(!haveV3Fixtures)('a new v3 claim version', () => {
  it('removes the stored NCH version it names as prior, with its lines and raw resource', async () => {
    await tdb.pool.query('TRUNCATE claims, claim_lines, fhir_resources');
    const carrier = readV3Fixture('eob-carrier.json');
    const old = version(carrier, '100', '2025-01-01T00:00:00.000+00:00', 'OLD1');
    await load(old);
    expect(await counted()).toEqual(['100']);
    expect(await stored('claim_lines', ['100'])).toBeGreaterThan(0);

    await load(version(carrier, '200', '2025-02-01T00:00:00.000+00:00', 'NEW1', ['OLD1']));
    expect(await counted()).toEqual(['200']);
    for (const table of ['claims', 'claim_lines', 'fhir_resources'])
      expect(await stored(table, ['100'])).toBe(0);
  });

  it('removes an older stored version with the same control number, never a newer one', async () => {
    await tdb.pool.query('TRUNCATE claims, claim_lines, fhir_resources');
    const carrier = readV3Fixture('eob-carrier.json');
    await load(version(carrier, '300', '2025-03-01T00:00:00.000+00:00', 'SAME'));
    // An older version arriving late (an import of an old file) leaves the newer one alone.
    await load(version(carrier, '299', '2025-01-01T00:00:00.000+00:00', 'SAME'));
    expect(await counted()).toEqual(['299', '300']);
    await load(version(carrier, '301', '2025-04-01T00:00:00.000+00:00', 'SAME'));
    expect(await counted()).toEqual(['301']);
  });

  it('leaves PDEs, shared-system versions and not-final versions to their own tags', async () => {
    await tdb.pool.query('TRUNCATE claims, claim_lines, fhir_resources');
    const pde = readV3Fixture('eob-pharmacy.json');
    const pdeControl = (pde.identifier as Json[]).find((i) => i.system === CONTROL)!.value as string;
    await load(version(pde, '400', '2025-01-01T00:00:00.000+00:00', pdeControl));
    await load(version(pde, '401', '2025-02-01T00:00:00.000+00:00', pdeControl, [pdeControl]));
    expect(await counted()).toEqual(['400', '401']);

    // The real shared-system (FISS, FinalAction) and NCH versions of one HHA claim share a control number.
    const fiss = readV3Fixture('eob-outpatient-fiss-phase2-final.json');
    const hha = readV3Fixture('eob-hha.json');
    expect((fiss.identifier as Json[]).find((i) => i.system === CONTROL)!.value).toBe(
      (hha.identifier as Json[]).find((i) => i.system === CONTROL)!.value,
    );
    fiss.meta.lastUpdated = '2025-01-01T00:00:00.000+00:00';
    hha.meta.lastUpdated = '2025-02-01T00:00:00.000+00:00';
    await load(fiss);
    await load(hha);
    expect(await counted()).toEqual(['1071939711295', '1071939711298', '400', '401']);
  });
});
