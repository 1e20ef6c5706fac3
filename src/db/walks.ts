/**
 * A sync's walks: the enrollment's sync lock and starting state, and the progress of each
 * resource type's walk through BB2's pages (cursor, next link, ids seen on a full walk).
 */
import type { TokenRow } from '../model/token-row.ts';
import type { Db, PoolClient } from './client.ts';
import { ASYNC_COMMIT, prepared, Statement } from './statement.ts';

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
  enrollment:
    | {
        status: string;
        patient_id: string;
        scope: string;
        api_version: 'v2' | 'v3';
        samhsa_shared: boolean | null;
        /** access_grant_expiration has passed: BB2 would only answer "User access has timed out". */
        grant_ended: boolean;
        /** BB2 refused ExplanationOfBenefit to this token: EOB is not asked for. */
        eob_forbidden: boolean;
      }
    | undefined;
  syncsCompleted: number;
  /** Walks in progress, by resource type. */
  progress: Record<string, WalkProgress>;
  /** Incremental cursors, by resource type. */
  cursors: Record<string, string>;
  /** A full walk held back its deletes (see reconcile.ts): this sync must be full to confirm. */
  reconcileSuspect: boolean;
  /**
   * The enrollment's token columns (encrypted), read with the lock: the token vault takes its
   * first access token from them instead of reading them again (one statement less per sync).
   */
  tokens: TokenRow | undefined;
}

/** The attempt beginSync starts when the sync may go ahead (see beginSync). */
export interface AttemptStart {
  runId: string | null;
  jobId: string;
  /** A full reconcile was asked for (the run's turn, or an operator's `--full`). */
  full: boolean;
}

interface BeginSyncRow {
  locked: boolean;
  enrollment: SyncStart['enrollment'] | null;
  syncs_completed: number | null;
  reconcile_suspect: boolean | null;
  progress: Record<string, WalkProgress> | null;
  cursors: Record<string, string> | null;
  attempt_id: number | null;
  attempt_full: number | null;
  refresh_token_ciphertext: string | null;
  access_token_ciphertext: string | null;
  access_token_expires_at: string | null;
}

// $1 enrollment, $2 whether to start an attempt, $3 run, $4 job, $5 full asked.
const BEGIN_SYNC = `WITH lock AS MATERIALIZED (
     SELECT pg_try_advisory_lock(hashtextextended('bbsync:sync:' || $1, 0)) AS locked
   ), e AS MATERIALIZED (
     SELECT status, patient_id, scope, api_version, samhsa_shared,
            coalesce(access_grant_expiration <= now(), false) AS grant_ended,
            eob_forbidden_at IS NOT NULL AS eob_forbidden,
            refresh_token_ciphertext, access_token_ciphertext, access_token_expires_at
       FROM enrollments WHERE enrollment_id = $1
   ), s AS MATERIALIZED (
     SELECT syncs_completed, reconcile_suspect IS NOT NULL AS reconcile_suspect
       FROM sync_state WHERE enrollment_id = $1
   ), go AS MATERIALIZED (
     SELECT 1 FROM lock, e WHERE $2::boolean AND lock.locked AND e.status = 'active' AND NOT e.grant_ended
   ), state AS (
     INSERT INTO sync_state (enrollment_id, last_attempt_at) SELECT $1, now() FROM go
     ON CONFLICT (enrollment_id) DO UPDATE SET last_attempt_at = now()
   ), attempt AS (
     INSERT INTO sync_attempts (enrollment_id, run_id, job_id, status, full_sync)
     SELECT $1, $3, $4, 'running',
            CASE WHEN $5::boolean OR coalesce((SELECT reconcile_suspect FROM s), false)
                      OR coalesce((SELECT syncs_completed FROM s), 0) = 0 THEN 1 ELSE 0 END
       FROM go
     RETURNING attempt_id, full_sync
   )
   SELECT (SELECT locked FROM lock) AS locked,
          (SELECT json_build_object('status', status, 'patient_id', patient_id, 'scope', scope,
                                   'api_version', api_version, 'samhsa_shared', samhsa_shared,
                                   'grant_ended', grant_ended, 'eob_forbidden', eob_forbidden)
             FROM e) AS enrollment,
          (SELECT syncs_completed FROM s) AS syncs_completed,
          (SELECT reconcile_suspect FROM s) AS reconcile_suspect,
          (SELECT json_object_agg(resource_type, json_build_object('job_id', job_id, 'full_sync', full_sync,
                    'since', since, 'next_url', next_url, 'pages_done', pages_done,
                    'bundle_last_updated', bundle_last_updated))
             FROM sync_progress WHERE enrollment_id = $1) AS progress,
          (SELECT json_object_agg(resource_type, cursor) FROM sync_cursors WHERE enrollment_id = $1) AS cursors,
          (SELECT attempt_id FROM attempt) AS attempt_id,
          (SELECT full_sync FROM attempt) AS attempt_full,
          (SELECT refresh_token_ciphertext FROM e) AS refresh_token_ciphertext,
          (SELECT access_token_ciphertext FROM e) AS access_token_ciphertext,
          (SELECT access_token_expires_at FROM e) AS access_token_expires_at,
          ${ASYNC_COMMIT}`;

/**
 * One round trip at the start of a sync: take the enrollment's sync lock (a session lock held by
 * `session` until it is released, or until the connection dies with its process) and read
 * everything the sync needs to decide what to do, its token columns included. With `attempt`, the same statement also starts
 * the sync's attempt (a `sync_attempts` row, `running`) when the sync goes ahead: locked, the enrollment
 * active and its grant not ended. The attempt is full when asked, when a held-back reconcile must
 * be confirmed, or on a first sync. One statement instead of two for every sync.
 */
export async function beginSync(
  session: PoolClient,
  enrollmentId: string,
  attempt?: AttemptStart,
): Promise<SyncStart & { attemptId?: number; full?: boolean }> {
  const { rows } = await session.query<BeginSyncRow>(
    prepared(BEGIN_SYNC, [
      enrollmentId,
      attempt !== undefined,
      attempt?.runId ?? null,
      attempt?.jobId ?? null,
      attempt?.full ?? false,
    ]),
  );
  const row = rows[0]!;
  const enrollment = row.locked ? (row.enrollment ?? undefined) : undefined;
  return {
    locked: row.locked,
    enrollment,
    syncsCompleted: row.syncs_completed ?? 0,
    progress: row.progress ?? {},
    cursors: row.cursors ?? {},
    reconcileSuspect: row.reconcile_suspect ?? false,
    tokens: enrollment && {
      enrollment_id: enrollmentId,
      patient_id: enrollment.patient_id,
      status: enrollment.status as TokenRow['status'],
      scope: enrollment.scope,
      api_version: enrollment.api_version,
      refresh_token_ciphertext: row.refresh_token_ciphertext,
      access_token_ciphertext: row.access_token_ciphertext,
      access_token_expires_at: row.access_token_expires_at,
    },
    ...(row.attempt_id !== null ? { attemptId: row.attempt_id, full: row.attempt_full === 1 } : {}),
  };
}

/** Releases the sync lock taken by beginSync. */
export async function endSync(session: PoolClient): Promise<void> {
  await session.query(prepared('SELECT pg_advisory_unlock_all()', []));
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

/** A walk's new incremental cursor (Bundle.meta.lastUpdated of its first page). */
export interface WalkCursor {
  enrollmentId: string;
  resourceType: string;
  cursor: string | null;
}

/**
 * Walks' cursors as one upsert added to a statement: a sync's walks that close in one transaction
 * move their cursors in one statement, so sync_cursors' statement triggers (the cursor floor) run
 * once for them, not once per walk. A cursor that is not a real instant is left as it was (BFD's
 * test data says "IGNORED_FIELD" there).
 */
export function cursorWrites(w: Statement, cursors: readonly WalkCursor[]): void {
  let values = '';
  for (const c of cursors) {
    if (!c.cursor || Number.isNaN(Date.parse(c.cursor))) continue;
    values += `${values ? ', ' : ''}(${w.param(c.enrollmentId)}, ${w.param(c.resourceType)}, ${w.param(c.cursor)})`;
  }
  if (!values) return;
  w.write(
    `INSERT INTO sync_cursors (enrollment_id, resource_type, cursor) VALUES ${values}
     ON CONFLICT (enrollment_id, resource_type) DO UPDATE SET cursor = excluded.cursor, updated_at = now()`,
  );
}
