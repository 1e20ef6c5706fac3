/**
 * Coverage months: member_months and enrollment_spans against the months flagged in the raw
 * Coverage JSON, computed here with the rule the views document (buyin for A/B, contract or HMO
 * indicator for C, contract for D). Synthetic beneficiaries, plus one Part D coverage edited to
 * leave a gap (months 05-07 without a contract) so spans must split.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ingestBatch } from '../../src/db/ingest.ts';
import { createSyntheticStore, patientIdForUser, type FhirResource } from '../../src/emulator/data/index.ts';
import { NORMALIZER_VERSION, normalizeResource } from '../../src/fhir/normalize.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

type Json = Record<string, unknown>;
const USERS = 12;
const VAR = 'https://bluebutton.cms.gov/resources/variables/';
const NO_CONTRACT = new Set(['', '0', 'N', 'X', '*']);

let tdb: TestDatabase;
const coverages: FhirResource[] = [];

function series(cov: FhirResource): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of (cov['extension'] as Json[] | undefined) ?? []) {
    const url = e['url'] as string;
    if (!url.startsWith(VAR) || url.slice(VAR.length).includes('/')) continue;
    const code = (e['valueCoding'] as Json | undefined)?.['code'] ?? e['valueDate'];
    if (typeof code === 'string') out.set(url.slice(VAR.length), code);
  }
  return out;
}

/** 'patient|YYYY-MM' for every month this Coverage flags as enrolled. */
function flaggedMonths(cov: FhirResource): string[] {
  const part = /^part-([a-d])-/.exec(cov.id)?.[1]?.toUpperCase();
  const values = series(cov);
  const year = Number(values.get('rfrnc_yr'));
  const patient = ((cov['beneficiary'] as Json)['reference'] as string).slice('Patient/'.length);
  const months: string[] = [];
  for (let m = 1; m <= 12; m++) {
    const mm = String(m).padStart(2, '0');
    const buyin = values.get(`buyin${mm}`);
    const enrolled =
      part === 'A'
        ? ['1', '3', 'A', 'C'].includes(buyin ?? '')
        : part === 'B'
          ? ['2', '3', 'B', 'C'].includes(buyin ?? '')
          : part === 'C'
            ? !NO_CONTRACT.has(values.get(`ptc_cntrct_id_${mm}`) ?? '') ||
              !['', '0'].includes(values.get(`hmo_ind_${mm}`) ?? '0')
            : !NO_CONTRACT.has(values.get(`ptdcntrct${mm}`) ?? '');
    if (enrolled) months.push(`${patient}|${String(year).padStart(4, '0')}-${mm}|${part}`);
  }
  return months;
}

/** The first Part D coverage, with no contract in months 05-07. */
function withGap(cov: FhirResource): FhirResource {
  const extension = ((cov['extension'] as Json[]) ?? []).map((e) =>
    /\/ptdcntrct0[5-7]$/.test(e['url'] as string)
      ? { ...e, valueCoding: { ...(e['valueCoding'] as Json), code: '0' } }
      : e,
  );
  return { ...cov, extension };
}

beforeAll(async () => {
  tdb = await createTestDatabase('months');
  const store = createSyntheticStore({ users: USERS, seed: 4 });
  const batch = [];
  for (let i = 0; i < USERS; i++) {
    const record = store.record(patientIdForUser(i))!;
    const covs = record.coverages.map((c) => (i === 0 && c.id.startsWith('part-d-') ? withGap(c) : c));
    coverages.push(...covs);
    for (const r of [record.patient, ...covs]) batch.push(normalizeResource(r));
  }
  await ingestBatch(tdb.pool, batch, { normalizerVersion: NORMALIZER_VERSION });
}, 60_000);
afterAll(async () => {
  await tdb?.drop();
});

describe('coverage months', () => {
  it('member_months holds exactly the months flagged in each beneficiary’s Coverage resources, with the parts held', async () => {
    const expected = coverages.flatMap(flaggedMonths);
    expect(expected.length).toBeGreaterThan(USERS * 12);
    const { rows } = await tdb.pool.query(
      `SELECT patient_id, to_char(month, 'YYYY-MM') AS month, part_a, part_b, part_c, part_d FROM member_months`,
    );
    const actual = rows.flatMap((r) =>
      (['A', 'B', 'C', 'D'] as const)
        .filter((p) => r[`part_${p.toLowerCase()}`])
        .map((p) => `${r.patient_id}|${r.month}|${p}`),
    );
    expect(actual.sort()).toEqual(expected.sort());
    const months = new Set(expected.map((k) => k.split('|').slice(0, 2).join('|')));
    expect(rows.length).toBe(months.size);
  });

  it('enrollment_spans cover the enrolled months once, split where a contract lapses', async () => {
    const { rows } = await tdb.pool.query(
      `SELECT patient_id, part, month_count, to_char(span_start, 'YYYY-MM-DD') AS s, to_char(span_end, 'YYYY-MM-DD') AS e
       FROM enrollment_spans`,
    );
    const expected = coverages.flatMap(flaggedMonths);
    expect(rows.reduce((n, r) => n + r.month_count, 0)).toBe(expected.length);
    const gapped = rows.filter((r) => r.patient_id === patientIdForUser(0) && r.part === 'D');
    expect(gapped.length).toBe(2);
    expect(gapped.map((r) => r.month_count).sort()).toEqual([4, 5]);
    for (const r of gapped) expect(r.s.endsWith('-01')).toBe(true);
  });
});
