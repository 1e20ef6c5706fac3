/**
 * Attempts: one try at syncing one enrollment (a job run), its result, and the per-enrollment
 * operator state (sync_state, the enrollment's last error) written together with it.
 */
import type { ErrorCategory } from '../errors.ts';
import type { Db } from './client.ts';
import { memberOutcomeWrite, queryRecordingOutcome, type AttemptTotals, type OutcomeWrite } from './runs.ts';
import { ASYNC_COMMIT, Statement } from './statement.ts';

export interface AttemptResult extends AttemptTotals {
  status: 'ok' | 'failed' | 'retrying' | 'skipped';
  retries: number;
  resourcesQuarantined: number;
  counts: Record<string, unknown>;
  errorCategory?: ErrorCategory;
  errorMessage?: string;
}

function attemptWrite(w: Statement, attemptId: number, result: AttemptResult): void {
  w.write(
    `UPDATE sync_attempts SET status = ${w.param(result.status)}, finished_at = now(),
            duration_ms = (extract(epoch from now() - started_at) * 1000)::int,
            requests = ${w.param(result.requests)}, retries = ${w.param(result.retries)},
            resources_changed = ${w.param(result.resourcesChanged)}, rows_written = ${w.param(result.rowsWritten)},
            resources_removed = ${w.param(result.resourcesRemoved)}, resources_quarantined = ${w.param(result.resourcesQuarantined)},
            counts = ${w.param(JSON.stringify(result.counts))}::jsonb, error_category = ${w.param(result.errorCategory ?? null)},
            error_message = ${w.param(result.errorMessage?.slice(0, 1000) ?? null)}
      WHERE attempt_id = ${w.param(attemptId)}`,
  );
}

/** What the end of a successful sync writes (finishSyncSucceeded). */
export interface SyncSucceeded {
  enrollmentId: string;
  patientId: string;
  attemptId: number;
  runId?: string;
  full: boolean;
  result: AttemptResult;
  /** A ONE_TIME grant's one sync: the enrollment becomes `completed`, with this success. */
  completed?: boolean;
}

/**
 * One statement at the end of a successful sync: operator state, the enrollment's error cleared,
 * the attempt's result, and the outcome in its run.
 */
export async function finishSyncSucceeded(db: Db, s: SyncSucceeded): Promise<void> {
  const w = new Statement();
  await queryRecordingOutcome(db, w, syncSucceededWrites(w, s), ASYNC_COMMIT);
}

/**
 * finishSyncSucceeded's writes, added to a statement (the simulation adds its cursor writes first);
 * with a run, its outcome's write (runs.ts memberOutcomeWrite).
 */
export function syncSucceededWrites(w: Statement, s: SyncSucceeded): OutcomeWrite | undefined {
  const enrollment = w.param(s.enrollmentId);
  if (s.completed) {
    w.write(
      `UPDATE enrollments SET status = 'completed', updated_at = now()
        WHERE enrollment_id = ${enrollment} AND status = 'active'`,
    );
  }
  w.write(
    `UPDATE sync_state SET last_success_at = now(), consecutive_failures = 0, syncs_completed = syncs_completed + 1,
            last_full_sync_at = CASE WHEN ${w.param(s.full)}::boolean THEN now() ELSE last_full_sync_at END,
            last_rows_written = ${w.param(s.result.rowsWritten)},
            resources_held = (SELECT coalesce(json_object_agg(resource_type, n), '{}'::json)::jsonb
                                FROM (SELECT resource_type, count(*) AS n FROM fhir_resources
                                       WHERE patient_id = ${w.param(s.patientId)} GROUP BY 1) h)
      WHERE enrollment_id = ${enrollment}`,
  );
  if (s.result.errorCategory) {
    // A success with something for operators to look at (a reconcile held back).
    w.write(
      `UPDATE enrollments SET last_error_category = ${w.param(s.result.errorCategory)},
              last_error_message = ${w.param(s.result.errorMessage?.slice(0, 500) ?? null)}, last_error_at = now(), updated_at = now()
        WHERE enrollment_id = ${enrollment} AND status = 'active'`,
    );
  } else {
    w.write(
      `UPDATE enrollments SET last_error_category = NULL, last_error_message = NULL, last_error_at = NULL, updated_at = now()
        WHERE enrollment_id = ${enrollment} AND status = 'active' AND last_error_category IS NOT NULL`,
    );
  }
  attemptWrite(w, s.attemptId, s.result);
  return s.runId ? memberOutcomeWrite(w, s.runId, s.enrollmentId, 'ok', s.result) : undefined;
}

/** One statement when a sync stops: the attempt, operator state, and (when final) the run. */
export async function finishSyncFailed(
  db: Db,
  s: {
    enrollmentId: string;
    attemptId: number | undefined;
    runId?: string;
    final: boolean;
    /** Whether the enrollment's last error should show this one (not for hand-backs). */
    recordError: boolean;
    /** The run member's outcome when final: `skipped` for an ended grant (neither failed nor ok). */
    outcome?: 'failed' | 'skipped';
    result: AttemptResult & { errorCategory: ErrorCategory; errorMessage: string };
  },
): Promise<void> {
  const w = new Statement();
  if (s.attemptId !== undefined) attemptWrite(w, s.attemptId, s.result);
  if (s.recordError) {
    // Only here: a parameter no statement uses has no type, and Postgres refuses the whole text
    // (a handed-back sync's attempt would then stay `running`).
    const enrollment = w.param(s.enrollmentId);
    if (s.final && s.outcome !== 'skipped') {
      w.write(
        `UPDATE sync_state SET consecutive_failures = consecutive_failures + 1 WHERE enrollment_id = ${enrollment}`,
      );
    }
    w.write(
      `UPDATE enrollments SET last_error_category = ${w.param(s.result.errorCategory)},
              last_error_message = ${w.param(s.result.errorMessage.slice(0, 500))}, last_error_at = now(), updated_at = now()
        WHERE enrollment_id = ${enrollment}`,
    );
  }
  const outcome =
    s.final && s.runId
      ? memberOutcomeWrite(w, s.runId, s.enrollmentId, s.outcome ?? 'failed', s.result)
      : undefined;
  if (w.empty) return;
  await queryRecordingOutcome(db, w, outcome);
}
