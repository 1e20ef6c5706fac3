/**
 * Deleting what is held about a beneficiary: an unenroll's purge (`bbsync unenroll --purge`,
 * PURGE_ON_REVOKE) and retention (RETENTION_DAYS_AFTER_REVOKE).
 *
 * A purge serializes with page writes: it takes the same two locks a page write takes, in the
 * same order (the patient's advisory lock, then the enrollment's row), and page writes refuse an
 * enrollment that is no longer active once they hold them (ingest.ts). So a sync in flight either
 * wrote its page before the purge, which then deletes it, or finds the enrollment inactive after.
 */
import type { PoolClient } from './client.ts';
import { CLAIM_CHILD_TABLES } from '../model/analytics-rows.ts';
import { memberOutcomeWrite } from './runs.ts';
import { Statement } from './statement.ts';

/** The patient id an enrollment holds once its beneficiary's data was deleted. */
export const purgedPatientId = (enrollmentId: string) => `purged:${enrollmentId}`;

export interface LockedEnrollment {
  enrollment_id: string;
  patient_id: string;
  status: string;
  revoke_purge: boolean | null;
  revoke_actor: string | null;
  data_purged_at: string | null;
}

/**
 * Takes, inside the caller's transaction, the locks a page write of this enrollment's patient
 * takes (patient advisory lock, then the enrollment row, here FOR NO KEY UPDATE: it excludes a
 * page write's FOR SHARE but not the key-share lock of a foreign-key check, so a run starting
 * meanwhile is not held up) and returns the row as it is once they are held; undefined when there
 * is no such enrollment.
 */
export async function lockEnrollmentForDelete(
  client: PoolClient,
  enrollmentId: string,
): Promise<LockedEnrollment | undefined> {
  const { rows } = await client.query<{ patient_id: string }>(
    'SELECT patient_id FROM enrollments WHERE enrollment_id = $1',
    [enrollmentId],
  );
  if (!rows[0]) return undefined;
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('bbsync:patient:' || $1, 0))`, [
    rows[0].patient_id,
  ]);
  const locked = await client.query<LockedEnrollment>(
    `SELECT enrollment_id, patient_id, status, revoke_purge, revoke_actor, data_purged_at
       FROM enrollments WHERE enrollment_id = $1 FOR NO KEY UPDATE`,
    [enrollmentId],
  );
  return locked.rows[0];
}

/**
 * Deletes or anonymizes, inside the caller's transaction (which holds lockEnrollmentForDelete's
 * locks), every row that names the beneficiary:
 * - deleted: claims and their child rows, coverages, the patient, raw and quarantined resources,
 *   the insurance card, sync_state, cursors, walk progress and seen ids, and the enrollment's run memberships (a run
 *   still waiting for it counts it as skipped first, so the run still finishes);
 * - anonymized: sync_attempts keep their counts but lose their error text; the enrollment keeps
 *   its id and status (for the audit trail) but its patient id becomes `purged:<enrollment id>`,
 *   its tokens and last error are cleared and `data_purged_at` is set.
 * Returns how many rows of data were deleted.
 */
export async function purgePatient(
  client: PoolClient,
  patientId: string,
  enrollmentId: string,
): Promise<number> {
  let n = 0;
  for (const table of CLAIM_CHILD_TABLES) {
    n +=
      (
        await client.query(
          `DELETE FROM ${table} WHERE claim_id IN (SELECT claim_id FROM claims WHERE patient_id = $1)`,
          [patientId],
        )
      ).rowCount ?? 0;
  }
  for (const sql of [
    'DELETE FROM claims WHERE patient_id = $1',
    'DELETE FROM coverages WHERE patient_id = $1',
    'DELETE FROM patients WHERE patient_id = $1',
    'DELETE FROM fhir_resources WHERE patient_id = $1',
    'DELETE FROM quarantined_resources WHERE patient_id = $1',
    'DELETE FROM insurance_cards WHERE patient_id = $1',
  ]) {
    n += (await client.query(sql, [patientId])).rowCount ?? 0;
  }
  for (const table of ['sync_seen', 'sync_progress', 'sync_cursors', 'sync_state']) {
    await client.query(`DELETE FROM ${table} WHERE enrollment_id = $1`, [enrollmentId]);
  }
  await client.query(
    'UPDATE sync_attempts SET error_message = NULL WHERE enrollment_id = $1 AND error_message IS NOT NULL',
    [enrollmentId],
  );
  await closeOpenMemberships(client, enrollmentId);
  await client.query('DELETE FROM sync_run_members WHERE enrollment_id = $1', [enrollmentId]);
  await client.query(
    `UPDATE enrollments SET patient_id = $2, data_purged_at = now(), updated_at = now(),
            refresh_token_ciphertext = NULL, access_token_ciphertext = NULL, access_token_expires_at = NULL,
            last_error_message = NULL
      WHERE enrollment_id = $1`,
    [enrollmentId, purgedPatientId(enrollmentId)],
  );
  return n;
}

/** Runs still waiting for this enrollment count it as skipped, so they finish without it. */
async function closeOpenMemberships(client: PoolClient, enrollmentId: string): Promise<void> {
  const { rows } = await client.query<{ run_id: string }>(
    'SELECT run_id FROM sync_run_members WHERE enrollment_id = $1 AND outcome IS NULL',
    [enrollmentId],
  );
  for (const { run_id } of rows) {
    const w = new Statement();
    memberOutcomeWrite(w, run_id, enrollmentId, 'skipped', {
      requests: 0,
      resourcesChanged: 0,
      rowsWritten: 0,
      resourcesRemoved: 0,
    });
    await client.query(w.text(), w.values);
  }
}
