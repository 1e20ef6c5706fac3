/**
 * Run and attempt history retention (RUN_HISTORY_DAYS) on a real Postgres: what the janitor's
 * pruning deletes, what it keeps, and that one pass is bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KEEP_LATEST_RUNS, pruneHistory } from '../../src/db/history.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase('history');
});

afterAll(async () => {
  await tdb?.drop();
});

/**
 * A run finished (or still running) `daysAgo` days ago with `members` members, one attempt each,
 * and its counters in two tally shards.
 */
async function run(runId: string, daysAgo: number, members: number, status = 'finished'): Promise<void> {
  const at = `now() - make_interval(days => ${daysAgo})`;
  await tdb.pool.query(
    `INSERT INTO sync_runs (run_id, trigger, status, started_at, finished_at)
     VALUES ($1, 'scheduled', $2, ${at}, CASE WHEN $2 = 'finished' THEN ${at} END)`,
    [runId, status],
  );
  await tdb.pool.query(
    `INSERT INTO enrollments (enrollment_id, patient_id, status, scope, refresh_token_ciphertext)
     SELECT $1 || '-' || i, $1 || '-p' || i, 'active', 'openid', 'x' FROM generate_series(1, $2::int) i`,
    [runId, members],
  );
  await tdb.pool.query(
    `INSERT INTO sync_run_members (run_id, enrollment_id, outcome)
     SELECT $1, $1 || '-' || i, CASE WHEN $3 = 'finished' THEN 'ok' END FROM generate_series(1, $2::int) i`,
    [runId, members, status],
  );
  await tdb.pool.query(
    `INSERT INTO sync_attempts (enrollment_id, run_id, job_id, status, started_at)
     SELECT $1 || '-' || i, $1, 'job', CASE WHEN $3 = 'finished' THEN 'ok' ELSE 'running' END, ${at}
       FROM generate_series(1, $2::int) i`,
    [runId, members, status],
  );
  await tdb.pool.query(
    `INSERT INTO sync_run_tallies (run_id, shard, enrollments_ok) VALUES ($1, 0, 1), ($1, 1, $2::int - 1)`,
    [runId, members],
  );
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  return (await tdb.pool.query<{ n: number }>(sql, params)).rows[0]!.n;
}

const left = async (runId: string) => ({
  run: await count('SELECT count(*)::int AS n FROM sync_runs WHERE run_id = $1', [runId]),
  members: await count('SELECT count(*)::int AS n FROM sync_run_members WHERE run_id = $1', [runId]),
  tallies: await count('SELECT count(*)::int AS n FROM sync_run_tallies WHERE run_id = $1', [runId]),
  attempts: await count(`SELECT count(*)::int AS n FROM sync_attempts WHERE enrollment_id LIKE $1 || '-%'`, [
    runId,
  ]),
});

describe('run history retention', () => {
  it('deletes finished runs, their members, tallies and attempts older than the setting, and keeps the rest', async () => {
    for (let i = 0; i < KEEP_LATEST_RUNS; i++) await run(`recent-${i}`, 1, 2);
    await run('old', 40, 12);
    await run('stale-running', 40, 3, 'running');

    const pruned = await pruneHistory(tdb.pool, { days: 30, batch: 5, maxBatches: 100 });

    expect(pruned).toEqual({ attempts: 12, members: 12, runs: 1 });
    expect(await left('old')).toEqual({ run: 0, members: 0, tallies: 0, attempts: 0 });
    // A run still running keeps its members, and an attempt still running is never touched.
    expect(await left('stale-running')).toEqual({ run: 1, members: 3, tallies: 2, attempts: 3 });
    for (let i = 0; i < KEEP_LATEST_RUNS; i++) {
      expect(await left(`recent-${i}`)).toEqual({ run: 1, members: 2, tallies: 2, attempts: 2 });
    }
  });

  it('keeps the latest runs with their attempts whatever their age, and does nothing when set to 0', async () => {
    await tdb.pool.query('TRUNCATE sync_run_members, sync_run_tallies, sync_attempts, sync_runs');
    await run('only-old', 90, 4);

    expect(await pruneHistory(tdb.pool, { days: 0 })).toEqual({ attempts: 0, members: 0, runs: 0 });
    expect(await pruneHistory(tdb.pool, { days: 30 })).toEqual({ attempts: 0, members: 0, runs: 0 });
    expect(await left('only-old')).toEqual({ run: 1, members: 4, tallies: 2, attempts: 4 });
  });

  it('deletes at most its batches in one pass, and the next passes finish the job', async () => {
    await tdb.pool.query('TRUNCATE sync_run_members, sync_run_tallies, sync_attempts, sync_runs');
    for (let i = 0; i < KEEP_LATEST_RUNS; i++) await run(`keep-${i}`, 1, 1);
    await run('big-old', 45, 30);

    const first = await pruneHistory(tdb.pool, { days: 30, batch: 4, maxBatches: 3 });
    expect(first.attempts + first.members + first.runs).toBeLessThanOrEqual(12);

    let passes = 1;
    while ((await left('big-old')).run > 0 && passes < 50) {
      await pruneHistory(tdb.pool, { days: 30, batch: 4, maxBatches: 3 });
      passes++;
    }
    expect(await left('big-old')).toEqual({ run: 0, members: 0, tallies: 0, attempts: 0 });
    expect(passes).toBeGreaterThan(1);
  });
});
