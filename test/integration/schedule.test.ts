/**
 * Load-aware scheduling and the rate-budget feeder, end to end: real Redis, Postgres and BullMQ
 * workers against the emulator, whose search Bundles carry BFD's transaction time in
 * meta.lastUpdated and whose `advance` (a weekly load) moves it.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { getRun, waitForRun } from '../../src/db/runs.ts';
import { startRun } from '../../src/jobs/start-run.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { capturingLogger, startTestEmulator } from '../helpers/bb2.ts';
import { createSyncWorld, type SyncWorld } from '../helpers/sync-world.ts';
import { countRows, rowVersions } from '../helpers/tables.ts';
import { ANALYTICS_TABLES } from '../../src/model/analytics-rows.ts';

let emulator: RunningEmulator;
const toClose: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of toClose.splice(0).reverse()) await close();
});

async function setUp(
  label: string,
  users: number,
  env: Record<string, string> = {},
): Promise<{ world: SyncWorld; log: ReturnType<typeof capturingLogger> }> {
  emulator = await startTestEmulator({ users: users + 5, seed: 23 });
  const em = emulator;
  toClose.push(() => em.close());
  const log = capturingLogger('info');
  const world = await createSyncWorld({
    emulator,
    clientId: 'bbsync-local',
    users: Array.from({ length: users }, (_, i) => i),
    log: log.log,
    label,
    env,
  });
  toClose.push(() => world.close());
  await world.startWorkers(4);
  return { world, log };
}

/** Every request the emulator answered (OAuth and FHIR), summed. */
function requestsServed(): number {
  return Object.values(emulator.stats().requests).reduce((n, e) => n + e.total, 0);
}

async function members(world: SyncWorld, runId: string) {
  const { rows } = await world.tdb.pool.query<{ enrollment_id: string; reason: string; full_sync: number }>(
    'SELECT enrollment_id, reason, full_sync FROM sync_run_members WHERE run_id = $1 ORDER BY 1',
    [runId],
  );
  return rows;
}

describe('a scheduled run', () => {
  it('makes at most 2 requests for 50 enrollments on a night without a new BFD load, and writes no row', async () => {
    const { world } = await setUp('sched_quiet', 50);
    expect(await world.run({ timeoutMs: 120_000 })).toMatchObject({ enrollments_ok: 50 });
    const versions = await rowVersions(world.tdb.pool);
    const counts = async () =>
      Promise.all(
        [...ANALYTICS_TABLES, 'fhir_resources', 'sync_attempts'].map((t) => countRows(world.tdb.pool, t)),
      );
    const rows = await counts();
    const before = requestsServed();

    const run = await world.scheduled();

    expect(requestsServed() - before).toBeLessThanOrEqual(2);
    expect(run).toMatchObject({ status: 'finished', enrollments_total: 0, rows_written: 0 });
    expect(run.transaction_time).not.toBeNull();
    expect(run.decisions).toEqual({ up_to_date: 50 });
    expect(await rowVersions(world.tdb.pool)).toEqual(versions);
    expect(await counts()).toEqual(rows);
    const { rows: seen } = await world.tdb.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM bfd_transaction_times',
    );
    expect(seen[0]!.n).toBe(1);
  }, 300_000);

  it('syncs every enrollment after a BFD load, a share of them as full reconciles, and loads the new claims', async () => {
    const { world } = await setUp('sched_load', 30);
    expect(await world.run({ timeoutMs: 120_000 })).toMatchObject({ enrollments_ok: 30 });
    await world.scheduled(); // learns the transaction time: nothing to do
    const load = emulator.store.advance({ newClaimsFraction: 0.5, userIndexes: [0, 1, 2, 3, 4] });

    const run = await world.scheduled({ timeoutMs: 120_000 });

    expect(run).toMatchObject({ status: 'finished', enrollments_total: 30, enrollments_ok: 30 });
    expect(new Date(run.transaction_time!).toISOString()).toBe(load.transactionTime);
    const list = await members(world, run.run_id);
    expect(list.map((m) => m.enrollment_id)).toEqual(world.enrolled.map((e) => e.enrollmentId).sort());
    const reconciles = list.filter((m) => m.reason === 'reconcile');
    expect(reconciles.length + list.filter((m) => m.reason === 'new_load').length).toBe(30);
    expect(reconciles.every((m) => m.full_sync === 1)).toBe(true);
    expect(run.decisions).toMatchObject({ new_load: 30 - reconciles.length });
    const added = Object.values(load.added).flat();
    expect(added.length).toBeGreaterThan(0);
    const { rows } = await world.tdb.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM claims WHERE claim_id = ANY($1)',
      [added],
    );
    expect(rows[0]!.n).toBe(added.length);

    // The next night, without a load: nobody again.
    expect(await world.scheduled()).toMatchObject({ enrollments_total: 0 });
  }, 300_000);

  it('leaves out who an unfinished run still has to sync when the next probe comes before it is done', async () => {
    const { world, log } = await setUp('sched_overlap', 6);
    await world.stopWorkers();
    const pool = world.tdb.pool;
    // BFD loaded: every probe from now on sees a transaction time after everyone's cursor.
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const deps = {
      pool,
      log: log.log,
      reconcileEvery: 7,
      probe: async () => ({ ok: true as const, transactionTime: later, requests: 1 }),
    };
    const ctx = (jobId: string) => ({ jobId, createdAt: new Date() });
    const first = await startRun(deps, { trigger: 'scheduled' }, ctx('overlap-1'));
    expect(first).toMatchObject({ enrollments_total: 6 });

    // No worker has synced anyone yet: the next scheduled run queues nobody a second time.
    const second = await startRun(deps, { trigger: 'scheduled' }, ctx('overlap-2'));
    expect(second).toMatchObject({ enrollments_total: 0, status: 'finished' });
    expect((await getRun(pool, second.run_id))!.decisions).toEqual({ in_run: 6 });
    // An operator's request is never left out.
    const asked = await startRun(
      deps,
      { trigger: 'manual', enrollmentIds: [world.enrolled[0]!.enrollmentId] },
      ctx('overlap-3'),
    );
    expect(asked).toMatchObject({ enrollments_total: 1 });
  }, 300_000);

  it('lets an operator "sync now" jump ahead of a running reconcile', async () => {
    // Every sync after a load is a reconcile; one request slot a second makes the run slow.
    const { world } = await setUp('sched_jump', 12, { SYNC_FULL_EVERY: '1' });
    expect(await world.run({ timeoutMs: 120_000 })).toMatchObject({ enrollments_ok: 12 });
    await world.scheduled();
    emulator.store.advance({ newClaimsFraction: 0.2 });
    await world.stopWorkers();
    emulator.setFaults({ latencyMs: 150 });
    const reconcileJob = world.scheduled({ timeoutMs: 240_000 });
    await world.startWorkers(1);
    // Wait until the reconcile run is under way: its live counters (getRun sums its tallies; the
    // row's copy can be a feeder tick behind, by which time more of the run would be done).
    let reconcileRunId: string | undefined;
    for (const deadline = Date.now() + 60_000; !reconcileRunId && Date.now() < deadline;) {
      const { rows } = await world.tdb.pool.query<{ run_id: string }>(
        `SELECT r.run_id FROM sync_runs r WHERE trigger = 'scheduled' AND enrollments_total > 0
           ORDER BY started_at DESC LIMIT 1`,
      );
      const candidate = rows[0] && (await getRun(world.tdb.pool, rows[0].run_id));
      if (candidate && candidate.enrollments_ok >= 1) reconcileRunId = candidate.run_id;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(reconcileRunId).toBeDefined();
    const last = world.enrolled[world.enrolled.length - 1]!;

    const now = await world.start({ enrollmentIds: [last.enrollmentId] });
    const done = await waitForRun(world.tdb.pool, now.run_id, { timeoutMs: 60_000, intervalMs: 50 });
    const reconcile = await getRun(world.tdb.pool, reconcileRunId!);

    expect(done).toMatchObject({ enrollments_ok: 1 });
    expect((await members(world, now.run_id))[0]).toMatchObject({ reason: 'requested' });
    // The reconcile run's members all wait with priority 4: the request went ahead of most of them.
    expect(reconcile!.enrollments_ok + reconcile!.enrollments_failed).toBeLessThan(12 - 4);
    expect((await members(world, reconcileRunId!)).every((m) => m.reason === 'reconcile')).toBe(true);
    emulator.setFaults({});
    expect(await reconcileJob).toMatchObject({ enrollments_ok: 12 });
  }, 300_000);
});
