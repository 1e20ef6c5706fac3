/**
 * Read models of the operations dashboard and /metrics: runs, enrollments and their sync state,
 * attempts, quarantined resources, request counts. Read-only; never selects token ciphertexts or
 * raw resources. User input reaches SQL only as parameters or through the allowlists below.
 */
import { ERROR_CATEGORIES, type ErrorCategory } from '../errors.ts';
import type { Db } from './client.ts';
import type { SyncRun } from './runs.ts';

/**
 * `expired`: the data access grant ended; `completed`: a ONE_TIME grant synced once. Like
 * `reauth_required`, both wait for the beneficiary to connect again.
 */
/** Every enrollment status; `revoking`: an unenroll under way (BB2 told, or the janitor finishes it). */
export const ENROLLMENT_STATUSES = [
  'active',
  'reauth_required',
  'expired',
  'completed',
  'revoking',
  'revoked',
] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

export interface RunRow extends SyncRun {
  /** finished_at - started_at; null while running. */
  duration_ms: number | null;
}

const RUN_COLUMNS = `r.*, (extract(epoch from r.finished_at - r.started_at) * 1000)::bigint AS duration_ms`;

export async function listRuns(
  db: Db,
  options: { limit: number; offset?: number },
): Promise<{ rows: RunRow[]; total: number }> {
  const { rows } = await db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM sync_runs r ORDER BY r.started_at DESC, r.run_id DESC LIMIT $1 OFFSET $2`,
    [options.limit, options.offset ?? 0],
  );
  const { rows: count } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM sync_runs');
  return { rows, total: count[0]?.n ?? 0 };
}

export async function getRunRow(db: Db, runId: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM sync_runs r WHERE r.run_id = $1`, [
    runId,
  ]);
  return rows[0];
}

/**
 * A run's members that have no outcome yet, from the run's counters (each outcome moves them in
 * the statement that records it): counting members without an outcome would read every member.
 */
export async function pendingMembers(db: Db, runId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT greatest(enrollments_total - enrollments_ok - enrollments_failed - enrollments_skipped, 0)::int AS n
       FROM sync_runs WHERE run_id = $1`,
    [runId],
  );
  return rows[0]?.n ?? 0;
}

/** The ids of a run's failed members. */
export async function failedMemberIds(db: Db, runId: string): Promise<string[]> {
  const { rows } = await db.query<{ enrollment_id: string }>(
    `SELECT enrollment_id FROM sync_run_members WHERE run_id = $1 AND outcome = 'failed' ORDER BY enrollment_id`,
    [runId],
  );
  return rows.map((r) => r.enrollment_id);
}

/** Enrollments per status; every status is present (0 when none). */
export async function enrollmentsByStatus(
  db: Db,
): Promise<Record<EnrollmentStatus, number> & Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM enrollments GROUP BY status',
  );
  const out: Record<string, number> = Object.fromEntries(ENROLLMENT_STATUSES.map((s) => [s, 0]));
  for (const r of rows) out[r.status] = r.n;
  return out as Record<EnrollmentStatus, number> & Record<string, number>;
}

/** The audit action of a beneficiary Blue Button has no data for (`error=not_found` on the callback). */
export const ENROLL_NOT_FOUND = 'enroll_not_found';

/** How many beneficiaries came back with `error=not_found` (counted within the /enroll bound). */
export async function enrollNotFoundCount(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM audit_log WHERE action = $1',
    [ENROLL_NOT_FOUND],
  );
  return rows[0]?.n ?? 0;
}

/** Active enrollments BB2 refuses ExplanationOfBenefit to (their EOB is not asked for). */
export async function eobForbiddenCount(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM enrollments WHERE status = 'active' AND eob_forbidden_at IS NOT NULL`,
  );
  return rows[0]?.n ?? 0;
}

/** Active enrollments whose data access grant ends within `days` (and has not ended yet). */
export async function grantsExpiringWithin(db: Db, days: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM enrollments
      WHERE status = 'active' AND access_grant_expiration > now()
        AND access_grant_expiration <= now() + make_interval(days => $1)`,
    [days],
  );
  return rows[0]?.n ?? 0;
}

export interface RequestCountRow {
  endpoint: string;
  status: number;
  count: number;
}

/** Requests to BB2 per endpoint and status over the last `hours` (whole minutes). */
export async function requestCountsSince(db: Db, hours: number): Promise<RequestCountRow[]> {
  const { rows } = await db.query<RequestCountRow>(
    `SELECT endpoint, status, sum(count)::int AS count FROM bb2_request_counts
      WHERE minute >= now() - make_interval(hours => $1)
      GROUP BY endpoint, status ORDER BY endpoint, status`,
    [hours],
  );
  return rows;
}

export interface RequestSummary {
  total: number;
  ok: number;
  rateLimited: number;
  /** 4xx other than 429 (401s from expired access tokens are normal: they trigger a refresh). */
  clientErrors: number;
  /** 5xx, and requests that got no answer (network errors, timeouts). */
  serverErrors: number;
}

export function summarizeRequests(rows: readonly RequestCountRow[]): RequestSummary {
  const s: RequestSummary = { total: 0, ok: 0, rateLimited: 0, clientErrors: 0, serverErrors: 0 };
  for (const r of rows) {
    s.total += r.count;
    if (r.status === 429) s.rateLimited += r.count;
    else if (r.status === 0 || r.status >= 500) s.serverErrors += r.count;
    else if (r.status >= 400) s.clientErrors += r.count;
    else s.ok += r.count;
  }
  return s;
}

export interface AuditRow {
  audit_id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown> | null;
}

/** The newest audit entries, leaving out the given actions (e.g. logins). */
export async function recentAudit(
  db: Db,
  limit: number,
  exclude: readonly string[] = [],
): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow>(
    'SELECT * FROM audit_log WHERE NOT (action = ANY($2::text[])) ORDER BY at DESC, audit_id DESC LIMIT $1',
    [limit, exclude],
  );
  return rows;
}

// ---- enrollments ---------------------------------------------------------------------------

/**
 * Sort keys of the enrollments table: the only ORDER BY expressions ever used. `invert` turns the
 * requested direction around (a large lag is an old last success).
 */
export const ENROLLMENT_SORTS = {
  enrollment: { expr: 'e.enrollment_id', invert: false },
  patient: { expr: 'e.patient_id', invert: false },
  status: { expr: 'e.status', invert: false },
  last_success: { expr: 's.last_success_at', invert: false },
  lag: { expr: 's.last_success_at', invert: true },
  failures: { expr: 'coalesce(s.consecutive_failures, 0)', invert: false },
  error: { expr: 'e.last_error_category', invert: false },
  expiry: { expr: 'e.access_grant_expiration', invert: false },
  held: { expr: 'held_total', invert: false },
} as const;
export type EnrollmentSort = keyof typeof ENROLLMENT_SORTS;

export function isEnrollmentSort(value: unknown): value is EnrollmentSort {
  return typeof value === 'string' && Object.hasOwn(ENROLLMENT_SORTS, value);
}

export function isErrorCategory(value: unknown): value is ErrorCategory {
  return typeof value === 'string' && (ERROR_CATEGORIES as readonly string[]).includes(value);
}

export function isEnrollmentStatus(value: unknown): value is EnrollmentStatus {
  return typeof value === 'string' && (ENROLLMENT_STATUSES as readonly string[]).includes(value);
}

export interface EnrollmentFilter {
  status?: EnrollmentStatus;
  /** An error category, or 'any' for every enrollment with a last error. */
  category?: ErrorCategory | 'any';
  /** Only active enrollments whose grant ends within this many days. */
  expiringWithinDays?: number;
  /** An exact enrollment id or patient id. */
  id?: string;
  /** Only enrollments BB2 refuses ExplanationOfBenefit to (eob_forbidden_at set). */
  eobForbidden?: boolean;
}

export interface EnrollmentRow {
  enrollment_id: string;
  patient_id: string;
  status: string;
  enrolled_at: string;
  access_grant_expiration: string | null;
  last_error_category: string | null;
  last_error_message: string | null;
  last_error_at: string | null;
  last_success_at: string | null;
  last_attempt_at: string | null;
  consecutive_failures: number;
  resources_held: Record<string, number> | null;
  held_total: number;
  /** BB2 refuses ExplanationOfBenefit to this enrollment's token (a condition, whatever the status). */
  eob_forbidden: boolean;
}

const ENROLLMENT_COLUMNS = `e.enrollment_id, e.patient_id, e.status, e.enrolled_at, e.access_grant_expiration,
  e.last_error_category, e.last_error_message, e.last_error_at,
  s.last_success_at, s.last_attempt_at, coalesce(s.consecutive_failures, 0) AS consecutive_failures,
  s.resources_held, e.eob_forbidden_at IS NOT NULL AS eob_forbidden,
  coalesce((SELECT sum(v::bigint) FROM jsonb_each_text(s.resources_held) AS h(k, v)), 0)::int AS held_total`;

function enrollmentWhere(filter: EnrollmentFilter, params: unknown[]): string {
  const where: string[] = [];
  if (filter.status) {
    params.push(filter.status);
    where.push(`e.status = $${params.length}`);
  }
  if (filter.category === 'any') where.push('e.last_error_category IS NOT NULL');
  else if (filter.category) {
    params.push(filter.category);
    where.push(`e.last_error_category = $${params.length}`);
  }
  if (filter.expiringWithinDays !== undefined) {
    params.push(filter.expiringWithinDays);
    where.push(
      `e.status = 'active' AND e.access_grant_expiration > now() AND e.access_grant_expiration <= now() + make_interval(days => $${params.length})`,
    );
  }
  if (filter.eobForbidden) where.push('e.eob_forbidden_at IS NOT NULL');
  if (filter.id) {
    params.push(filter.id);
    where.push(`(e.enrollment_id = $${params.length} OR e.patient_id = $${params.length})`);
  }
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}

export async function listEnrollments(
  db: Db,
  options: EnrollmentFilter & { sort: EnrollmentSort; dir: 'asc' | 'desc'; limit: number; offset: number },
): Promise<{ rows: EnrollmentRow[]; total: number }> {
  const params: unknown[] = [];
  const where = enrollmentWhere(options, params);
  const sort = ENROLLMENT_SORTS[options.sort];
  const ascending = (options.dir === 'asc') !== sort.invert;
  const order = `${sort.expr} ${ascending ? 'ASC NULLS FIRST' : 'DESC NULLS LAST'}`;
  const { rows } = await db.query<EnrollmentRow>(
    `SELECT ${ENROLLMENT_COLUMNS} FROM enrollments e LEFT JOIN sync_state s USING (enrollment_id)
      ${where} ORDER BY ${order}, e.enrollment_id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, options.limit, options.offset],
  );
  const { rows: count } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM enrollments e ${where}`,
    params,
  );
  return { rows, total: count[0]?.n ?? 0 };
}

export interface EnrollmentDetail extends EnrollmentRow {
  scope: string;
  /** The BB2 API version of its tokens ('v2' | 'v3'). */
  api_version: string;
  revoked_at: string | null;
  last_refresh_at: string | null;
  syncs_completed: number;
  last_full_sync_at: string | null;
  last_rows_written: number | null;
}

export async function getEnrollmentDetail(
  db: Db,
  enrollmentId: string,
): Promise<EnrollmentDetail | undefined> {
  const { rows } = await db.query<EnrollmentDetail>(
    `SELECT ${ENROLLMENT_COLUMNS}, e.scope, e.api_version, e.revoked_at, e.last_refresh_at,
            coalesce(s.syncs_completed, 0) AS syncs_completed, s.last_full_sync_at, s.last_rows_written
       FROM enrollments e LEFT JOIN sync_state s USING (enrollment_id) WHERE e.enrollment_id = $1`,
    [enrollmentId],
  );
  return rows[0];
}

export interface AttemptRow {
  attempt_id: number;
  run_id: string | null;
  status: string;
  full_sync: number;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  requests: number;
  retries: number;
  resources_changed: number;
  rows_written: number;
  resources_removed: number;
  resources_quarantined: number;
  error_category: string | null;
  error_message: string | null;
}

export async function recentAttempts(db: Db, enrollmentId: string, limit: number): Promise<AttemptRow[]> {
  const { rows } = await db.query<AttemptRow>(
    `SELECT attempt_id, run_id, status, full_sync, started_at, finished_at, duration_ms, requests, retries,
            resources_changed, rows_written, resources_removed, resources_quarantined, error_category, error_message
       FROM sync_attempts WHERE enrollment_id = $1 ORDER BY started_at DESC, attempt_id DESC LIMIT $2`,
    [enrollmentId, limit],
  );
  return rows;
}

export interface QuarantineRow {
  resource_type: string;
  resource_id: string;
  reason: string;
  first_seen_at: string;
  last_seen_at: string;
  occurrences: number;
}

/** A patient's quarantined resources: what and why, never the resource itself. */
export async function quarantinedFor(db: Db, patientId: string, limit: number): Promise<QuarantineRow[]> {
  const { rows } = await db.query<QuarantineRow>(
    `SELECT resource_type, resource_id, reason, first_seen_at, last_seen_at, occurrences
       FROM quarantined_resources WHERE patient_id = $1 ORDER BY last_seen_at DESC, quarantine_id DESC LIMIT $2`,
    [patientId, limit],
  );
  return rows;
}

export interface CursorRow {
  resource_type: string;
  cursor: string | null;
  cursor_updated_at: string | null;
  walk_pages_done: number | null;
  walk_full: number | null;
  walk_updated_at: string | null;
}

/** Per resource type: the incremental cursor and, when a walk is in flight, how far it got. */
export async function cursorsFor(db: Db, enrollmentId: string): Promise<CursorRow[]> {
  const { rows } = await db.query<CursorRow>(
    `SELECT coalesce(c.resource_type, p.resource_type) AS resource_type, c.cursor, c.updated_at AS cursor_updated_at,
            p.pages_done AS walk_pages_done, p.full_sync AS walk_full, p.updated_at AS walk_updated_at
       FROM (SELECT * FROM sync_cursors WHERE enrollment_id = $1) c
       FULL JOIN (SELECT * FROM sync_progress WHERE enrollment_id = $1) p USING (resource_type)
      ORDER BY 1`,
    [enrollmentId],
  );
  return rows;
}

export interface MembershipRow {
  run_id: string;
  trigger: string;
  started_at: string;
  outcome: string | null;
  finished_at: string | null;
}

export async function runsOfEnrollment(
  db: Db,
  enrollmentId: string,
  limit: number,
): Promise<MembershipRow[]> {
  const { rows } = await db.query<MembershipRow>(
    `SELECT m.run_id, r.trigger, r.started_at, m.outcome, m.finished_at
       FROM sync_run_members m JOIN sync_runs r USING (run_id)
      WHERE m.enrollment_id = $1 ORDER BY r.started_at DESC LIMIT $2`,
    [enrollmentId, limit],
  );
  return rows;
}
