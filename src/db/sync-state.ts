/**
 * The sync's state in Postgres: runs and their members, attempts, per-enrollment operator state,
 * cursors, and the progress of a walk in flight. Redis holds jobs; this is the durable record.
 */
import type { ErrorCategory } from '../errors.ts';
import type { Pool, PoolClient } from './client.ts';
import { deleteClaims } from './ingest.ts';

type Db = Pool | PoolClient;

export type RunTrigger = 'scheduled' | 'manual' | 'retry';
export type MemberOutcome = 'ok' | 'failed' | 'skipped';

export interface SyncRun {
  run_id: string;
  trigger: RunTrigger;
  requested_by: string | null;
  full_sync: number;
  status: 'fanning_out' | 'running' | 'finished';
  started_at: string;
  finished_at: string | null;
  enrollments_total: number;
  enrollments_ok: number;
  enrollments_failed: number;
  enrollments_skipped: number;
  resources_changed: number;
  rows_written: number;
  resources_removed: number;
  requests: number;
}

export async function createRun(
  db: Db,
  run: { runId: string; trigger: RunTrigger; requestedBy?: string; full: boolean },
): Promise<void> {
  await db.query(
    `INSERT INTO sync_runs (run_id, trigger, requested_by, full_sync, status) VALUES ($1, $2, $3, $4, 'fanning_out')
     ON CONFLICT (run_id) DO NOTHING`,
    [run.runId, run.trigger, run.requestedBy ?? null, run.full ? 1 : 0],
  );
}

/**
 * Adds the next chunk of active enrollments (in id order, after `afterId`) to a run and returns
 * their ids. Idempotent: a retried fan-out adds nobody twice.
 */
export async function addActiveMembers(
  db: Db,
  runId: string,
  options: { afterId: string | null; limit: number; enrollmentIds?: readonly string[] },
): Promise<string[]> {
  const { rows } = await db.query<{ enrollment_id: string }>(
    `WITH chosen AS (
       SELECT enrollment_id FROM enrollments
        WHERE status = 'active' AND ($2::text IS NULL OR enrollment_id > $2)
          AND ($4::text[] IS NULL OR enrollment_id = ANY($4))
        ORDER BY enrollment_id LIMIT $3
     ), added AS (
       INSERT INTO sync_run_members (run_id, enrollment_id) SELECT $1, enrollment_id FROM chosen
       ON CONFLICT DO NOTHING
     )
     SELECT enrollment_id FROM chosen ORDER BY enrollment_id`,
    [runId, options.afterId, options.limit, options.enrollmentIds ?? null],
  );
  return rows.map((r) => r.enrollment_id);
}

/**
 * Ends the fan-out: the run's total is its member count, and its counters are recomputed from the
 * members (some may already have finished). The run row is locked first, so a member finishing at
 * the same moment adds its count after this, never lost under it. A run of nobody finishes at once.
 */
export async function finishFanOut(pool: Pool, runId: string): Promise<SyncRun> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT 1 FROM sync_runs WHERE run_id = $1 FOR UPDATE', [runId]);
    const { rows } = await client.query<SyncRun>(
      `UPDATE sync_runs r SET
         enrollments_total = m.total,
         enrollments_ok = m.ok, enrollments_failed = m.failed, enrollments_skipped = m.skipped,
         status = CASE WHEN m.total = m.ok + m.failed + m.skipped THEN 'finished' ELSE 'running' END,
         finished_at = CASE WHEN m.total = m.ok + m.failed + m.skipped THEN now() END
       FROM (SELECT count(*)::int AS total,
                    count(*) FILTER (WHERE outcome = 'ok')::int AS ok,
                    count(*) FILTER (WHERE outcome = 'failed')::int AS failed,
                    count(*) FILTER (WHERE outcome = 'skipped')::int AS skipped
               FROM sync_run_members WHERE run_id = $1) m
       WHERE r.run_id = $1 RETURNING r.*`,
      [runId],
    );
    await client.query('COMMIT');
    return rows[0]!;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export interface AttemptTotals {
  requests: number;
  resourcesChanged: number;
  rowsWritten: number;
  resourcesRemoved: number;
}

/**
 * Records an enrollment's final outcome in its run, once: a second call for the same member does
 * nothing. The run finishes with its last member.
 */
export async function recordMemberOutcome(
  db: Db,
  runId: string,
  enrollmentId: string,
  outcome: MemberOutcome,
  totals: AttemptTotals,
): Promise<void> {
  await db.query(
    `WITH member AS (
       UPDATE sync_run_members SET outcome = $3, finished_at = now()
        WHERE run_id = $1 AND enrollment_id = $2 AND outcome IS NULL
       RETURNING run_id
     )
     UPDATE sync_runs r SET
       enrollments_ok = r.enrollments_ok + CASE WHEN $3 = 'ok' THEN 1 ELSE 0 END,
       enrollments_failed = r.enrollments_failed + CASE WHEN $3 = 'failed' THEN 1 ELSE 0 END,
       enrollments_skipped = r.enrollments_skipped + CASE WHEN $3 = 'skipped' THEN 1 ELSE 0 END,
       requests = r.requests + $4, resources_changed = r.resources_changed + $5,
       rows_written = r.rows_written + $6, resources_removed = r.resources_removed + $7,
       status = CASE WHEN r.status = 'running'
                      AND r.enrollments_ok + r.enrollments_failed + r.enrollments_skipped + 1 >= r.enrollments_total
                     THEN 'finished' ELSE r.status END,
       finished_at = CASE WHEN r.status = 'running'
                          AND r.enrollments_ok + r.enrollments_failed + r.enrollments_skipped + 1 >= r.enrollments_total
                         THEN now() ELSE r.finished_at END
      FROM member WHERE r.run_id = member.run_id`,
    [
      runId,
      enrollmentId,
      outcome,
      totals.requests,
      totals.resourcesChanged,
      totals.rowsWritten,
      totals.resourcesRemoved,
    ],
  );
}

export async function getRun(db: Db, runId: string): Promise<SyncRun | undefined> {
  const { rows } = await db.query<SyncRun>('SELECT * FROM sync_runs WHERE run_id = $1', [runId]);
  return rows[0];
}

/** Polls a run until it finishes (or `timeoutMs` passes), reporting each change of progress. */
export async function waitForRun(
  db: Db,
  runId: string,
  options: { timeoutMs?: number; intervalMs?: number; onPoll?: (run: SyncRun) => Promise<void> | void } = {},
): Promise<SyncRun> {
  const deadline = Date.now() + (options.timeoutMs ?? Infinity);
  for (;;) {
    const run = await getRun(db, runId);
    if (!run) throw new Error(`no run ${runId}`);
    await options.onPoll?.(run);
    if (run.status === 'finished') return run;
    if (Date.now() > deadline)
      throw new Error(`run ${runId} did not finish in time (${JSON.stringify(run)})`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
}

// ---- attempts ------------------------------------------------------------------------------

export async function startAttempt(
  db: Db,
  attempt: { enrollmentId: string; runId: string | null; jobId: string; full: boolean },
): Promise<number> {
  const { rows } = await db.query<{ attempt_id: number }>(
    `INSERT INTO sync_attempts (enrollment_id, run_id, job_id, status, full_sync) VALUES ($1, $2, $3, 'running', $4)
     RETURNING attempt_id`,
    [attempt.enrollmentId, attempt.runId, attempt.jobId, attempt.full ? 1 : 0],
  );
  await db.query(
    `INSERT INTO sync_state (enrollment_id, last_attempt_at) VALUES ($1, now())
     ON CONFLICT (enrollment_id) DO UPDATE SET last_attempt_at = now()`,
    [attempt.enrollmentId],
  );
  return rows[0]!.attempt_id;
}

export interface AttemptResult extends AttemptTotals {
  status: 'ok' | 'failed' | 'retrying' | 'skipped';
  retries: number;
  resourcesQuarantined: number;
  counts: Record<string, unknown>;
  errorCategory?: ErrorCategory;
  errorMessage?: string;
}

export async function finishAttempt(db: Db, attemptId: number, result: AttemptResult): Promise<void> {
  await db.query(
    `UPDATE sync_attempts SET status = $2, finished_at = now(),
            duration_ms = (extract(epoch from now() - started_at) * 1000)::int,
            requests = $3, retries = $4, resources_changed = $5, rows_written = $6, resources_removed = $7,
            resources_quarantined = $8, counts = $9, error_category = $10, error_message = $11
      WHERE attempt_id = $1`,
    [
      attemptId,
      result.status,
      result.requests,
      result.retries,
      result.resourcesChanged,
      result.rowsWritten,
      result.resourcesRemoved,
      result.resourcesQuarantined,
      JSON.stringify(result.counts),
      result.errorCategory ?? null,
      result.errorMessage?.slice(0, 1000) ?? null,
    ],
  );
}

// ---- per-enrollment operator state -------------------------------------------------------

export interface SyncStateRow {
  enrollment_id: string;
  last_success_at: string | null;
  consecutive_failures: number;
  syncs_completed: number;
  last_full_sync_at: string | null;
}

export async function getSyncState(db: Db, enrollmentId: string): Promise<SyncStateRow | undefined> {
  const { rows } = await db.query<SyncStateRow>('SELECT * FROM sync_state WHERE enrollment_id = $1', [
    enrollmentId,
  ]);
  return rows[0];
}

export async function markSyncSucceeded(
  db: Db,
  enrollmentId: string,
  result: { full: boolean; rowsWritten: number; resourcesHeld: Record<string, number> },
): Promise<void> {
  await db.query(
    `UPDATE sync_state SET last_success_at = now(), consecutive_failures = 0, syncs_completed = syncs_completed + 1,
            last_full_sync_at = CASE WHEN $2 THEN now() ELSE last_full_sync_at END,
            last_rows_written = $3, resources_held = $4
      WHERE enrollment_id = $1`,
    [enrollmentId, result.full, result.rowsWritten, JSON.stringify(result.resourcesHeld)],
  );
  await db.query(
    `UPDATE enrollments SET last_error_category = NULL, last_error_message = NULL, last_error_at = NULL, updated_at = now()
      WHERE enrollment_id = $1 AND status = 'active'`,
    [enrollmentId],
  );
}

export async function markSyncFailed(
  db: Db,
  enrollmentId: string,
  error: { category: ErrorCategory; message: string; final: boolean },
): Promise<void> {
  if (error.final) {
    await db.query(
      `UPDATE sync_state SET consecutive_failures = consecutive_failures + 1 WHERE enrollment_id = $1`,
      [enrollmentId],
    );
  }
  await db.query(
    `UPDATE enrollments SET last_error_category = $2, last_error_message = $3, last_error_at = now(), updated_at = now()
      WHERE enrollment_id = $1`,
    [enrollmentId, error.category, error.message.slice(0, 500)],
  );
}

// ---- cursors and walks --------------------------------------------------------------------

export async function getCursor(
  db: Db,
  enrollmentId: string,
  resourceType: string,
): Promise<string | undefined> {
  const { rows } = await db.query<{ cursor: string }>(
    'SELECT cursor FROM sync_cursors WHERE enrollment_id = $1 AND resource_type = $2',
    [enrollmentId, resourceType],
  );
  return rows[0]?.cursor;
}

export interface WalkProgress {
  job_id: string;
  full_sync: number;
  since: string | null;
  next_url: string | null;
  pages_done: number;
  bundle_last_updated: string | null;
}

export async function getProgress(
  db: Db,
  enrollmentId: string,
  resourceType: string,
): Promise<WalkProgress | undefined> {
  const { rows } = await db.query<WalkProgress>(
    `SELECT job_id, full_sync, since, next_url, pages_done, bundle_last_updated FROM sync_progress
      WHERE enrollment_id = $1 AND resource_type = $2`,
    [enrollmentId, resourceType],
  );
  return rows[0];
}

/** Forgets a walk in progress (and the ids it saw): the walk starts over. */
export async function resetWalk(db: Db, enrollmentId: string, resourceType: string): Promise<void> {
  await db.query('DELETE FROM sync_progress WHERE enrollment_id = $1 AND resource_type = $2', [
    enrollmentId,
    resourceType,
  ]);
  await db.query('DELETE FROM sync_seen WHERE enrollment_id = $1 AND resource_type = $2', [
    enrollmentId,
    resourceType,
  ]);
}

/** Records a page as done, inside the page's transaction. */
export async function savePageProgress(
  db: Db,
  enrollmentId: string,
  resourceType: string,
  progress: Omit<WalkProgress, 'pages_done'>,
  seenIds: readonly string[] | undefined,
): Promise<void> {
  await db.query(
    `INSERT INTO sync_progress (enrollment_id, resource_type, job_id, full_sync, since, next_url, pages_done, bundle_last_updated)
     VALUES ($1, $2, $3, $4, $5, $6, 1, $7)
     ON CONFLICT (enrollment_id, resource_type) DO UPDATE SET
       job_id = excluded.job_id, next_url = excluded.next_url, pages_done = sync_progress.pages_done + 1,
       bundle_last_updated = coalesce(sync_progress.bundle_last_updated, excluded.bundle_last_updated),
       updated_at = now()`,
    [
      enrollmentId,
      resourceType,
      progress.job_id,
      progress.full_sync,
      progress.since,
      progress.next_url,
      progress.bundle_last_updated,
    ],
  );
  if (seenIds && seenIds.length > 0) {
    await db.query(
      `INSERT INTO sync_seen (enrollment_id, resource_type, resource_id)
       SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING`,
      [enrollmentId, resourceType, seenIds],
    );
  }
}

/**
 * Deletes, for a patient, the claims or coverages a complete full walk did not return: BB2 has
 * no feed of deletions, so absence from a full pull is how a removed claim shows. Returns how many.
 */
export async function removeUnseen(
  db: PoolClient,
  enrollmentId: string,
  patientId: string,
  resourceType: 'Coverage' | 'ExplanationOfBenefit',
): Promise<number> {
  const [table, key] = resourceType === 'Coverage' ? ['coverages', 'coverage_id'] : ['claims', 'claim_id'];
  const { rows } = await db.query<{ id: string }>(
    `SELECT t.${key} AS id FROM ${table} t WHERE t.patient_id = $1
        AND NOT EXISTS (SELECT 1 FROM sync_seen s WHERE s.enrollment_id = $2 AND s.resource_type = $3 AND s.resource_id = t.${key})`,
    [patientId, enrollmentId, resourceType],
  );
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return 0;
  if (resourceType === 'ExplanationOfBenefit') await deleteClaims(db, ids);
  else await db.query('DELETE FROM coverages WHERE coverage_id = ANY($1::text[])', [ids]);
  await db.query(`DELETE FROM fhir_resources WHERE resource_type = $1 AND resource_id = ANY($2::text[])`, [
    resourceType,
    ids,
  ]);
  return ids.length;
}

/** Ends a walk: the cursor moves to the walk's bundle time, its progress and seen ids go. */
export async function completeWalk(
  db: Db,
  enrollmentId: string,
  resourceType: string,
  cursor: string | null,
): Promise<void> {
  if (cursor) {
    await db.query(
      `INSERT INTO sync_cursors (enrollment_id, resource_type, cursor) VALUES ($1, $2, $3)
       ON CONFLICT (enrollment_id, resource_type) DO UPDATE SET cursor = excluded.cursor, updated_at = now()`,
      [enrollmentId, resourceType, cursor],
    );
  }
  await resetWalk(db, enrollmentId, resourceType);
}

/** How many resources of each type are held for a patient. */
export async function resourcesHeld(db: Db, patientId: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ resource_type: string; n: number }>(
    `SELECT resource_type, count(*)::int AS n FROM fhir_resources WHERE patient_id = $1 GROUP BY 1`,
    [patientId],
  );
  return Object.fromEntries(rows.map((r) => [r.resource_type, r.n]));
}

// ---- request counts ------------------------------------------------------------------------

/** Adds per-minute request counts (see bluebutton/request-counter.ts). */
export async function addRequestCounts(
  db: Db,
  counts: readonly { minute: string; endpoint: string; status: number; count: number }[],
): Promise<void> {
  if (counts.length === 0) return;
  await db.query(
    `INSERT INTO bb2_request_counts (minute, endpoint, status, count)
     SELECT minute, endpoint, status, count FROM json_to_recordset($1::json)
       AS r(minute timestamptz, endpoint text, status int, count int)
     ON CONFLICT (minute, endpoint, status) DO UPDATE SET count = bb2_request_counts.count + excluded.count`,
    [JSON.stringify(counts)],
  );
}

export interface FailureGroup {
  category: string;
  count: number;
  enrollments: { enrollment_id: string; message: string | null }[];
}

/** A run's failed enrollments grouped by error category (the last failed attempt of each). */
export async function runFailures(db: Db, runId: string, perGroup = 20): Promise<FailureGroup[]> {
  const { rows } = await db.query<{ category: string; enrollment_id: string; message: string | null }>(
    `SELECT DISTINCT ON (m.enrollment_id) coalesce(a.error_category, 'internal') AS category, m.enrollment_id,
            a.error_message AS message
       FROM sync_run_members m
       LEFT JOIN sync_attempts a ON a.run_id = m.run_id AND a.enrollment_id = m.enrollment_id AND a.status = 'failed'
      WHERE m.run_id = $1 AND m.outcome = 'failed'
      ORDER BY m.enrollment_id, a.attempt_id DESC`,
    [runId],
  );
  const groups = new Map<string, FailureGroup>();
  for (const r of rows) {
    let g = groups.get(r.category);
    if (!g) groups.set(r.category, (g = { category: r.category, count: 0, enrollments: [] }));
    g.count++;
    if (g.enrollments.length < perGroup)
      g.enrollments.push({ enrollment_id: r.enrollment_id, message: r.message });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}
