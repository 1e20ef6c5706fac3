/**
 * Coverage months: member_months and enrollment_spans against the months flagged in the raw
 * Coverage JSON, computed here with the rule the views document (buyin for A/B, contract or HMO
 * indicator for C, contract for D). Synthetic beneficiaries, plus one Part D coverage edited to
 * leave a gap (months 05-07 without a contract) so spans must split. The months are stored
 * (coverage_monthly) by the write path; migration 0023 backfills them from the raw store.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createPool } from '../../src/db/client.ts';
import { ingestBatch } from '../../src/db/ingest.ts';
import { dropDatabase, migrateDatabase, MIGRATIONS_FOLDER } from '../../src/db/migrate.ts';
import { createSyntheticStore, patientIdForUser, type FhirResource } from '../../src/emulator/data/index.ts';
import { NORMALIZER_VERSION, normalizeResource } from '../../src/fhir/normalize.ts';
import type { NormalizedResource } from '../../src/model/resources.ts';
import { createTestDatabase, unusedDatabaseUrl, type TestDatabase } from '../helpers/db.ts';
import { haveV3Fixtures, v3FixtureFiles, v3Resources } from '../helpers/v3-fixtures.ts';

type Json = Record<string, unknown>;
const USERS = 12;
const VAR = 'https://bluebutton.cms.gov/resources/variables/';
const NO_CONTRACT = new Set(['', '0', 'N', 'X', '*']);

let tdb: TestDatabase;
const coverages: FhirResource[] = [];
const normalized: NormalizedResource[] = [];

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
  normalized.push(...batch);
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

/** Every stored month, loaded_at aside, in a fixed order. */
async function storedMonths(pool: TestDatabase['pool']): Promise<unknown[]> {
  const { rows } = await pool.query(`SELECT * FROM coverage_monthly ORDER BY coverage_id, month`);
  return rows.map(({ loaded_at: _l, ...rest }: Record<string, unknown>) => rest);
}

describe('stored coverage months', () => {
  it('are written with their Coverage, replaced when it changes, and deleted with it', async () => {
    const gapped = normalized.find(
      (r) => r.resourceType === 'Coverage' && r.resourceId.startsWith('part-d-'),
    )!;
    const enrolled = async () =>
      (
        await tdb.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM coverage_monthly WHERE coverage_id = $1 AND enrolled`,
          [gapped.resourceId],
        )
      ).rows[0]!.n;
    expect(await enrolled()).toBe(9);
    // The same Coverage, later, with the gap filled: its months are rewritten, not added to.
    const original = coverages.find((c) => c.id === gapped.resourceId)!;
    const filled = store0PartD();
    const later = {
      ...filled,
      id: original.id,
      beneficiary: original['beneficiary'],
      meta: { ...(filled['meta'] as Json), lastUpdated: '2099-01-01T00:00:00Z' },
    };
    await ingestBatch(tdb.pool, [normalizeResource(later)], { normalizerVersion: NORMALIZER_VERSION });
    expect(await enrolled()).toBe(12);
    const { rows } = await tdb.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM coverage_monthly WHERE coverage_id = $1`,
      [gapped.resourceId],
    );
    expect(rows[0]!.n).toBe(12);
    await tdb.pool.query(`DELETE FROM coverages WHERE coverage_id = $1`, [gapped.resourceId]);
    expect(await enrolled()).toBe(0);
    await tdb.pool.query(`DELETE FROM fhir_resources WHERE resource_type = 'Coverage' AND resource_id = $1`, [
      gapped.resourceId,
    ]);
    // Put the test's data back as it was for the other tests.
    await ingestBatch(tdb.pool, [gapped], { normalizerVersion: NORMALIZER_VERSION });
    expect(await enrolled()).toBe(9);
  });

  it('are backfilled by migration 0023 from the raw Coverage resources stored before it', async () => {
    const { url } = unusedDatabaseUrl('months_backfill');
    const folder = await mkdtemp(join(tmpdir(), 'bbsync-migrations-'));
    try {
      // The migrations up to 0022: the schema before coverage_monthly existed.
      await cp(MIGRATIONS_FOLDER, folder, { recursive: true });
      const journalPath = join(folder, 'meta', '_journal.json');
      const journal = JSON.parse(await readFile(journalPath, 'utf8')) as { entries: { tag: string }[] };
      const upTo = journal.entries.findIndex((e) => e.tag === '0023_coverage_monthly');
      expect(upTo).toBeGreaterThan(0);
      await writeFile(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }));
      await migrateDatabase(url, { migrationsFolder: folder });
      const pool = createPool(url, { max: 2, applicationName: 'bbsync-test' });
      try {
        await storeAsBefore(pool, normalized);
        await migrateDatabase(url);
        // The backfill (SQL over the raw JSON) stores exactly what the normalizer writes.
        expect(await storedMonths(pool)).toEqual(await storedMonths(tdb.pool));
        const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM member_months m`);
        const expected = new Set(
          coverages.flatMap(flaggedMonths).map((k) => k.split('|').slice(0, 2).join('|')),
        );
        expect(rows[0]!.n).toBe(expected.size);
      } finally {
        await pool.end();
      }
    } finally {
      await dropDatabase(url);
      await rm(folder, { recursive: true, force: true });
    }
  });
});

/** User 0's Part D coverage as generated (without the test's gap). */
function store0PartD(): FhirResource {
  const store = createSyntheticStore({ users: USERS, seed: 4 });
  return store.record(patientIdForUser(0))!.coverages.find((c) => c.id.startsWith('part-d-'))!;
}

/** What the write path stored before 0023: the raw resource and the patients/coverages rows. */
async function storeAsBefore(
  pool: TestDatabase['pool'],
  resources: readonly NormalizedResource[],
): Promise<void> {
  for (const r of resources) {
    await pool.query(
      `INSERT INTO fhir_resources (resource_type, resource_id, patient_id, last_updated, content_hash, resource, normalizer_version)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [r.resourceType, r.resourceId, r.patientId, r.lastUpdated, r.contentHash, r.json, NORMALIZER_VERSION],
    );
    for (const table of ['patients', 'coverages'] as const) {
      for (const row of r.rows[table]) {
        const columns = Object.keys(row);
        await pool.query(
          `INSERT INTO ${table} (${columns.join(', ')})
           SELECT ${columns.join(', ')} FROM json_populate_record(NULL::${table}, $1::json)`,
          [JSON.stringify(row)],
        );
      }
    }
  }
}

/** 'patient|YYYY-MM|part' for every month a v3 Coverage's period touches, up to this month. */
function v3PeriodMonths(cov: Json, today: Date): string[] {
  const part = /^part-([a-d])-/.exec(cov['id'] as string)?.[1]?.toUpperCase();
  const period = cov['period'] as { start?: string; end?: string } | undefined;
  if (!part || !period?.start) return [];
  const patient = ((cov['beneficiary'] as Json)['reference'] as string).slice('Patient/'.length);
  const monthIndex = (d: string) => Number(d.slice(0, 4)) * 12 + Number(d.slice(5, 7)) - 1;
  const now = today.getUTCFullYear() * 12 + today.getUTCMonth();
  const last = Math.min(period.end ? monthIndex(period.end) : now, now);
  const out: string[] = [];
  for (let m = monthIndex(period.start); m <= last; m++) {
    out.push(
      `${patient}|${String(Math.floor(m / 12)).padStart(4, '0')}-${String((m % 12) + 1).padStart(2, '0')}|${part}`,
    );
  }
  return out;
}

describe.skipIf(!haveV3Fixtures)('v3 coverage months (needs ../shared/fixtures/bb2/v3)', () => {
  it('member_months holds every month of each real v3 Coverage period up to this month, and enrollment_spans one span per beneficiary and part', async () => {
    const v3 = await createTestDatabase('months_v3');
    try {
      const resources = v3FixtureFiles()
        .filter((f) => f.startsWith('coverage-'))
        .flatMap(v3Resources)
        .filter((r) => r['resourceType'] === 'Coverage');
      const byId = new Map(resources.map((r) => [r['id'] as string, r]));
      await ingestBatch(v3.pool, [...byId.values()].map(normalizeResource), {
        normalizerVersion: NORMALIZER_VERSION,
      });
      const { rows: clock } = await v3.pool.query<{ today: string }>(`SELECT current_date::text AS today`);
      const today = new Date(`${clock[0]!.today}T00:00:00Z`);
      const expected = [...byId.values()].flatMap((c) => v3PeriodMonths(c, today));
      // Parts A, B (one of them cancelled: its period has ended), C and D, over several years.
      expect(new Set(expected.map((k) => k.split('|')[2]))).toEqual(new Set(['A', 'B', 'C', 'D']));
      expect(expected.length).toBeGreaterThan(100);
      const { rows } = await v3.pool.query(
        `SELECT patient_id, to_char(month, 'YYYY-MM') AS month, part_a, part_b, part_c, part_d FROM member_months`,
      );
      const actual = rows.flatMap((r) =>
        (['A', 'B', 'C', 'D'] as const)
          .filter((p) => r[`part_${p.toLowerCase()}`])
          .map((p) => `${r.patient_id}|${r.month}|${p}`),
      );
      expect(actual.sort()).toEqual(expected.sort());
      // A v3 range has no gaps: one span per beneficiary and part, as long as its months.
      const { rows: spans } = await v3.pool.query<{ key: string; month_count: number }>(
        `SELECT patient_id || '|' || part AS key, month_count FROM enrollment_spans`,
      );
      const perKey = new Map<string, number>();
      for (const k of expected) {
        const [patient, , part] = k.split('|');
        perKey.set(`${patient}|${part}`, (perKey.get(`${patient}|${part}`) ?? 0) + 1);
      }
      expect(Object.fromEntries(spans.map((r) => [r.key, r.month_count]))).toEqual(
        Object.fromEntries(perKey),
      );
      expect(spans.length).toBe(perKey.size);
    } finally {
      await v3.drop();
    }
  });
});
