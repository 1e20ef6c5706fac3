/**
 * The raw store is written in COPY's binary format (db/copy-rows.ts `rawHead`, `rawTail`): what
 * Postgres stores must be exactly what the resource said, read on either thread, and a rewrite
 * must keep the microseconds of the time the resource was first seen.
 */
import { describe, expect, it } from 'vitest';

import { ingestBatch } from '../../src/db/ingest.ts';
import { createSyntheticStore, patientIdForUser } from '../../src/emulator/data/index.ts';
import { NORMALIZER_VERSION, normalizeResource } from '../../src/fhir/normalize.ts';
import { readAndEncodePage } from '../../src/workers/page-work.ts';
import { databasePerTest } from '../helpers/db.ts';

const tdb = databasePerTest('rawbin');

const options = { normalizerVersion: NORMALIZER_VERSION };

/** One synthetic beneficiary's EOBs, each given its own meta.lastUpdated and some non-ASCII text. */
function eobsWith(lastUpdated: readonly (string | undefined)[]): Record<string, unknown>[] {
  const store = createSyntheticStore({ users: 1, seed: 7 });
  const eobs = store.record(patientIdForUser(0))!.eobs.slice(0, lastUpdated.length);
  expect(eobs).toHaveLength(lastUpdated.length);
  return eobs.map((eob, i) => {
    const copy = structuredClone(eob) as Record<string, unknown> & { meta?: Record<string, unknown> };
    const meta = { ...copy.meta };
    if (lastUpdated[i] === undefined) delete meta.lastUpdated;
    else meta.lastUpdated = lastUpdated[i];
    return { ...copy, meta, disposition: `Zoë 𝄞 Ångström \\ "quoted" tab\there line\nnext ${i}` };
  });
}

async function stored(): Promise<{ id: string; lastUpdatedMs: number | null; json: string }[]> {
  const { rows } = await tdb.pool.query<{ resource_id: string; ms: string | null; json: string }>(
    `SELECT resource_id, (extract(epoch FROM last_updated) * 1000)::text AS ms, resource::text AS json
       FROM fhir_resources ORDER BY resource_id`,
  );
  return rows.map((r) => ({
    id: r.resource_id,
    lastUpdatedMs: r.ms === null ? null : Number(r.ms),
    json: r.json,
  }));
}

// Offsets, far-off years, milliseconds, none at all: each stored as the instant it names.
const TIMES = [
  '2024-03-05T10:20:30.123-05:00',
  '1970-01-01T00:00:00Z',
  '1999-12-31T23:59:59.999+00:00',
  '2000-01-01T00:00:00.001Z',
  '2099-07-04T12:00:00+14:00',
  undefined,
];

describe('the raw store in COPY binary format', () => {
  it('stores each resource’s JSON and meta.lastUpdated exactly, whether read on the main thread or a page thread', async () => {
    const eobs = eobsWith(TIMES);
    const viaMain = eobs.map(normalizeResource);
    await ingestBatch(tdb.pool, viaMain, options);
    const main = await stored();
    expect(main.map((r) => r.lastUpdatedMs).sort()).toEqual(
      TIMES.map((t) => (t === undefined ? null : Date.parse(t))).sort(),
    );
    for (const r of viaMain) {
      expect(main.find((s) => s.id === r.resourceId)!.json).toBe(r.json);
    }

    // The same EOBs as a page's bytes, read and encoded as a page thread does.
    await tdb.renew();
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: eobs.map((resource) => ({ resource })),
    };
    const body = Buffer.from(JSON.stringify(bundle));
    const ctx = { patientId: viaMain[0]!.patientId, source: '/v2/fhir/ExplanationOfBenefit/' };
    const { page } = readAndEncodePage(body, ctx);
    expect(page.batch.every((r) => r.encoded !== undefined)).toBe(true);
    await ingestBatch(tdb.pool, page.batch, options);
    expect(await stored()).toEqual(main);
  });

  it('keeps the microseconds of first_seen_at when a changed resource is rewritten, and stamps new ones now', async () => {
    const [eob] = eobsWith(['2024-03-05T10:20:30.123Z']);
    const before = Date.now();
    await ingestBatch(tdb.pool, [normalizeResource(eob)], options);
    const { rows: fresh } = await tdb.pool.query<{ ms: string }>(
      `SELECT (extract(epoch FROM first_seen_at) * 1000)::text AS ms FROM fhir_resources`,
    );
    expect(Number(fresh[0]!.ms)).toBeGreaterThanOrEqual(before - 1);
    expect(Number(fresh[0]!.ms)).toBeLessThanOrEqual(Date.now() + 1);

    const firstSeen = '2021-03-04 05:06:07.123456+00';
    await tdb.pool.query(`UPDATE fhir_resources SET first_seen_at = $1`, [firstSeen]);
    const changed = {
      ...eob,
      disposition: 'changed upstream',
      meta: { lastUpdated: '2024-04-01T00:00:00Z' },
    };
    const outcome = await ingestBatch(tdb.pool, [normalizeResource(changed)], options);
    expect(outcome).toMatchObject({ updated: 1 });
    const { rows } = await tdb.pool.query<{ same: boolean; json: string }>(
      `SELECT first_seen_at = $1::timestamptz AS same, resource::text AS json FROM fhir_resources`,
      [firstSeen],
    );
    expect(rows).toEqual([{ same: true, json: expect.stringContaining('changed upstream') }]);
  });
});
