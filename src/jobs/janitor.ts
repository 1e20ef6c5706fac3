/**
 * Job: the janitor, run every JANITOR_EVERY_MS. It finishes what a dead process (or a failed last
 * write) left open, so nothing waits on it forever:
 * - attempts left `running` with nobody holding their enrollment's sync lock are closed as failed;
 * - run members whose sync job is gone from the queue, or failed for good, get their outcome, so
 *   their run finishes (`bbsync sync --wait` returns);
 * - unenrolls left `revoking` are finished (BB2, then the local transaction);
 * - run and attempt history older than RUN_HISTORY_DAYS is pruned in bounded batches (db/history.ts).
 */
import { closeAbandonedAttempts, closeOrphanMember, openMembers } from '../db/janitor.ts';
import type { Pool } from '../db/client.ts';
import { pruneHistory, type HistoryPruned } from '../db/history.ts';
import { revokingEnrollments } from '../db/revocations.ts';
import { classifyError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { syncJobId } from './start-run.ts';

export const JANITOR_JOB = 'janitor';

/** A job's state in the queue; undefined when the queue no longer has it. */
export type JobStateOf = (jobId: string) => Promise<string | undefined>;

export interface JanitorDeps {
  pool: Pool;
  log: Logger;
  jobState: JobStateOf;
  /** Finishes a `revoking` unenroll (enrollment/unenroll.ts finishUnenroll). */
  finishUnenroll: (enrollmentId: string) => Promise<unknown>;
  /** Leave runs and unenrolls younger than this to their own processes. */
  graceMs: number;
  /** RUN_HISTORY_DAYS: finished runs, members and attempts older than this are pruned (0: never). */
  historyDays?: number;
}

export interface JanitorReport {
  attemptsClosed: number;
  membersClosed: number;
  unenrollsFinished: number;
  pruned: HistoryPruned;
}

export async function runJanitor(deps: JanitorDeps): Promise<JanitorReport> {
  const { log } = deps;
  const attempts = await closeAbandonedAttempts(deps.pool);
  for (const a of attempts) {
    log.warn(
      { attemptId: a.attempt_id, enrollmentId: a.enrollment_id, category: 'internal' },
      'abandoned attempt closed',
    );
  }

  let membersClosed = 0;
  for (const member of await openMembers(deps.pool, deps.graceMs)) {
    const state = await deps.jobState(syncJobId(member.run_id, member.enrollment_id));
    // A job still waiting, delayed or running records its own outcome.
    if (state !== undefined && state !== 'failed' && state !== 'completed' && state !== 'unknown') continue;
    if (!(await closeOrphanMember(deps.pool, member))) continue;
    membersClosed++;
    log.warn(
      { runId: member.run_id, enrollmentId: member.enrollment_id, jobState: state ?? 'gone' },
      'run member closed by the janitor',
    );
  }

  let unenrollsFinished = 0;
  for (const enrollmentId of await revokingEnrollments(deps.pool, deps.graceMs)) {
    try {
      await deps.finishUnenroll(enrollmentId);
      unenrollsFinished++;
    } catch (err) {
      log.warn(
        { enrollmentId, ...classifyError(err) },
        'could not finish an unenroll; the next janitor run tries again',
      );
    }
  }
  const pruned = await pruneHistory(deps.pool, { days: deps.historyDays ?? 0 });
  const report = { attemptsClosed: attempts.length, membersClosed, unenrollsFinished, pruned };
  const prunedRows = pruned.attempts + pruned.members + pruned.runs;
  if (attempts.length + membersClosed + unenrollsFinished + prunedRows > 0)
    log.info(report, 'janitor finished');
  return report;
}
