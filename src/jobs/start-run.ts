/**
 * Job: start a sync run. Records a `sync_runs` row and decides, in Postgres, who the run syncs and
 * why (db/schedule.ts): a scheduled run first learns BFD's transaction time with one request
 * (bfd-probe.ts) and then takes only the enrollments that can have new data; a manual run takes
 * the enrollments it names, or everyone. Members are added in one transaction and held in Postgres; the
 * feeder (src/workers/feeder.ts) hands them to the queue a few minutes of rate budget at a time,
 * with deterministic job ids (`sync-<run>-<enrollment>`), so a retried fan-out adds nothing twice.
 * The run finishes when its last member's outcome is recorded (see db/runs.ts); a failed member
 * never blocks it.
 */
import { createHash } from 'node:crypto';

import type { Pool } from '../db/client.ts';
import {
  createRun,
  endFanOut,
  expireEndedGrants,
  fanOutDone,
  type RunTrigger,
  type SyncRun,
} from '../db/runs.ts';
import {
  addRunMembers,
  latestTransactionTime,
  loadNumber,
  recordRunPlan,
  recordTransactionTime,
} from '../db/schedule.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Logger } from '../logger.ts';
import type { ProbeResult } from './bfd-probe.ts';

export const START_RUN_JOB = 'start-run';

export interface StartRunPayload {
  trigger: RunTrigger;
  /** Given by the caller when it wants to follow the run (bbsync sync --wait). */
  runId?: string;
  full?: boolean;
  requestedBy?: string;
  /** Only these enrollments (default: every active one). */
  enrollmentIds?: string[];
}

export interface StartRunDeps {
  pool: Pool;
  log: Logger;
  /** Asks BB2 for BFD's transaction time (scheduled runs); absent: the last one known is used. */
  probe?: (known: string | null) => Promise<ProbeResult>;
  /** SYNC_FULL_EVERY: an enrollment reconciles on every Nth load, its turn set by a hash of its id. */
  reconcileEvery: number;
  /** Hands the run's first work to the queue once its members are in Postgres. */
  feed?: () => Promise<unknown>;
}

export function syncJobId(runId: string, enrollmentId: string): string {
  return `sync-${runId}-${enrollmentId}`;
}

/** A run id from the job that starts it: the same job (and its retries) always gets the same run. */
export function runIdFor(jobId: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `run_${stamp}_${createHash('sha256').update(jobId).digest('hex').slice(0, 6)}`;
}

export async function startRun(
  deps: StartRunDeps,
  payload: StartRunPayload,
  ctx: { jobId: string; createdAt: Date },
): Promise<SyncRun> {
  const runId = payload.runId ?? runIdFor(ctx.jobId, ctx.createdAt);
  const full = Boolean(payload.full);
  await createRun(deps.pool, { runId, trigger: payload.trigger, requestedBy: payload.requestedBy, full });
  const expired = await expireEndedGrants(deps.pool);
  if (expired > 0)
    deps.log.info({ job: START_RUN_JOB, runId, expired }, 'data access grants ended: enrollments expired');
  const plan = await transactionTimeFor(deps, payload.trigger);
  const load = await loadNumber(deps.pool, plan.transactionTime);
  // One transaction: the feeder sees none of the run's members until all of them are there and
  // the run is `running`, so no sync of this run competes with its own fan-out for the run row.
  const { decisions, run } = await withTransaction(deps.pool, async (client) => {
    // A retried job whose fan-out committed (or a stalled copy still running it) adds nothing.
    const done = await fanOutDone(client, runId);
    if (done) return { decisions: done.decisions ?? {}, run: done };
    const decisions = await addRunMembers(client, runId, {
      enrollmentIds: payload.enrollmentIds,
      everyone: payload.trigger !== 'scheduled',
      transactionTime: plan.transactionTime,
      reconcileEvery: deps.reconcileEvery,
      load: payload.trigger === 'scheduled' ? load : null,
      full,
    });
    await recordRunPlan(client, runId, {
      transactionTime: plan.transactionTime,
      decisions: { ...decisions, ...(plan.probeError ? { probe_failed: plan.probeError } : {}) },
      requests: plan.requests,
    });
    return { decisions, run: await endFanOut(client, runId) };
  });
  deps.log.info(
    {
      job: START_RUN_JOB,
      runId,
      trigger: payload.trigger,
      full,
      enrollments: run.enrollments_total,
      decisions,
      transactionTime: plan.transactionTime,
    },
    'sync run started',
  );
  await deps.feed?.();
  return run;
}

/**
 * The transaction time a run plans against: for a scheduled run, what BB2 says now (remembered),
 * or, when no probe answers, the newest one known (enrollments behind it still sync).
 */
async function transactionTimeFor(
  deps: StartRunDeps,
  trigger: RunTrigger,
): Promise<{ transactionTime: string | null; requests: number; probeError?: string }> {
  const known = await latestTransactionTime(deps.pool);
  if (trigger !== 'scheduled' || !deps.probe) return { transactionTime: known, requests: 0 };
  const probed = await deps.probe(known);
  if (!probed.ok) {
    deps.log.warn(
      { error: probed.error, known },
      'could not learn BFD transaction time: planning with the last one known',
    );
    return { transactionTime: known, requests: probed.requests, probeError: probed.error };
  }
  await recordTransactionTime(deps.pool, probed.transactionTime);
  return { transactionTime: probed.transactionTime, requests: probed.requests };
}
