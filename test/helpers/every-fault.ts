/**
 * The every-fault-on sync of hostile-sync.test.ts and hostile-sync-v3.test.ts: the users of a
 * clean world synced again by a `bbsync worker` of another world while the emulator has every
 * hostile fault on, and what must hold afterwards: no crash, no refresh token reused or lost, the
 * clean tables for each enrollment that synced and a clear category for each that did not, every
 * stored refresh token still live, and no token in the logs.
 */
import { expect } from 'vitest';

import { waitForRun, type SyncRun } from '../../src/db/runs.ts';
import { HOSTILE_FAULTS } from '../../src/emulator/faults.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { buildBb2Services } from '../../src/services.ts';
import { leakedTokens, type capturingLogger } from './bb2.ts';
import { exited, type SyncWorld } from './sync-world.ts';
import { lastError, patientTables } from './tables.ts';

/** Faults that stay affordable in a test: a 12 MiB body, a 700 MiB gzip bomb. */
export const SMALL_FAULTS = { hugeBodyBytes: 12 * 1024 * 1024, gzipBombBytes: 700 * 1024 * 1024 };

type EmulatorStats = ReturnType<RunningEmulator['stats']>;

export async function expectEveryFaultSyncLikeClean(o: {
  emulator: RunningEmulator;
  captured: ReturnType<typeof capturingLogger>;
  clean: SyncWorld;
  hostile: SyncWorld;
  /** More checks on the finished run, given the emulator's stats from before and after it. */
  alsoCheck?: (run: SyncRun, before: EmulatorStats, after: EmulatorStats) => Promise<void>;
}): Promise<void> {
  const { emulator, hostile } = o;
  // Every sync starts with a refresh, so the token faults meet every enrollment.
  await expireAccessTokens(hostile);
  const before = emulator.stats();
  emulator.setFaults({ ...HOSTILE_FAULTS, ...SMALL_FAULTS });
  const worker = hostile.spawnWorker({}, 3);
  let run;
  try {
    const started = await hostile.start({ full: true });
    run = await waitForRun(hostile.tdb.pool, started.run_id, { timeoutMs: 240_000 });
  } finally {
    emulator.setFaults({});
  }
  expect(worker.exitCode).toBeNull(); // no crash
  worker.kill('SIGTERM');
  expect((await exited(worker)).code).toBe(0);
  expect(run.enrollments_ok + run.enrollments_failed).toBe(hostile.enrolled.length);
  expect(run.enrollments_ok).toBeGreaterThan(0); // the comparison below is not vacuous
  const after = emulator.stats();
  expect(after.refreshTokenReuse - before.refreshTokenReuse).toBe(0);
  expect(after.lostRefreshTokens - before.lostRefreshTokens).toBe(0);
  await o.alsoCheck?.(run, before, after);

  const { rows: members } = await hostile.tdb.pool.query<{ enrollment_id: string; outcome: string }>(
    'SELECT enrollment_id, outcome FROM sync_run_members WHERE run_id = $1',
    [run.run_id],
  );
  for (const e of hostile.enrolled) {
    const outcome = members.find((m) => m.enrollment_id === e.enrollmentId)?.outcome;
    if (outcome === 'ok') {
      expect(await patientTables(hostile.tdb.pool, e.patientId)).toEqual(
        await patientTables(o.clean.tdb.pool, e.patientId),
      );
    } else {
      const error = await lastError(hostile.tdb.pool, e.enrollmentId);
      expect(['malformed_response', 'paging_error']).toContain(error?.category);
    }
  }

  // Every stored refresh token is still the live one: each enrollment refreshes once more.
  await expireAccessTokens(hostile);
  const vault = buildBb2Services(hostile.config, o.captured.log, hostile.tdb.pool).vault;
  for (const e of hostile.enrolled) {
    expect((await vault.getAccessToken(e.enrollmentId)).patientId).toBe(e.patientId);
  }
  expect(emulator.stats().refreshTokenReuse).toBe(before.refreshTokenReuse);
  expect(leakedTokens(emulator, o.captured.text() + worker.output())).toEqual([]);
}

async function expireAccessTokens(world: SyncWorld): Promise<void> {
  await world.tdb.pool.query(`UPDATE enrollments SET access_token_expires_at = now() - interval '1 minute'`);
}
