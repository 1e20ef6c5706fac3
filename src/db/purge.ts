/**
 * Deleting what is held about a patient (a purge on unenroll or PURGE_ON_REVOKE).
 */
import type { PoolClient } from './client.ts';
import { CLAIM_CHILD_TABLES } from '../model/analytics-rows.ts';

/**
 * Deletes everything held about a patient (claims and their child rows, coverages, the patient,
 * raw and quarantined resources, the insurance card, sync progress), inside the caller's transaction.
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
  for (const table of ['sync_seen', 'sync_progress', 'sync_cursors']) {
    await client.query(`DELETE FROM ${table} WHERE enrollment_id = $1`, [enrollmentId]);
  }
  return n;
}
