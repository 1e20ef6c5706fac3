/**
 * A run's counters in shards (sync_run_tallies): outcomes from many sessions add up exactly, the
 * last outcome finishes its run, and the feeder's refresh finishes a run whose last two outcomes
 * committed together. On a real Postgres, with real concurrent sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  createRun,
  finishFanOut,
  finishRunIfLast,
  getRun,
  memberOutcomeWrite,
  membersLeftSelect,
  recordMemberOutcome,
  refreshRunCounters,
  type MemberOutcome,
} from '../../src/db/runs.ts';
import { Statement } from '../../src/db/statement.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase('run_tallies');
});

afterAll(async () => {
  await tdb?.drop();
});

/** A running run of `members` members (run ids and member ids are the test's own). */
async function runningRun(runId: string, members: number): Promise<string[]> {
  await createRun(tdb.pool, { runId, trigger: 'manual', full: false });
  const ids = Array.from({ length: members }, (_, i) => `${runId}-e${i}`);
  await tdb.pool.query(`INSERT INTO sync_run_members (run_id, enrollment_id) SELECT $1, unnest($2::text[])`, [
    runId,
    ids,
  ]);
  const run = await finishFanOut(tdb.pool, runId);
  expect(run).toMatchObject({ status: 'running', enrollments_total: members });
  return ids;
}

const totals = (requests: number) => ({
  requests,
  resourcesChanged: 2,
  rowsWritten: 10,
  resourcesRemoved: 0,
});

async function rowOf(runId: string) {
  const { rows } = await tdb.pool.query<{ status: string; enrollments_ok: number; requests: number }>(
    'SELECT status, enrollments_ok, requests FROM sync_runs WHERE run_id = $1',
    [runId],
  );
  return rows[0]!;
}

describe("a run's counters", () => {
  it('add up exactly over outcomes from many sessions at once, and the run finishes with its members', async () => {
    const ids = await runningRun('tally-many', 60);
    const outcomeOf = (i: number): MemberOutcome =>
      i % 10 === 0 ? 'failed' : i % 10 === 1 ? 'skipped' : 'ok';
    // Eight at a time on the pool's separate sessions, as eight sync workers end their syncs.
    for (let i = 0; i < ids.length; i += 8) {
      await Promise.all(
        ids
          .slice(i, i + 8)
          .map((id, j) => recordMemberOutcome(tdb.pool, 'tally-many', id, outcomeOf(i + j), totals(4))),
      );
    }
    // Usually finished by the last outcome; when its last two committed together, by a refresh.
    await refreshRunCounters(tdb.pool);
    const run = await getRun(tdb.pool, 'tally-many');
    expect(run).toMatchObject({
      status: 'finished',
      enrollments_total: 60,
      enrollments_ok: 48,
      enrollments_failed: 6,
      enrollments_skipped: 6,
      requests: 240,
      resources_changed: 120,
      rows_written: 600,
    });
    expect(run?.finished_at).not.toBeNull();
  });

  it('count a member once, however often its outcome is recorded', async () => {
    const [a, b] = await runningRun('tally-once', 2);
    await recordMemberOutcome(tdb.pool, 'tally-once', a!, 'ok', totals(3));
    await recordMemberOutcome(tdb.pool, 'tally-once', a!, 'failed', totals(3));
    expect(await getRun(tdb.pool, 'tally-once')).toMatchObject({
      status: 'running',
      enrollments_ok: 1,
      enrollments_failed: 0,
      requests: 3,
    });
    await recordMemberOutcome(tdb.pool, 'tally-once', b!, 'ok', totals(5));
    expect(await rowOf('tally-once')).toEqual({ status: 'finished', enrollments_ok: 2, requests: 8 });
  });

  it("leave a run whose last two outcomes committed together to the feeder's refresh, which finishes it exactly", async () => {
    const [a, b] = await runningRun('tally-race', 2);
    const first = await tdb.pool.connect();
    const second = await tdb.pool.connect();
    try {
      // Both outcomes are written before either commits: neither sees the other's tally.
      await first.query('BEGIN');
      await second.query('BEGIN');
      await recordMemberOutcome(first, 'tally-race', a!, 'ok', totals(4));
      await recordMemberOutcome(second, 'tally-race', b!, 'failed', totals(6));
      await first.query('COMMIT');
      await second.query('COMMIT');
    } finally {
      first.release();
      second.release();
    }
    expect(await rowOf('tally-race')).toEqual({ status: 'running', enrollments_ok: 0, requests: 0 });
    // Read live while the row lags.
    expect(await getRun(tdb.pool, 'tally-race')).toMatchObject({
      status: 'running',
      enrollments_ok: 1,
      enrollments_failed: 1,
      requests: 10,
    });

    const refreshed = await refreshRunCounters(tdb.pool);
    expect(refreshed.map((r) => r.run_id)).toContain('tally-race');
    expect(await getRun(tdb.pool, 'tally-race')).toMatchObject({
      status: 'finished',
      enrollments_ok: 1,
      enrollments_failed: 1,
      requests: 10,
    });
  });

  it('finish a run whose last two outcomes committed together when each checks again after its commit', async () => {
    const [a, b] = await runningRun('tally-last', 2);
    const first = await tdb.pool.connect();
    const second = await tdb.pool.connect();
    const left: unknown[] = [];
    try {
      // As two syncs ending at the same moment: both statements run before either commits.
      await first.query('BEGIN');
      await second.query('BEGIN');
      for (const [client, id] of [
        [first, a!],
        [second, b!],
      ] as const) {
        const w = new Statement();
        const { left: cte } = memberOutcomeWrite(w, 'tally-last', id, 'ok', totals(3));
        const { rows } = await client.query<{ members_left: number }>(
          w.text(membersLeftSelect(cte)),
          w.values,
        );
        left.push(rows[0]!.members_left);
      }
      await first.query('COMMIT');
      await second.query('COMMIT');
    } finally {
      first.release();
      second.release();
    }
    // Each saw one member left besides itself, so neither statement finished the run.
    expect(left).toEqual([1, 1]);
    expect(await rowOf('tally-last')).toMatchObject({ status: 'running' });
    await finishRunIfLast(tdb.pool, 'tally-last', left[0]);
    expect(await rowOf('tally-last')).toEqual({ status: 'finished', enrollments_ok: 2, requests: 6 });
  });

  it("are copied to a running run's row by the refresh, which leaves an unchanged row alone", async () => {
    const [a] = await runningRun('tally-refresh', 3);
    await recordMemberOutcome(tdb.pool, 'tally-refresh', a!, 'ok', totals(7));
    expect(await rowOf('tally-refresh')).toEqual({ status: 'running', enrollments_ok: 0, requests: 0 });
    expect((await refreshRunCounters(tdb.pool)).map((r) => r.run_id)).toContain('tally-refresh');
    expect(await rowOf('tally-refresh')).toEqual({ status: 'running', enrollments_ok: 1, requests: 7 });
    expect((await refreshRunCounters(tdb.pool)).map((r) => r.run_id)).not.toContain('tally-refresh');
  });
});
