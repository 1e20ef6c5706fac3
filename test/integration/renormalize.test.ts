/**
 * `bbsync renormalize`: rows an older normalizer wrote (here: claims without claim_link_key, as
 * every claim stored before migration 0015) are rebuilt from the raw store, with the same rows a
 * current sync writes, in batches, resumably, idempotently, never writing back what was deleted
 * meanwhile, and leaving a claim the v2 -> v3 fold moved under its v3 patient.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ingestBatch } from '../../src/db/ingest.ts';
import { createSyntheticStore, patientIdForUser } from '../../src/emulator/data/index.ts';
import { v3Record } from '../../src/emulator/v3/records.ts';
import { NORMALIZER_VERSION, normalizeResource } from '../../src/fhir/normalize.ts';
import { renormalize } from '../../src/import/renormalize.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { countRows, dumpAnalytics, rowVersions } from '../helpers/tables.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OLD = NORMALIZER_VERSION - 1;
let tdb: TestDatabase;
/** What the current normalizer writes for the data (the reference). */
let current: Record<string, unknown[]>;
let resources = 0;
let store: ReturnType<typeof createSyntheticStore>;

/** The store as an older normalizer left it: every row at version OLD, no claim link keys. */
async function storeAsOldVersion(): Promise<void> {
  await tdb.pool.query(`UPDATE fhir_resources SET normalizer_version = ${OLD}`);
  await tdb.pool.query('UPDATE claims SET claim_link_key = NULL');
}

beforeAll(async () => {
  tdb = await createTestDatabase('renormalize');
  store = createSyntheticStore({ users: 6, seed: 31 });
  const batch = [];
  for (let i = 0; i < 6; i++) {
    const record = store.record(patientIdForUser(i))!;
    for (const r of [record.patient, ...record.coverages, ...record.eobs]) batch.push(normalizeResource(r));
    if (i >= 4) {
      const v3 = v3Record(record);
      for (const r of [v3.patient, ...v3.coverages, ...v3.eobs]) batch.push(normalizeResource(r));
    }
  }
  resources = batch.length;
  await ingestBatch(tdb.pool, batch, { normalizerVersion: NORMALIZER_VERSION });
  current = await dumpAnalytics(tdb.pool, { withoutRawJson: true });
}, 120_000);
afterAll(async () => {
  await tdb?.drop();
});

const analytics = (dump: Record<string, unknown[]>) => {
  const { fhir_resources: _raw, ...rest } = dump;
  return rest;
};

describe('bbsync renormalize', () => {
  it('rebuilds every row an older version wrote, in batches, to exactly what the current version writes', async () => {
    await storeAsOldVersion();
    expect(await countRows(tdb.pool, 'claims', 'claim_link_key IS NOT NULL')).toBe(0);
    const progress: [number, number][] = [];
    const summary = await renormalize(tdb.pool, {
      batchSize: 100,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(summary).toMatchObject({
      found: resources,
      read: resources,
      updated: resources,
      gone: 0,
      failed: [],
    });
    expect(progress.length).toBeGreaterThan(resources / 100);
    expect(progress.at(-1)).toEqual([resources, resources]);
    expect(analytics(await dumpAnalytics(tdb.pool, { withoutRawJson: true }))).toEqual(analytics(current));
    expect(await countRows(tdb.pool, 'fhir_resources', 'normalizer_version = $1', [NORMALIZER_VERSION])).toBe(
      resources,
    );
    expect(await countRows(tdb.pool, 'claims', 'claim_link_key IS NULL')).toBe(0);
  });

  it('writes nothing when run again', async () => {
    const before = await rowVersions(tdb.pool);
    const summary = await renormalize(tdb.pool);
    expect(summary).toMatchObject({ found: 0, read: 0, updated: 0 });
    expect(await rowVersions(tdb.pool)).toEqual(before);
  });

  it('stops between batches and goes on where it stopped', async () => {
    await storeAsOldVersion();
    const stop = new AbortController();
    const first = await renormalize(tdb.pool, {
      batchSize: 50,
      signal: stop.signal,
      onProgress: (done) => done >= 150 && stop.abort(),
    });
    expect(first.read).toBe(150);
    expect(await countRows(tdb.pool, 'fhir_resources', 'normalizer_version = $1', [OLD])).toBe(
      resources - 150,
    );
    const rest = await renormalize(tdb.pool, { batchSize: 50 });
    expect(rest).toMatchObject({ found: resources - 150, read: resources - 150, updated: resources - 150 });
    expect(analytics(await dumpAnalytics(tdb.pool, { withoutRawJson: true }))).toEqual(analytics(current));
  });

  it('removes the v2 claims a fold moved before they had link keys, once their v3 twins match', async () => {
    await storeAsOldVersion();
    const v2Patient = patientIdForUser(4);
    const v3Patient = v3Record(store.record(v2Patient)!).patientId;
    const keys = async (patient: string) =>
      (
        await tdb.pool.query<{ k: string }>('SELECT claim_link_key AS k FROM claims WHERE patient_id = $1', [
          patient,
        ])
      ).rows;
    // The link keys the current normalizer gives (from the reference dump).
    const keyOf = new Map(
      (current.claims as { claim_id: string; claim_link_key: string | null }[]).map((c) => [
        c.claim_id,
        c.claim_link_key,
      ]),
    );
    const v3Claims = (
      current.claims as { claim_id: string; patient_id: string; claim_link_key: string | null }[]
    ).filter((c) => c.patient_id === v3Patient);
    // One v3 claim BB2 no longer serves (its v2 copy has no twin and stays moved).
    const lone = v3Claims.find(
      (c) => v3Claims.filter((o) => o.claim_link_key === c.claim_link_key).length === 1,
    )!;
    await tdb.pool.query('DELETE FROM claims WHERE claim_id = $1', [lone.claim_id]);
    await tdb.pool.query('DELETE FROM fhir_resources WHERE resource_id = $1', [lone.claim_id]);
    const v3Keys = new Set(v3Claims.filter((c) => c !== lone).map((c) => c.claim_link_key));
    expect((await keys(v3Patient)).length).toBeGreaterThan(0);
    // A fold that ran while every key was NULL: it matched nothing and moved every v2 claim.
    await tdb.pool.query(
      `INSERT INTO enrollments (enrollment_id, patient_id, status, scope, api_version)
       VALUES ('enr-v3', $1, 'active', 'patient/ExplanationOfBenefit.rs', 'v3')`,
      [v3Patient],
    );
    const moved = await tdb.pool.query<{ claim_id: string }>(
      'UPDATE claims SET patient_id = $2 WHERE patient_id = $1 RETURNING claim_id',
      [v2Patient, v3Patient],
    );
    await tdb.pool.query(
      `UPDATE fhir_resources SET patient_id = $2 WHERE patient_id = $1 AND resource_type = 'ExplanationOfBenefit'`,
      [v2Patient, v3Patient],
    );
    const twins = moved.rows.filter((r) => v3Keys.has(keyOf.get(r.claim_id) ?? null));
    expect(twins.length).toBeGreaterThan(0);
    expect(twins.length).toBeLessThan(moved.rows.length); // some v2 claims have no v3 twin: they stay

    const summary = await renormalize(tdb.pool);
    expect(summary.foldedTwinsRemoved).toBe(twins.length);
    const left = new Set(
      (await tdb.pool.query<{ claim_id: string }>('SELECT claim_id FROM claims')).rows.map((r) => r.claim_id),
    );
    for (const t of twins) expect(left.has(t.claim_id)).toBe(false);
    expect(moved.rows.filter((r) => left.has(r.claim_id))).toHaveLength(moved.rows.length - twins.length);
    expect(
      await countRows(tdb.pool, 'fhir_resources', 'resource_id = ANY($1)', [twins.map((t) => t.claim_id)]),
    ).toBe(0);
    // Running it again finds nothing more to remove.
    await tdb.pool.query(
      `UPDATE fhir_resources SET normalizer_version = ${OLD} WHERE resource_type = 'Patient'`,
    );
    expect((await renormalize(tdb.pool)).foldedTwinsRemoved).toBe(0);
  });

  it('keeps a folded claim under the v3 patient and never writes back what a purge deleted', async () => {
    await storeAsOldVersion();
    const v2Patient = patientIdForUser(0);
    const moved = await tdb.pool.query<{ claim_id: string }>(
      `UPDATE claims SET patient_id = 'v3-patient' WHERE patient_id = $1 RETURNING claim_id`,
      [v2Patient],
    );
    await tdb.pool.query(
      `UPDATE fhir_resources SET patient_id = 'v3-patient' WHERE patient_id = $1 AND resource_type = 'ExplanationOfBenefit'`,
      [v2Patient],
    );
    // A purge between the read and the write: renormalize reads a batch, the rows then vanish.
    const purged = patientIdForUser(1);
    const purgedClaims = await countRows(tdb.pool, 'claims', 'patient_id = $1', [purged]);
    expect(purgedClaims).toBeGreaterThan(0);
    let purgedNow = false;
    const summary = await renormalize(tdb.pool, {
      batchSize: 100_000,
      beforeWrite: async () => {
        if (purgedNow) return;
        purgedNow = true;
        for (const sql of [
          `DELETE FROM claim_lines WHERE claim_id IN (SELECT claim_id FROM claims WHERE patient_id = $1)`,
          'DELETE FROM claims WHERE patient_id = $1',
          'DELETE FROM coverages WHERE patient_id = $1',
          'DELETE FROM patients WHERE patient_id = $1',
          'DELETE FROM fhir_resources WHERE patient_id = $1',
        ]) {
          await tdb.pool.query(sql, [purged]);
        }
      },
    });
    expect(summary.gone).toBeGreaterThan(purgedClaims);
    expect(await countRows(tdb.pool, 'claims', 'patient_id = $1', [purged])).toBe(0);
    expect(await countRows(tdb.pool, 'fhir_resources', 'patient_id = $1', [purged])).toBe(0);
    expect(await countRows(tdb.pool, 'claims', 'patient_id = $1', [v2Patient])).toBe(0);
    expect(
      await countRows(tdb.pool, 'claims', `patient_id = 'v3-patient' AND claim_link_key IS NOT NULL`),
    ).toBe(moved.rowCount);
  });

  it('runs as a command with a summary', async () => {
    await tdb.pool.query(
      `UPDATE fhir_resources SET normalizer_version = ${OLD} WHERE resource_type = 'Patient'`,
    );
    const patients = await countRows(tdb.pool, 'patients');
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/bbsync.js', 'renormalize'], {
      env: { ...process.env, LOG_FORMAT: 'json', DATABASE_URL: tdb.url },
      cwd: ROOT,
    });
    expect(stdout).toMatch(/Re-normalized from the raw store to normalizer version \d+/);
    expect(stdout).toMatch(new RegExp(`rewritten\\s+${patients}\\n`));
    const again = await promisify(execFile)(process.execPath, ['bin/bbsync.js', 'renormalize'], {
      env: { ...process.env, LOG_FORMAT: 'json', DATABASE_URL: tdb.url },
      cwd: ROOT,
    });
    expect(again.stdout).toMatch(/Nothing to re-normalize/);
  });
});
