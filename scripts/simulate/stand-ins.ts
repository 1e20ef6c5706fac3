/**
 * The simulation's stand-ins for the two handlers that talk to BB2 (the probe and the sync), run
 * by the REAL workers (src/workers/worker.ts `standIns`). The sync stand-in writes what a real
 * sync writes about itself, through the same functions (src/db/attempts.ts: the attempt, sync
 * state and the run member's outcome in one statement), and moves the enrollment's cursors to the
 * transaction time BB2 would report; it writes no claims (their cost at scale is measured by
 * `npm run scale:postgres`).
 */
import type { Pool, PoolClient } from '../../src/db/client.ts';
import { finishSyncFailed, syncSucceededWrites } from '../../src/db/attempts.ts';
import { prepared, Statement } from '../../src/db/statement.ts';
import { beginSync, endSync } from '../../src/db/walks.ts';
import { Bb2Error } from '../../src/errors.ts';
import { EnrollmentBusyError } from '../../src/jobs/sync-errors.ts';
import type { ProbeResult } from '../../src/jobs/bfd-probe.ts';
import type { SyncEnrollmentPayload } from '../../src/jobs/sync-enrollment.ts';
import type { SyncStandIn } from '../../src/workers/worker.ts';
import type { Model } from './model.ts';

/** What the simulation learns from the syncs. */
export interface SimStats {
  /** Each enrollment's cursor (simulated ms), by its number. */
  cursor: Float64Array;
  /** Per load (index into model.loads): simulated ms from the load becoming visible to each sync that took it in. */
  ages: number[][];
  syncs: number;
  fullSyncs: number;
  failedAttempts: number;
}

export function createStats(enrollments: number, initialCursor: number, loads: number): SimStats {
  return {
    cursor: new Float64Array(enrollments).fill(initialCursor),
    ages: Array.from({ length: loads }, () => []),
    syncs: 0,
    fullSyncs: 0,
    failedAttempts: 0,
  };
}

export const enrollmentId = (n: number) => `sim-${String(n).padStart(8, '0')}`;
const enrollmentNumber = (id: string) => Number(id.slice(4));

/** What the modelled BB2 does with one sync attempt: fail after some requests, or answer. */
export type AttemptOutcome = { failsAfter: number } | { requests: number; transactionTime: number };

/**
 * The modelled BB2 as the stand-ins see it: in the simulation's process (`localBb2`), or asked
 * over IPC from a worker process (worker-process.ts), so one clock and one budget serve every
 * worker process as one BB2 serves a deployment.
 */
export interface SimBb2 {
  /** An attempt at syncing enrollment `n`; a success is counted in the stats (data age, syncs). */
  attempt(n: number, full: boolean, attempt: number): Promise<AttemptOutcome>;
  /** The probe: one request, answered with the transaction time visible now. */
  probe(): Promise<ProbeResult>;
}

export function localBb2(model: Model, stats: SimStats): SimBb2 {
  return {
    async attempt(n, full, attempt) {
      const loadIndex = model.loads.findLastIndex((l) => l.visibleAt <= model.clock.now);
      const cost = model.syncCost(n, loadIndex, full, attempt);
      if (cost.failsAfter !== undefined) {
        model.spend(cost.failsAfter);
        stats.failedAttempts++;
        return { failsAfter: cost.failsAfter };
      }
      const doneAt = model.spend(cost.requests);
      const transactionTime = model.transactionTimeAt(doneAt);
      model.loads.forEach((load, i) => {
        if (stats.cursor[n]! < load.transactionTime && load.transactionTime <= transactionTime) {
          stats.ages[i]!.push(doneAt - load.visibleAt);
        }
      });
      stats.cursor[n] = transactionTime;
      stats.syncs++;
      if (full) stats.fullSyncs++;
      return { requests: cost.requests, transactionTime };
    },
    async probe() {
      model.spend(1);
      return {
        ok: true,
        transactionTime: new Date(model.transactionTimeAt(model.clock.now)).toISOString(),
        requests: 1,
      };
    },
  };
}

/** The real sync's lock around the stand-in: one sync per enrollment, held by a session (db/walks.ts). */
export function simulatedSync(pool: Pool, bb2: SimBb2): SyncStandIn {
  return async (payload, ctx) => {
    // The sync's statements all go on the session that holds its lock (the real sync writes its
    // pages on other connections): one connection per concurrent sync instead of two.
    const session = await pool.connect();
    try {
      // The lock and the attempt in one round trip, as syncEnrollment takes them.
      const start = await beginSync(session, payload.enrollmentId, {
        runId: payload.runId ?? null,
        jobId: ctx.jobId,
        full: Boolean(payload.full),
      });
      if (!start.locked) throw new EnrollmentBusyError(payload.enrollmentId);
      if (start.attemptId === undefined) throw new Error(`${payload.enrollmentId} is not active`);
      return await simulatedSyncBody(bb2, session, payload, ctx, {
        attemptId: start.attemptId,
        full: start.full === true,
      });
    } finally {
      await endSync(session);
      session.release();
    }
  };
}

async function simulatedSyncBody(
  bb2: SimBb2,
  session: PoolClient,
  payload: SyncEnrollmentPayload,
  ctx: Parameters<SyncStandIn>[1],
  { attemptId, full }: { attemptId: number; full: boolean },
) {
  const n = enrollmentNumber(payload.enrollmentId);
  const outcome = await bb2.attempt(n, full, ctx.attempt);
  const totals = { retries: ctx.attempt - 1, resourcesChanged: 0, rowsWritten: 0, resourcesRemoved: 0 };
  const base = { ...totals, resourcesQuarantined: 0, counts: {} };
  if ('failsAfter' in outcome) {
    const final = ctx.attempt >= ctx.maxAttempts;
    await finishSyncFailed(session, {
      enrollmentId: payload.enrollmentId,
      attemptId,
      ...(payload.runId ? { runId: payload.runId } : {}),
      final,
      recordError: true,
      result: {
        ...base,
        status: final ? 'failed' : 'retrying',
        requests: outcome.failsAfter,
        errorCategory: 'upstream_5xx',
        errorMessage: 'simulated BB2 503',
      },
    });
    throw new Bb2Error('simulated BB2 503', 'upstream_5xx', 503);
  }
  // The cursors BB2's answers moved to and the end of the sync, in one round trip (the real sync
  // writes each walk's cursor with its last page, which the simulation does not have).
  const w = new Statement();
  const e = w.param(payload.enrollmentId);
  w.write(
    `INSERT INTO sync_cursors (enrollment_id, resource_type, cursor)
     SELECT ${e}, t, ${w.param(new Date(outcome.transactionTime).toISOString())}
       FROM unnest(ARRAY['Patient', 'Coverage', 'ExplanationOfBenefit']) t
     ON CONFLICT (enrollment_id, resource_type) DO UPDATE SET cursor = excluded.cursor, updated_at = now()`,
  );
  syncSucceededWrites(w, {
    enrollmentId: payload.enrollmentId,
    patientId: `simpat-${n}`,
    attemptId,
    ...(payload.runId ? { runId: payload.runId } : {}),
    full,
    result: { ...base, status: 'ok', requests: outcome.requests },
  });
  await session.query(prepared(w.text(), w.values));
  return { status: 'ok', requests: outcome.requests };
}

/**
 * `count` active enrollments, each synced once to the load before the simulation (cursors at its
 * transaction time, a full sync a week ago), in one statement per table.
 */
export async function seedEnrollments(pool: Pool, count: number, transactionTime: number): Promise<void> {
  const at = new Date(transactionTime).toISOString();
  const ids = `'sim-' || lpad(i::text, 8, '0')`;
  await pool.query(
    `INSERT INTO enrollments (enrollment_id, patient_id, status, scope, refresh_token_ciphertext)
     SELECT ${ids}, 'simpat-' || i, 'active',
            'openid profile patient/Patient.read patient/Coverage.read patient/ExplanationOfBenefit.read', 'simulated'
       FROM generate_series(0, $1::int - 1) i`,
    [count],
  );
  await pool.query(
    `INSERT INTO sync_state (enrollment_id, syncs_completed, last_success_at, last_full_sync_at)
     SELECT ${ids}, 1, $2::timestamptz, $2::timestamptz FROM generate_series(0, $1::int - 1) i`,
    [count, at],
  );
  await pool.query(
    `INSERT INTO sync_cursors (enrollment_id, resource_type, cursor)
     SELECT ${ids}, t, $2 FROM generate_series(0, $1::int - 1) i,
            unnest(ARRAY['Patient', 'Coverage', 'ExplanationOfBenefit']) t`,
    [count, at],
  );
  await pool.query('INSERT INTO bfd_transaction_times (transaction_time) VALUES ($1)', [at]);
  await pool.query('ANALYZE enrollments; ANALYZE sync_state; ANALYZE sync_cursors');
}

/**
 * A database seeded by an earlier run (`--reuse`) set back to what seedEnrollments wrote: no
 * runs, attempts or members, every cursor and sync state at `transactionTime`. False (nothing
 * changed) when it does not hold exactly `count` simulated enrollments.
 */
export async function resetEnrollments(pool: Pool, count: number, transactionTime: number): Promise<boolean> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM enrollments WHERE enrollment_id LIKE 'sim-%'`,
  );
  const { rows: all } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM enrollments');
  if (rows[0]?.n !== count || all[0]?.n !== count) return false;
  const at = new Date(transactionTime).toISOString();
  await pool.query(
    'TRUNCATE sync_run_members, sync_run_tallies, sync_attempts, sync_runs, bfd_transaction_times, sync_progress, sync_seen',
  );
  await pool.query(`UPDATE enrollments SET status = 'active' WHERE status <> 'active'`);
  await pool.query('UPDATE sync_cursors SET cursor = $1 WHERE cursor <> $1', [at]);
  await pool.query(
    `UPDATE sync_state SET syncs_completed = 1, last_success_at = $1, last_full_sync_at = $1,
            consecutive_failures = 0, last_attempt_at = NULL
      WHERE syncs_completed <> 1 OR last_success_at <> $1 OR last_full_sync_at <> $1 OR last_attempt_at IS NOT NULL`,
    [at],
  );
  await pool.query('INSERT INTO bfd_transaction_times (transaction_time) VALUES ($1)', [at]);
  await pool.query('VACUUM ANALYZE enrollments, sync_state, sync_cursors');
  return true;
}
