/**
 * Moving a beneficiary from v2 to v3 (docs/v3.md). v3 gives the same person and the same claims
 * new ids, so a beneficiary who reconnects through v3 would otherwise appear twice. After each
 * successful sync of a v3 enrollment, the v2 copy of its beneficiary is folded into it:
 * - the v2 patient is the one whose `patients.mbi` equals the v3 Patient's (BCDA's documented
 *   link: match patients on MBI, never on FHIR ids, whose ranges overlap);
 * - a v2 claim with the same `claim_link_key` (claim control number; rx number for PDE) as a v3
 *   claim of the beneficiary is the same claim: the v2 copy is deleted with its child rows and
 *   raw resource;
 * - v2 claims v3 does not return are moved to the v3 patient (a later full v3 reconcile removes
 *   them, as it removes any claim BB2 no longer returns);
 * - the v2 Patient and Coverage rows give way to v3's, and the v2 enrollment is revoked: BB2
 *   invalidated its tokens when the beneficiary authorized again.
 * All of it commits in one transaction, or nothing does. Nothing happens without a v3 Patient
 * row with an MBI (it needs the demographic scopes, which v3 always grants).
 */
import { CLAIM_CHILD_TABLES } from '../model/analytics-rows.ts';
import { recordAudit } from './audit.ts';
import type { Pool } from './client.ts';
import { withTransaction } from './transaction.ts';

export interface FoldResult {
  v2PatientIds: string[];
  duplicatesRemoved: number;
  claimsMoved: number;
}

export async function foldV2CopyIntoV3(
  pool: Pool,
  v3: { enrollmentId: string; patientId: string },
): Promise<FoldResult> {
  return withTransaction(pool, async (client) => {
    const { rows: old } = await client.query<{ patient_id: string }>(
      `SELECT o.patient_id FROM patients n JOIN patients o ON o.mbi = n.mbi AND o.patient_id <> n.patient_id
        WHERE n.patient_id = $1 AND n.mbi IS NOT NULL`,
      [v3.patientId],
    );
    const oldIds = old.map((r) => r.patient_id);
    if (oldIds.length === 0) return { v2PatientIds: [], duplicatesRemoved: 0, claimsMoved: 0 };
    await client.query(
      `SELECT pg_advisory_xact_lock(hashtextextended('bbsync:patient:' || p, 0))
         FROM unnest($1::text[]) AS p ORDER BY p`,
      [[v3.patientId, ...oldIds].sort()],
    );
    const { rows: dup } = await client.query<{ claim_id: string }>(
      `SELECT o.claim_id FROM claims o
        WHERE o.patient_id = ANY($1) AND o.claim_link_key IS NOT NULL
          AND EXISTS (SELECT 1 FROM claims n WHERE n.patient_id = $2 AND n.claim_link_key = o.claim_link_key)`,
      [oldIds, v3.patientId],
    );
    const dupIds = dup.map((r) => r.claim_id);
    for (const table of [...CLAIM_CHILD_TABLES, 'claims']) {
      await client.query(`DELETE FROM ${table} WHERE claim_id = ANY($1)`, [dupIds]);
    }
    await client.query(
      `DELETE FROM fhir_resources WHERE resource_type = 'ExplanationOfBenefit' AND resource_id = ANY($1)`,
      [dupIds],
    );
    const moved = await client.query(`UPDATE claims SET patient_id = $2 WHERE patient_id = ANY($1)`, [
      oldIds,
      v3.patientId,
    ]);
    await client.query(
      `UPDATE fhir_resources SET patient_id = $2 WHERE patient_id = ANY($1) AND resource_type = 'ExplanationOfBenefit'`,
      [oldIds, v3.patientId],
    );
    await client.query(`DELETE FROM coverages WHERE patient_id = ANY($1)`, [oldIds]);
    await client.query(
      `DELETE FROM fhir_resources WHERE patient_id = ANY($1) AND resource_type IN ('Patient', 'Coverage')`,
      [oldIds],
    );
    await client.query(`DELETE FROM patients WHERE patient_id = ANY($1)`, [oldIds]);
    await client.query(
      `UPDATE enrollments SET status = 'revoked', revoked_at = now(), updated_at = now(),
              refresh_token_ciphertext = NULL, access_token_ciphertext = NULL, access_token_expires_at = NULL,
              token_version = token_version + 1,
              last_error_message = 'replaced by the v3 enrollment ' || $2
        WHERE patient_id = ANY($1) AND api_version = 'v2' AND status <> 'revoked'`,
      [oldIds, v3.enrollmentId],
    );
    const result = {
      v2PatientIds: oldIds,
      duplicatesRemoved: dupIds.length,
      claimsMoved: moved.rowCount ?? 0,
    };
    await recordAudit(client, {
      actor: 'sync',
      action: 'fold-v2-into-v3',
      target: v3.enrollmentId,
      details: {
        v2Patients: oldIds.length,
        duplicatesRemoved: result.duplicatesRemoved,
        claimsMoved: result.claimsMoved,
      },
    });
    return result;
  });
}
