/**
 * The janitor (src/jobs/janitor.ts), run by real `bbsync worker` processes every JANITOR_EVERY_MS:
 * it closes what a dead process left open (an attempt, a run member, an unenroll) and leaves alone
 * what a live one is still doing. Also: crash points are ignored under NODE_ENV=production.
 */

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { beginSync } from '../../src/db/walks.ts';
import { createPool } from '../../src/db/client.ts';
import { createRun, finishFanOut, waitForRun } from '../../src/db/runs.ts';
import { addRunMembers } from '../../src/db/schedule.ts';
import { runJanitor } from '../../src/jobs/janitor.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { syncJobId } from '../../src/jobs/start-run.ts';
import { capturingLogger, startTestEmulator } from '../helpers/bb2.ts';
import { createSyncWorld, exited, type Enrolled, type SyncWorld } from '../helpers/sync-world.ts';
import { poll } from '../helpers/poll.ts';
import { runBbsync } from '../helpers/bbsync-cli.ts';

const client = {
  clientId: 'janitor',
  clientSecret: 'janitor-secret',
  redirectUris: ['http://127.0.0.1:3000/j/cb'],
};
let emulator: RunningEmulator;
let world: SyncWorld;
const captured = capturingLogger('info');
const children: ReturnType<SyncWorld['spawnWorker']>[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator({ users: 8, seed: 31, clients: [client] });
  world = await createSyncWorld({
    emulator,
    clientId: 'janitor',
    users: [0, 1, 2, 3, 4, 5],
    log: captured.log,
    label: 'janitor',
    // The janitor every second; runs and unenrolls are left to their own process for 5 s.
    env: { JANITOR_EVERY_MS: '1000', SYNC_LOCK_DURATION_MS: '5000' },
  });
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited(child);
    }
  }
});

afterAll(async () => {
  await world?.close();
  await emulator?.close();
});

const user = (i: number): Enrolled => world.enrolled.find((e) => e.index === i)!;

function worker(extraEnv: Record<string, string> = {}) {
  const child = world.spawnWorker(extraEnv, 2);
  children.push(child);
  return child;
}

async function attempts(enrollmentId: string) {
  const { rows } = await world.tdb.pool.query<{
    attempt_id: number;
    status: string;
    error_category: string | null;
    error_message: string | null;
  }>(
    `SELECT attempt_id, status, error_category, error_message FROM sync_attempts
      WHERE enrollment_id = $1 ORDER BY attempt_id`,
    [enrollmentId],
  );
  return rows;
}

function bbsync(args: string[], env: Record<string, string> = {}) {
  return runBbsync(args, { ...world.env, ...env });
}

describe('the janitor', () => {
  it('gives a run member whose job is gone from the queue an outcome, so the run finishes', async () => {
    const e = user(0);
    // No worker is running: the job waits in the queue, and is lost there (as a Redis failover can).
    const run = await world.start({ enrollmentIds: [e.enrollmentId] });
    expect(await world.queues.sync.remove(syncJobId(run.run_id, e.enrollmentId))).toBe(1);

    worker();
    const finished = await waitForRun(world.tdb.pool, run.run_id, { timeoutMs: 90_000 });
    expect(finished).toMatchObject({ status: 'finished', enrollments_failed: 1, enrollments_ok: 0 });
  }, 240_000);

  it('leaves alone a run member still held in Postgres for rate budget (no job yet)', async () => {
    const e = user(5);
    // A run whose member the feeder has not handed to the queue: it has no job, by design.
    const runId = 'janitor-unfed';
    await createRun(world.tdb.pool, { runId, trigger: 'manual', full: false });
    await addRunMembers(world.tdb.pool, runId, {
      enrollmentIds: [e.enrollmentId],
      everyone: false,
      transactionTime: null,
      reconcileEvery: 1,
      load: null,
      full: false,
    });
    await finishFanOut(world.tdb.pool, runId);

    const report = await runJanitor({
      pool: world.tdb.pool,
      log: captured.log,
      graceMs: 0,
      finishUnenroll: async () => {},
      jobState: async (jobId) => (await world.queues.sync.getJob(jobId))?.getState(),
    });
    expect(report.membersClosed).toBe(0);
    const { rows } = await world.tdb.pool.query(
      'SELECT outcome, queued_at FROM sync_run_members WHERE run_id = $1',
      [runId],
    );
    expect(rows).toEqual([{ outcome: null, queued_at: null }]);
    await world.tdb.pool.query(`UPDATE sync_runs SET status = 'finished' WHERE run_id = $1`, [runId]);
  });

  it('closes an attempt whose process died, and not one whose sync still holds its lock', async () => {
    const dead = user(1);
    const alive = user(2);
    // Two syncs as a worker runs them: each session holds its enrollment's sync lock and has
    // started an attempt. Then one process dies: its connection closes, and its lock with it.
    const own = createPool(world.tdb.url, { max: 2 });
    const [dying, living] = [await own.connect(), await own.connect()];
    try {
      const started: number[] = [];
      for (const [session, e] of [
        [dying, dead],
        [living, alive],
      ] as const) {
        const start = await beginSync(session, e.enrollmentId, { runId: null, jobId: 'test', full: false });
        expect(start.locked).toBe(true);
        started.push(start.attemptId!);
      }
      dying.release(true);

      worker();
      const closed = await poll(
        () => attempts(dead.enrollmentId),
        (rows) => rows[0]?.status !== 'running',
        'the janitor to close the dead attempt',
        90_000,
      );
      expect(closed[0]).toMatchObject({
        attempt_id: started[0],
        status: 'failed',
        error_category: 'internal',
      });
      expect(closed[0]!.error_message).toMatch(/abandoned/);
      // The janitor ran (it closed the other one in the same statement) and left this one alone.
      expect((await attempts(alive.enrollmentId)).map((a) => a.status)).toEqual(['running']);
    } finally {
      living.release(true);
      await own.end();
    }
  }, 240_000);

  it('finishes an unenroll a crash left revoking: BB2 told, data purged, one audit entry', async () => {
    const e = user(3);
    // This worker syncs the enrollment, then its janitor finishes the unenroll the crash left.
    worker();
    await world.run({ enrollmentIds: [e.enrollmentId] });
    const crashed = await bbsync(['unenroll', e.enrollmentId, '--purge'], {
      BBSYNC_FAILPOINTS: 'unenroll.after-mark-revoking',
    });
    expect(crashed.signal).toBe('SIGKILL');
    const before = await world.tdb.pool.query('SELECT status FROM enrollments WHERE enrollment_id = $1', [
      e.enrollmentId,
    ]);
    expect(before.rows[0].status).toBe('revoking');

    const done = await poll(
      async () =>
        (
          await world.tdb.pool.query<{ status: string; purged: boolean }>(
            'SELECT status, data_purged_at IS NOT NULL AS purged FROM enrollments WHERE enrollment_id = $1',
            [e.enrollmentId],
          )
        ).rows[0]!,
      (row) => row.status === 'revoked',
      'the janitor to finish the unenroll',
      90_000,
    );
    expect(done).toEqual({ status: 'revoked', purged: true });
    const claims = await world.tdb.pool.query('SELECT 1 FROM claims WHERE patient_id = $1', [e.patientId]);
    expect(claims.rowCount).toBe(0);
    const audit = await world.tdb.pool.query<{ actor: string; details: Record<string, unknown> }>(
      `SELECT actor, details FROM audit_log WHERE target = $1 AND action = 'revoke'`,
      [e.enrollmentId],
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]!.actor).toMatch(/^cli:/);
    expect(audit.rows[0]!.details).toMatchObject({ revokedAtBb2: true, purged: true, resumed: true });
  }, 240_000);
});

describe('crash points', () => {
  it('are ignored under NODE_ENV=production, with a warning', async () => {
    const e = user(4);
    const result = await bbsync(['unenroll', e.enrollmentId], {
      NODE_ENV: 'production',
      SESSION_SECRET: 'x'.repeat(40),
      BBSYNC_FAILPOINTS: 'unenroll.after-mark-revoking,unenroll.after-bb2-revoke',
    });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/BBSYNC_FAILPOINTS.*ignored|ignored.*failpoint/i);
    const { rows } = await world.tdb.pool.query('SELECT status FROM enrollments WHERE enrollment_id = $1', [
      e.enrollmentId,
    ]);
    expect(rows[0].status).toBe('revoked');
  });
});
