/**
 * Who a scheduled run takes, read from `sync_state.cursor_floor` (kept by triggers on
 * sync_cursors), and a fan-out that commits once: on a real Postgres, no queue needed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { clearEobForbidden, getRun, markEobForbidden } from '../../src/db/runs.ts';
import { startRun } from '../../src/jobs/start-run.ts';
import { capturingLogger } from '../helpers/bb2.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase('run_members');
});

afterAll(async () => {
  await tdb?.drop();
});

async function enroll(id: string): Promise<void> {
  await tdb.pool.query(
    `INSERT INTO enrollments (enrollment_id, patient_id, status, scope, refresh_token_ciphertext)
     VALUES ($1, $1 || '-patient', 'active', 'openid patient/ExplanationOfBenefit.read', 'x')`,
    [id],
  );
}

async function setCursors(id: string, cursors: Record<string, string>, syncsCompleted = 1): Promise<void> {
  await tdb.pool.query(
    `INSERT INTO sync_state (enrollment_id, syncs_completed, last_full_sync_at) VALUES ($1, $2, now())
     ON CONFLICT (enrollment_id) DO UPDATE SET syncs_completed = $2, last_full_sync_at = now()`,
    [id, syncsCompleted],
  );
  for (const [type, cursor] of Object.entries(cursors)) {
    await tdb.pool.query(
      `INSERT INTO sync_cursors (enrollment_id, resource_type, cursor) VALUES ($1, $2, $3)
       ON CONFLICT (enrollment_id, resource_type) DO UPDATE SET cursor = excluded.cursor`,
      [id, type, cursor],
    );
  }
}

async function floor(id: string): Promise<string | null | undefined> {
  const { rows } = await tdb.pool.query<{ f: string | null }>(
    `SELECT cursor_floor::text AS f FROM sync_state WHERE enrollment_id = $1`,
    [id],
  );
  return rows[0]?.f;
}

async function reasons(runId: string): Promise<Record<string, string>> {
  const { rows } = await tdb.pool.query<{ enrollment_id: string; reason: string }>(
    'SELECT enrollment_id, reason FROM sync_run_members WHERE run_id = $1',
    [runId],
  );
  return Object.fromEntries(rows.map((r) => [r.enrollment_id, r.reason]));
}

const ctx = (jobId: string) => ({ jobId, createdAt: new Date() });

describe('the cursor floor', () => {
  it('is the oldest cursor, kept as cursors are written, changed and deleted', async () => {
    await enroll('floor-a');
    await setCursors('floor-a', {
      Patient: '2026-01-03T00:00:00Z',
      Coverage: '2026-01-02T00:00:00Z',
      ExplanationOfBenefit: '2026-01-04T00:00:00Z',
    });
    expect(await floor('floor-a')).toBe('2026-01-02 00:00:00+00');

    await setCursors('floor-a', { Coverage: '2026-01-05T00:00:00Z' });
    expect(await floor('floor-a')).toBe('2026-01-03 00:00:00+00');

    await tdb.pool.query(
      `DELETE FROM sync_cursors WHERE enrollment_id = 'floor-a' AND resource_type = 'Patient'`,
    );
    expect(await floor('floor-a')).toBe('2026-01-04 00:00:00+00');
  });

  it('is -infinity when a cursor is not an instant, and null without an ExplanationOfBenefit cursor', async () => {
    await enroll('floor-b');
    await setCursors('floor-b', { Patient: '2026-01-03T00:00:00Z', Coverage: '2026-01-03T00:00:00Z' });
    expect(await floor('floor-b')).toBeNull();

    await setCursors('floor-b', { ExplanationOfBenefit: 'IGNORED_FIELD' });
    expect(await floor('floor-b')).toBe('-infinity');
  });

  it('is kept for each enrollment when one statement writes or deletes the cursors of several', async () => {
    for (const id of ['floor-c', 'floor-d', 'floor-e']) await enroll(id);
    // floor-e has a state row but no cursors yet: a statement that gives it none leaves it null.
    await setCursors('floor-e', {});
    await tdb.pool.query(
      `INSERT INTO sync_cursors (enrollment_id, resource_type, cursor) VALUES
         ('floor-c', 'Coverage', '2026-02-02T00:00:00Z'), ('floor-c', 'ExplanationOfBenefit', '2026-02-05T00:00:00Z'),
         ('floor-d', 'Patient', '2026-02-01T00:00:00Z'), ('floor-d', 'ExplanationOfBenefit', '2026-02-03T00:00:00Z')`,
    );
    expect([await floor('floor-c'), await floor('floor-d'), await floor('floor-e')]).toEqual([
      '2026-02-02 00:00:00+00',
      '2026-02-01 00:00:00+00',
      null,
    ]);

    // An upsert touching both enrollments, one row new and one replaced.
    await tdb.pool.query(
      `INSERT INTO sync_cursors (enrollment_id, resource_type, cursor) VALUES
         ('floor-c', 'Coverage', '2026-02-06T00:00:00Z'), ('floor-d', 'Coverage', '2026-01-20T00:00:00Z')
       ON CONFLICT (enrollment_id, resource_type) DO UPDATE SET cursor = excluded.cursor`,
    );
    expect([await floor('floor-c'), await floor('floor-d')]).toEqual([
      '2026-02-05 00:00:00+00',
      '2026-01-20 00:00:00+00',
    ]);

    await tdb.pool.query(
      `DELETE FROM sync_cursors WHERE enrollment_id IN ('floor-c', 'floor-d') AND resource_type = 'ExplanationOfBenefit'`,
    );
    expect([await floor('floor-c'), await floor('floor-d')]).toEqual([null, null]);
  });
});

describe('a scheduled run', () => {
  it('takes who is behind the transaction time or was never synced, and counts everyone else up to date', async () => {
    const deps = (transactionTime: string) => ({
      pool: tdb.pool,
      log: capturingLogger('info').log,
      reconcileEvery: 1_000_000,
      probe: async () => ({ ok: true as const, transactionTime, requests: 1 }),
    });
    for (const id of ['s-behind', 's-current', 's-never', 's-no-eob', 's-revoked']) await enroll(id);
    const all = { Patient: '', Coverage: '', ExplanationOfBenefit: '' };
    const at = (t: string) => Object.fromEntries(Object.keys(all).map((k) => [k, t]));
    await setCursors('s-behind', at('2026-02-01T00:00:00Z'));
    await setCursors('s-current', at('2026-02-08T00:00:00Z'));
    await setCursors('s-no-eob', { Patient: '2026-02-08T00:00:00Z' });
    await setCursors('s-revoked', at('2026-02-01T00:00:00Z'));
    await tdb.pool.query(`UPDATE enrollments SET status = 'revoked' WHERE enrollment_id = 's-revoked'`);
    // Only this test's enrollments are active.
    await tdb.pool.query(`UPDATE enrollments SET status = 'revoked' WHERE enrollment_id NOT LIKE 's-%'`);

    const payload = { trigger: 'scheduled' as const, runId: 'sched-1' };
    const run = await startRun(deps('2026-02-08T00:00:00Z'), payload, ctx('sched-1'));

    const got = await reasons(run.run_id);
    expect(got).toEqual({ 's-behind': 'new_load', 's-never': 'first_sync', 's-no-eob': 'first_sync' });
    expect(run).toMatchObject({ status: 'running', enrollments_total: 3 });
    expect((await getRun(tdb.pool, run.run_id))!.decisions).toMatchObject({ up_to_date: 1 });

    // The same job again (a retry after its fan-out committed): the same run, nobody added twice.
    const again = await startRun(deps('2026-02-08T00:00:00Z'), payload, ctx('sched-1'));
    expect(again).toMatchObject({ run_id: run.run_id, enrollments_total: 3 });
  });

  it('counts an enrollment BB2 refuses ExplanationOfBenefit to by its Patient and Coverage cursors, and as a first sync once cleared', async () => {
    const transactionTime = '2026-03-08T00:00:00Z';
    const deps = {
      pool: tdb.pool,
      log: capturingLogger('info').log,
      reconcileEvery: 1_000_000,
      probe: async () => ({ ok: true as const, transactionTime, requests: 1 }),
    };
    const ids = ['forbidden-current', 'forbidden-marked-first', 'forbidden-behind', 'forbidden-cleared'];
    for (const id of ids) await enroll(id);
    const both = (t: string) => ({ Patient: t, Coverage: t });
    // Marked while its cursors were already written, and marked before they were.
    await setCursors('forbidden-current', both(transactionTime));
    await markEobForbidden(tdb.pool, 'forbidden-current');
    await markEobForbidden(tdb.pool, 'forbidden-marked-first');
    await setCursors('forbidden-marked-first', both(transactionTime));
    await markEobForbidden(tdb.pool, 'forbidden-behind');
    await setCursors('forbidden-behind', both('2026-03-01T00:00:00Z'));
    await markEobForbidden(tdb.pool, 'forbidden-cleared');
    await setCursors('forbidden-cleared', both(transactionTime));
    // Cleared: its next sync asks for ExplanationOfBenefit again, from the start.
    await clearEobForbidden(tdb.pool, 'forbidden-cleared');
    await tdb.pool.query(`UPDATE enrollments SET status = 'revoked' WHERE NOT enrollment_id = ANY($1)`, [
      ids,
    ]);

    const run = await startRun(deps, { trigger: 'scheduled' }, ctx('sched-forbidden'));

    expect(await reasons(run.run_id)).toEqual({
      'forbidden-behind': 'new_load',
      'forbidden-cleared': 'first_sync',
    });
    expect((await getRun(tdb.pool, run.run_id))!.decisions).toEqual({
      up_to_date: 2,
      new_load: 1,
      first_sync: 1,
    });
    expect(await floor('forbidden-current')).toBe('2026-03-08 00:00:00+00');
    expect(await floor('forbidden-cleared')).toBeNull();
  });
});
