/**
 * Job: start a sync run. Records a `sync_runs` row, then fans out one sync job per active
 * enrollment, in chunks (so 100,000 enrollments never become one giant Redis transaction), with
 * deterministic job ids (`sync-<run>-<enrollment>`), so a retried fan-out adds nothing twice. The
 * run finishes when its last member's outcome is recorded (see db/runs.ts); a failed member
 * never blocks it.
 */
import { createHash } from 'node:crypto';

import type { Pool } from '../db/client.ts';
import {
  addActiveMembers,
  createRun,
  expireEndedGrants,
  finishFanOut,
  type RunTrigger,
  type SyncRun,
} from '../db/runs.ts';
import type { Logger } from '../logger.ts';
import type { SyncEnrollmentPayload } from './sync-enrollment.ts';

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

export interface EnqueuedSync {
  jobId: string;
  payload: SyncEnrollmentPayload;
}

export interface StartRunDeps {
  pool: Pool;
  log: Logger;
  /** Adds sync jobs to the queue (one chunk at a time). */
  enqueue: (jobs: readonly EnqueuedSync[]) => Promise<void>;
  chunkSize?: number;
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
  const chunkSize = deps.chunkSize ?? 1000;
  let afterId: string | null = null;
  let enqueued = 0;
  for (;;) {
    const ids = await addActiveMembers(deps.pool, runId, {
      afterId,
      limit: chunkSize,
      enrollmentIds: payload.enrollmentIds,
    });
    if (ids.length === 0) break;
    await deps.enqueue(
      ids.map((enrollmentId) => ({
        jobId: syncJobId(runId, enrollmentId),
        payload: { enrollmentId, runId, ...(full ? { full: true } : {}) },
      })),
    );
    enqueued += ids.length;
    afterId = ids[ids.length - 1]!;
    if (ids.length < chunkSize) break;
  }
  const run = await finishFanOut(deps.pool, runId);
  deps.log.info(
    { job: START_RUN_JOB, runId, trigger: payload.trigger, full, enrollments: enqueued },
    'sync run started',
  );
  return run;
}
