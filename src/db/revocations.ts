/**
 * Unenrolling in steps that survive a crash: the intent is recorded first (`revoking`), BB2 is
 * told, then one transaction ends it: the enrollment `revoked` with its tokens forgotten, the
 * purge when asked, and the audit entry. A `revoking` enrollment left by a crash is found by
 * `revokingEnrollments` and finished again (BB2's revoke is idempotent; so is this transaction).
 * Also the queries of retention (RETENTION_DAYS_AFTER_REVOKE).
 */
import { recordAudit } from './audit.ts';
import type { Pool } from './client.ts';
import { lockEnrollmentForDelete, purgePatient } from './purge.ts';
import { withTransaction } from './transaction.ts';

/**
 * Records the intent to unenroll (or to purge a revoked enrollment's data). Returns false when
 * there is nothing left to do (revoked, and purged or no purge asked); throws
 * when there is no such enrollment. A `revoking` one keeps its first request's purge choice
 * unless this one asks for the purge.
 */
export async function markRevoking(
  pool: Pool,
  enrollmentId: string,
  request: { purge: boolean; actor: string },
): Promise<boolean> {
  const { rows } = await pool.query<{ status: string }>(
    `UPDATE enrollments SET status = 'revoking', revoke_purge = coalesce(revoke_purge, false) OR $2,
            revoke_actor = coalesce(revoke_actor, $3), updated_at = now()
      WHERE enrollment_id = $1 AND (status <> 'revoked' OR ($2 AND data_purged_at IS NULL))
     RETURNING status`,
    [enrollmentId, request.purge, request.actor],
  );
  if (rows.length > 0) return true;
  const exists = await pool.query('SELECT 1 FROM enrollments WHERE enrollment_id = $1', [enrollmentId]);
  if (exists.rowCount === 0) throw new Error(`no enrollment ${enrollmentId}`);
  return false;
}

export interface RevocationFinished {
  purged: boolean;
  purgedRows: number;
}

/**
 * The last step of an unenroll, in one transaction holding the locks page writes take: the
 * enrollment `revoked` with its tokens forgotten, the purge when it was asked, the audit entry.
 * Returns undefined when the enrollment is not `revoking` (finished meanwhile by someone else).
 */
export async function finishRevocation(
  pool: Pool,
  enrollmentId: string,
  outcome: { revokedAtBb2: boolean; resumed: boolean },
): Promise<RevocationFinished | undefined> {
  return withTransaction(pool, async (client) => {
    const row = await lockEnrollmentForDelete(client, enrollmentId);
    if (!row || row.status !== 'revoking') return undefined;
    await client.query(
      `UPDATE enrollments SET status = 'revoked', revoked_at = now(), updated_at = now(),
              refresh_token_ciphertext = NULL, access_token_ciphertext = NULL, access_token_expires_at = NULL,
              token_version = token_version + 1, revoke_purge = NULL, revoke_actor = NULL
        WHERE enrollment_id = $1`,
      [enrollmentId],
    );
    const purged = row.revoke_purge === true;
    const purgedRows = purged ? await purgePatient(client, row.patient_id, enrollmentId) : 0;
    await recordAudit(client, {
      actor: row.revoke_actor ?? 'unknown',
      action: 'revoke',
      target: enrollmentId,
      details: { revokedAtBb2: outcome.revokedAtBb2, purged, purgedRows, resumed: outcome.resumed },
    });
    return { purged, purgedRows };
  });
}

/** Unenrolls left `revoking` (by a crash, or a BB2 outage) for longer than `olderThanMs`. */
export async function revokingEnrollments(pool: Pool, olderThanMs: number): Promise<string[]> {
  const { rows } = await pool.query<{ enrollment_id: string }>(
    `SELECT enrollment_id FROM enrollments
      WHERE status = 'revoking' AND status_changed_at < now() - make_interval(secs => $1::double precision / 1000)
      ORDER BY status_changed_at LIMIT 500`,
    [olderThanMs],
  );
  return rows.map((r) => r.enrollment_id);
}

// ---- retention ------------------------------------------------------------------------------

const RETAINED_TOO_LONG = `status IN ('reauth_required', 'revoked') AND data_purged_at IS NULL
  AND status_changed_at < now() - make_interval(days => $1::int)`;

/** Enrollments whose data retention must delete now (at most `limit`). */
export async function retentionDue(pool: Pool, days: number, limit = 500): Promise<string[]> {
  const { rows } = await pool.query<{ enrollment_id: string }>(
    `SELECT enrollment_id FROM enrollments WHERE ${RETAINED_TOO_LONG} ORDER BY status_changed_at LIMIT $2`,
    [days, limit],
  );
  return rows.map((r) => r.enrollment_id);
}

/**
 * Deletes one enrollment's data for retention, re-checking under the locks that it is still due
 * (a re-consent may have made it active meanwhile). Returns whether it was purged.
 */
export async function purgeForRetention(pool: Pool, enrollmentId: string, days: number): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    const row = await lockEnrollmentForDelete(client, enrollmentId);
    if (!row) return false;
    const due = await client.query(
      `SELECT 1 FROM enrollments WHERE enrollment_id = $2 AND ${RETAINED_TOO_LONG}`,
      [days, enrollmentId],
    );
    if (due.rowCount === 0) return false;
    const purgedRows = await purgePatient(client, row.patient_id, enrollmentId);
    await recordAudit(client, {
      actor: 'retention',
      action: 'purge',
      target: enrollmentId,
      details: { reason: `${row.status} for more than ${days} days`, purgedRows },
    });
    return true;
  });
}

export interface RetentionOverview {
  /** RETENTION_DAYS_AFTER_REVOKE; 0 when retention is off. */
  days: number;
  /** Enrollments whose data is due for deletion now (0 when off). */
  dueNow: number;
  /** Enrollments whose data was deleted (by an unenroll's purge or by retention). */
  purged: number;
  /** Enrollments `reauth_required` or `revoked` whose data is still held. */
  heldInactive: number;
}

/** The figures of retention, for the dashboard (one small query). */
export async function retentionOverview(pool: Pool, days: number): Promise<RetentionOverview> {
  const { rows } = await pool.query<{ due_now: number; purged: number; held_inactive: number }>(
    `SELECT count(*) FILTER (WHERE $1::int > 0 AND ${RETAINED_TOO_LONG})::int AS due_now,
            count(*) FILTER (WHERE data_purged_at IS NOT NULL)::int AS purged,
            count(*) FILTER (WHERE status IN ('reauth_required', 'revoked') AND data_purged_at IS NULL)::int AS held_inactive
       FROM enrollments`,
    [days],
  );
  const r = rows[0]!;
  return { days, dueNow: r.due_now, purged: r.purged, heldInactive: r.held_inactive };
}
