/**
 * Moving a beneficiary from v2 to v3 (docs/v3.md, "Moving a deployment from v2 to v3"). v3 gives
 * the same person and the same claims new ids, so a beneficiary who connects again through v3
 * would otherwise be held twice. After each successful sync of a v3 enrollment, the v2 copy of its
 * beneficiary is folded into it, in one transaction:
 * - the v2 copy is the patient of a v2 enrollment whose MBI equals the v3 Patient's: its Patient
 *   row's `mbi`, or, when the v2 enrollment withheld demographics, its Coverage `subscriber_id`
 *   (v2 puts the MBI there). BCDA's documented link: MBI, never FHIR ids, whose ranges overlap;
 * - a v2 claim whose `claim_link_key` (claim control number; `rx:` + rx number for PDE) a v3 claim
 *   of the beneficiary also has is the same claim: the v2 copy goes, with its child rows and raw
 *   resource;
 * - the v2 claims v3 does not return (e.g. SAMHSA claims the beneficiary no longer shares) move to
 *   the v3 patient, so nothing is counted twice or lost; the next full v3 reconcile removes the
 *   ones BB2 no longer returns, as it removes any claim;
 * - the v2 Patient and Coverage rows (and raw copies, and quarantined v2 resources) give way to
 *   v3's, and the v2 enrollment is revoked: BB2 invalidated its tokens when the beneficiary
 *   authorized again. Its row stays, so the old patient id still leads to the beneficiary.
 *
 * It is deterministic whatever runs beside it: it runs only while no sync of the v2 enrollment
 * holds that enrollment's sync lock (otherwise it waits for the next v3 sync: `busy`), it takes the
 * per-patient locks every writer takes, in sorted order, and a v2 sync started after it finds its
 * enrollment revoked. Nothing happens without a v3 Patient row with an MBI (v3 always grants the
 * demographic scopes).
 */
import { CLAIM_CHILD_TABLES } from '../model/analytics-rows.ts';
import { EnrollmentNotActiveError } from '../errors.ts';
import { recordAudit } from './audit.ts';
import type { Pool, PoolClient } from './client.ts';
import { withTransaction } from './transaction.ts';

export interface FoldResult {
  /** v2 enrollments folded into this one (their ids; never patient data). */
  v2Enrollments: string[];
  /** v2 claims deleted because their v3 twin is held. */
  duplicatesRemoved: number;
  /** v2 claims without a v3 twin, moved to the v3 patient. */
  claimsMoved: number;
  /** A sync of the v2 enrollment was running: nothing was done, the next v3 sync folds. */
  busy: boolean;
}

const NOTHING: FoldResult = { v2Enrollments: [], duplicatesRemoved: 0, claimsMoved: 0, busy: false };

export async function foldV2CopyIntoV3(
  pool: Pool,
  v3: { enrollmentId: string; patientId: string },
): Promise<FoldResult> {
  return withTransaction(pool, async (client) => {
    const old = await findV2Copies(client, v3.patientId);
    if (old.length === 0) return NOTHING;
    const { rows: locks } = await client.query<{ locked: boolean }>(
      `SELECT pg_try_advisory_xact_lock(hashtextextended('bbsync:sync:' || e, 0)) AS locked
         FROM unnest($1::text[]) AS e ORDER BY e`,
      [old.map((o) => o.enrollment_id)],
    );
    if (!locks.every((l) => l.locked)) return { ...NOTHING, busy: true };
    const oldPatients = [...new Set(old.map((o) => o.patient_id))];
    await client.query(
      `SELECT pg_advisory_xact_lock(hashtextextended('bbsync:patient:' || p, 0))
         FROM unnest($1::text[]) AS p ORDER BY p`,
      [[v3.patientId, ...oldPatients].sort()],
    );
    // A purge or unenroll of the v3 enrollment takes the same locks: once they are held, fold
    // only into an enrollment that is still active (never move claims to a purged patient).
    const { rows: v3Row } = await client.query<{ status: string }>(
      'SELECT status FROM enrollments WHERE enrollment_id = $1 FOR SHARE',
      [v3.enrollmentId],
    );
    const status = v3Row[0]?.status ?? 'missing';
    if (status !== 'active') throw new EnrollmentNotActiveError(v3.enrollmentId, status);
    const duplicatesRemoved = await deleteTwins(client, oldPatients, v3.patientId);
    const claimsMoved = await moveRest(client, oldPatients, v3.patientId);
    const v2Enrollments = old.map((o) => o.enrollment_id).sort();
    await retireV2Enrollments(client, v2Enrollments);
    await recordAudit(client, {
      actor: 'sync',
      action: 'fold-v2-into-v3',
      target: v3.enrollmentId,
      details: { v2Enrollments, duplicatesRemoved, claimsMoved },
    });
    return { v2Enrollments, duplicatesRemoved, claimsMoved, busy: false };
  });
}

/** The v2 enrollments (not revoked, nor being unenrolled) of the beneficiary whose v3 Patient is `v3Patient`. */
async function findV2Copies(
  client: PoolClient,
  v3Patient: string,
): Promise<{ enrollment_id: string; patient_id: string }[]> {
  const { rows } = await client.query<{ enrollment_id: string; patient_id: string }>(
    `SELECT e.enrollment_id, e.patient_id
       FROM patients n
       JOIN enrollments e ON e.api_version = 'v2' AND e.status NOT IN ('revoked', 'revoking')
                        AND e.patient_id <> n.patient_id
      WHERE n.patient_id = $1 AND n.mbi IS NOT NULL
        AND (EXISTS (SELECT 1 FROM patients o WHERE o.patient_id = e.patient_id AND o.mbi = n.mbi)
             OR (NOT EXISTS (SELECT 1 FROM patients o WHERE o.patient_id = e.patient_id AND o.mbi IS NOT NULL)
                 AND EXISTS (SELECT 1 FROM coverages c WHERE c.patient_id = e.patient_id AND c.subscriber_id = n.mbi)))
      ORDER BY e.enrollment_id`,
    [v3Patient],
  );
  return rows;
}

/** Deletes the v2 claims the v3 patient also holds (same claim_link_key); returns how many. */
async function deleteTwins(client: PoolClient, oldPatients: string[], v3Patient: string): Promise<number> {
  const { rows } = await client.query<{ claim_id: string }>(
    `SELECT o.claim_id FROM claims o
      WHERE o.patient_id = ANY($1) AND o.claim_link_key IS NOT NULL
        AND EXISTS (SELECT 1 FROM claims n WHERE n.patient_id = $2 AND n.claim_link_key = o.claim_link_key)
      ORDER BY o.claim_id`,
    [oldPatients, v3Patient],
  );
  return removeClaims(
    client,
    rows.map((r) => r.claim_id),
  );
}

/** Deletes claims with their child rows and raw resources; returns how many. */
async function removeClaims(client: PoolClient, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  for (const table of [...CLAIM_CHILD_TABLES, 'claims']) {
    await client.query(`DELETE FROM ${table} WHERE claim_id = ANY($1)`, [ids]);
  }
  await client.query(
    `DELETE FROM fhir_resources WHERE resource_type = 'ExplanationOfBenefit' AND resource_id = ANY($1)`,
    [ids],
  );
  return ids.length;
}

/** Moves the remaining v2 claims to the v3 patient; drops the v2 Patient and Coverages. */
async function moveRest(client: PoolClient, oldPatients: string[], v3Patient: string): Promise<number> {
  const moved = await client.query(`UPDATE claims SET patient_id = $2 WHERE patient_id = ANY($1)`, [
    oldPatients,
    v3Patient,
  ]);
  await client.query(
    `UPDATE fhir_resources SET patient_id = $2
      WHERE patient_id = ANY($1) AND resource_type = 'ExplanationOfBenefit'`,
    [oldPatients, v3Patient],
  );
  for (const sql of [
    'DELETE FROM coverages WHERE patient_id = ANY($1)',
    'DELETE FROM patients WHERE patient_id = ANY($1)',
    'DELETE FROM fhir_resources WHERE patient_id = ANY($1)',
    'DELETE FROM quarantined_resources WHERE patient_id = ANY($1)',
  ]) {
    await client.query(sql, [oldPatients]);
  }
  return moved.rowCount ?? 0;
}

/** Revokes the v2 enrollments (their tokens are gone at BB2) and forgets their walks. */
async function retireV2Enrollments(client: PoolClient, enrollmentIds: string[]): Promise<void> {
  await client.query(
    `UPDATE enrollments SET status = 'revoked', revoked_at = now(), updated_at = now(),
            refresh_token_ciphertext = NULL, access_token_ciphertext = NULL, access_token_expires_at = NULL,
            token_version = token_version + 1
      WHERE enrollment_id = ANY($1)`,
    [enrollmentIds],
  );
  for (const table of ['sync_seen', 'sync_progress']) {
    await client.query(`DELETE FROM ${table} WHERE enrollment_id = ANY($1)`, [enrollmentIds]);
  }
}

/**
 * After `bbsync renormalize` gave claims stored before migration 0015 their claim_link_key: the
 * v2 claims a fold moved to a v3 patient because their link key was still NULL then, and which a
 * v3 claim of that patient now matches, are the same claims twice. The v2 copy goes, with its
 * child rows and raw resource, as a fold would have removed it. v2 claims are told from v3 ones by
 * their ids: v2's are `<type>-<number>`, v3's bare numbers (or UUIDs), bb2-v3.md section 6.
 * Returns how many were removed.
 */
export async function deleteFoldedTwins(pool: Pool): Promise<number> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ claim_id: string }>(
      `SELECT o.claim_id FROM claims o
        WHERE o.claim_id ~ '^[a-z]+-' AND o.claim_link_key IS NOT NULL
          AND EXISTS (SELECT 1 FROM enrollments e WHERE e.patient_id = o.patient_id AND e.api_version = 'v3')
          AND EXISTS (SELECT 1 FROM claims n WHERE n.patient_id = o.patient_id
                       AND n.claim_link_key = o.claim_link_key AND n.claim_id !~ '^[a-z]+-')
        ORDER BY o.claim_id
        FOR UPDATE OF o`,
    );
    return removeClaims(
      client,
      rows.map((r) => r.claim_id),
    );
  });
}
