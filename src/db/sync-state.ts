/**
 * The sync's state in Postgres: runs and their members, attempts, per-enrollment operator state,
 * cursors, and the progress of a walk in flight. Redis holds jobs; this is the durable record.
 */
import type { ErrorCategory } from '../errors.ts';
import type { Pool, PoolClient } from './client.ts';
import { CLAIM_CHILD_TABLES } from '../model/analytics-rows.ts';
import { Statement } from './statement.ts';

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
  const w = new Statement();
  memberOutcomeWrite(w, runId, enrollmentId, outcome, totals);
  await db.query(w.text(), w.values);
}

/** recordMemberOutcome as one write of a Statement. */
export function memberOutcomeWrite(
  w: Statement,
  runId: string,
  enrollmentId: string,
  outcome: MemberOutcome,
  totals: AttemptTotals,
): void {
  const run = w.param(runId);
  const result = w.param(outcome);
  const member = `member_${w.values.length}`;
  // The member update is its own CTE so the run's counters move only when it changed a row.
  w.write(
    `UPDATE sync_run_members SET outcome = ${result}, finished_at = now()
      WHERE run_id = ${run} AND enrollment_id = ${w.param(enrollmentId)} AND outcome IS NULL
     RETURNING run_id AS ${member}`,
  );
  const memberCte = `w${w.count - 1}`;
  w.write(
    `UPDATE sync_runs r SET
       enrollments_ok = r.enrollments_ok + CASE WHEN ${result} = 'ok' THEN 1 ELSE 0 END,
       enrollments_failed = r.enrollments_failed + CASE WHEN ${result} = 'failed' THEN 1 ELSE 0 END,
       enrollments_skipped = r.enrollments_skipped + CASE WHEN ${result} = 'skipped' THEN 1 ELSE 0 END,
       requests = r.requests + ${w.param(totals.requests)}, resources_changed = r.resources_changed + ${w.param(totals.resourcesChanged)},
       rows_written = r.rows_written + ${w.param(totals.rowsWritten)}, resources_removed = r.resources_removed + ${w.param(totals.resourcesRemoved)},
       status = CASE WHEN r.status = 'running'
                      AND r.enrollments_ok + r.enrollments_failed + r.enrollments_skipped + 1 >= r.enrollments_total
                     THEN 'finished' ELSE r.status END,
       finished_at = CASE WHEN r.status = 'running'
                          AND r.enrollments_ok + r.enrollments_failed + r.enrollments_skipped + 1 >= r.enrollments_total
                         THEN now() ELSE r.finished_at END
      FROM ${memberCte} WHERE r.run_id = ${memberCte}.${member}`,
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

// ---- one enrollment's sync --------------------------------------------------------------

export interface WalkProgress {
  job_id: string;
  full_sync: number;
  since: string | null;
  next_url: string | null;
  pages_done: number;
  bundle_last_updated: string | null;
}

export interface SyncStart {
  /** Whether this session got the enrollment's sync lock (false: another worker has it). */
  locked: boolean;
  enrollment: { status: string; patient_id: string; scope: string } | undefined;
  syncsCompleted: number;
  /** Walks in progress, by resource type. */
  progress: Record<string, WalkProgress>;
  /** Incremental cursors, by resource type. */
  cursors: Record<string, string>;
}

/**
 * One round trip at the start of a sync: take the enrollment's sync lock (a session lock held by
 * `session` until it is released, or until the connection dies with its process) and read
 * everything the sync needs to decide what to do.
 */
export async function beginSync(session: PoolClient, enrollmentId: string): Promise<SyncStart> {
  const { rows } = await session.query<{
    locked: boolean;
    enrollment: SyncStart['enrollment'] | null;
    syncs_completed: number | null;
    progress: Record<string, WalkProgress> | null;
    cursors: Record<string, string> | null;
  }>(
    `SELECT pg_try_advisory_lock(hashtextextended('bbsync:sync:' || $1, 0)) AS locked,
            (SELECT json_build_object('status', status, 'patient_id', patient_id, 'scope', scope)
               FROM enrollments WHERE enrollment_id = $1) AS enrollment,
            (SELECT syncs_completed FROM sync_state WHERE enrollment_id = $1) AS syncs_completed,
            (SELECT json_object_agg(resource_type, json_build_object('job_id', job_id, 'full_sync', full_sync,
                      'since', since, 'next_url', next_url, 'pages_done', pages_done,
                      'bundle_last_updated', bundle_last_updated))
               FROM sync_progress WHERE enrollment_id = $1) AS progress,
            (SELECT json_object_agg(resource_type, cursor) FROM sync_cursors WHERE enrollment_id = $1) AS cursors`,
    [enrollmentId],
  );
  const row = rows[0]!;
  return {
    locked: row.locked,
    enrollment: row.locked ? (row.enrollment ?? undefined) : undefined,
    syncsCompleted: row.syncs_completed ?? 0,
    progress: row.progress ?? {},
    cursors: row.cursors ?? {},
  };
}

/** Releases the sync lock taken by beginSync. */
export async function endSync(session: PoolClient): Promise<void> {
  await session.query('SELECT pg_advisory_unlock_all()');
}

export async function startAttempt(
  db: Db,
  attempt: { enrollmentId: string; runId: string | null; jobId: string; full: boolean },
): Promise<number> {
  const { rows } = await db.query<{ attempt_id: number }>(
    `WITH state AS (
       INSERT INTO sync_state (enrollment_id, last_attempt_at) VALUES ($1, now())
       ON CONFLICT (enrollment_id) DO UPDATE SET last_attempt_at = now()
     )
     INSERT INTO sync_attempts (enrollment_id, run_id, job_id, status, full_sync) VALUES ($1, $2, $3, 'running', $4)
     RETURNING attempt_id`,
    [attempt.enrollmentId, attempt.runId, attempt.jobId, attempt.full ? 1 : 0],
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

/**
 * One statement at the end of a successful sync: operator state, the enrollment's error cleared,
 * the attempt's result, and the outcome in its run.
 */
export async function finishSyncSucceeded(
  db: Db,
  s: {
    enrollmentId: string;
    patientId: string;
    attemptId: number;
    runId?: string;
    full: boolean;
    result: AttemptResult;
  },
): Promise<void> {
  const w = new Statement();
  const enrollment = w.param(s.enrollmentId);
  w.write(
    `UPDATE sync_state SET last_success_at = now(), consecutive_failures = 0, syncs_completed = syncs_completed + 1,
            last_full_sync_at = CASE WHEN ${w.param(s.full)}::boolean THEN now() ELSE last_full_sync_at END,
            last_rows_written = ${w.param(s.result.rowsWritten)},
            resources_held = (SELECT coalesce(json_object_agg(resource_type, n), '{}'::json)::jsonb
                                FROM (SELECT resource_type, count(*) AS n FROM fhir_resources
                                       WHERE patient_id = ${w.param(s.patientId)} GROUP BY 1) h)
      WHERE enrollment_id = ${enrollment}`,
  );
  w.write(
    `UPDATE enrollments SET last_error_category = NULL, last_error_message = NULL, last_error_at = NULL, updated_at = now()
      WHERE enrollment_id = ${enrollment} AND status = 'active' AND last_error_category IS NOT NULL`,
  );
  attemptWrite(w, s.attemptId, s.result);
  if (s.runId) memberOutcomeWrite(w, s.runId, s.enrollmentId, 'ok', s.result);
  await db.query(w.text(), w.values);
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
    result: AttemptResult & { errorCategory: ErrorCategory; errorMessage: string };
  },
): Promise<void> {
  const w = new Statement();
  const enrollment = w.param(s.enrollmentId);
  if (s.attemptId !== undefined) attemptWrite(w, s.attemptId, s.result);
  if (s.recordError) {
    if (s.final) {
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
  if (s.final && s.runId) memberOutcomeWrite(w, s.runId, s.enrollmentId, 'failed', s.result);
  if (!w.empty) await db.query(w.text(), w.values);
}

/** Forgets a walk in progress (and the ids it saw): the walk starts over. */
export async function resetWalk(db: Db, enrollmentId: string, resourceType: string): Promise<void> {
  const w = new Statement();
  const e = w.param(enrollmentId);
  const t = w.param(resourceType);
  w.write(`DELETE FROM sync_progress WHERE enrollment_id = ${e} AND resource_type = ${t}`);
  w.write(`DELETE FROM sync_seen WHERE enrollment_id = ${e} AND resource_type = ${t}`);
  await db.query(w.text(), w.values);
}

/** A page's progress (and, on a full walk, the ids it returned), as writes committed with the page. */
export function pageProgressWrites(
  w: Statement,
  enrollmentId: string,
  resourceType: string,
  progress: Omit<WalkProgress, 'pages_done'>,
  seenIds: readonly string[] | undefined,
): void {
  const e = w.param(enrollmentId);
  const t = w.param(resourceType);
  w.write(
    `INSERT INTO sync_progress (enrollment_id, resource_type, job_id, full_sync, since, next_url, pages_done, bundle_last_updated)
     VALUES (${e}, ${t}, ${w.param(progress.job_id)}, ${w.param(progress.full_sync)}, ${w.param(progress.since)},
             ${w.param(progress.next_url)}, 1, ${w.param(progress.bundle_last_updated)})
     ON CONFLICT (enrollment_id, resource_type) DO UPDATE SET
       job_id = excluded.job_id, next_url = excluded.next_url, pages_done = sync_progress.pages_done + 1,
       bundle_last_updated = coalesce(sync_progress.bundle_last_updated, excluded.bundle_last_updated),
       updated_at = now()`,
  );
  if (seenIds && seenIds.length > 0) {
    w.write(
      `INSERT INTO sync_seen (enrollment_id, resource_type, resource_id)
       SELECT ${e}, ${t}, unnest(${w.param(seenIds)}::text[]) ON CONFLICT DO NOTHING`,
    );
  }
}

/**
 * Ends a resource type's walk in one statement: on a full walk, delete for the patient the
 * claims (with their children) or coverages BB2 did not return (it has no feed of deletions, so
 * absence from a full pull is how a removed claim shows); move the cursor to the walk's bundle
 * time; forget the walk's progress and seen ids. Returns how many resources were removed.
 */
export async function closeWalk(db: Db, c: CloseWalk): Promise<number> {
  const { rows } = await db.query<{ removed: number }>(closeWalkSql(c));
  return rows[0]?.removed ?? 0;
}

export interface CloseWalk {
  enrollmentId: string;
  patientId: string;
  resourceType: string;
  full: boolean;
  cursor: string | null;
}

/**
 * `closeWalk` as one statement's text (parameters written in), to run in the same transaction as
 * the walk's last page; its one row holds `removed`.
 */
export function closeWalkSql(c: CloseWalk): string {
  const w = new Statement();
  const e = w.param(c.enrollmentId);
  const t = w.param(c.resourceType);
  let select = '0';
  if (c.full && (c.resourceType === 'ExplanationOfBenefit' || c.resourceType === 'Coverage')) {
    const [table, key] =
      c.resourceType === 'Coverage' ? ['coverages', 'coverage_id'] : ['claims', 'claim_id'];
    // Every CTE reads the statement's snapshot: `unseen` sees the seen ids deleted further down.
    w.write(
      `SELECT x.${key} AS id FROM ${table} x WHERE x.patient_id = ${w.param(c.patientId)}
          AND NOT EXISTS (SELECT 1 FROM sync_seen s
                           WHERE s.enrollment_id = ${e} AND s.resource_type = ${t} AND s.resource_id = x.${key})`,
    );
    const unseen = `w${w.count - 1}`;
    const victims = c.resourceType === 'Coverage' ? ['coverages'] : [...CLAIM_CHILD_TABLES, 'claims'];
    for (const victim of victims) {
      w.write(`DELETE FROM ${victim} WHERE ${key} IN (SELECT id FROM ${unseen})`);
    }
    w.write(
      `DELETE FROM fhir_resources WHERE resource_type = ${t} AND resource_id IN (SELECT id FROM ${unseen})`,
    );
    select = `(SELECT count(*)::int FROM ${unseen})`;
  }
  // A cursor must be a real instant; BFD's test data says "IGNORED_FIELD" there.
  if (c.cursor && !Number.isNaN(Date.parse(c.cursor))) {
    w.write(
      `INSERT INTO sync_cursors (enrollment_id, resource_type, cursor) VALUES (${e}, ${t}, ${w.param(c.cursor)})
       ON CONFLICT (enrollment_id, resource_type) DO UPDATE SET cursor = excluded.cursor, updated_at = now()`,
    );
  }
  w.write(`DELETE FROM sync_progress WHERE enrollment_id = ${e} AND resource_type = ${t}`);
  w.write(`DELETE FROM sync_seen WHERE enrollment_id = ${e} AND resource_type = ${t}`);
  return w.inline(`${select} AS removed`);
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
