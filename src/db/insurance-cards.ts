/**
 * Stored Digital Insurance Cards (table insurance_cards, docs/v3.md): one per v3 beneficiary,
 * written by the sync, read by the dashboard and `bbsync insurance-card`.
 */
import type { Db, Pool } from './client.ts';
import { EnrollmentNotActiveError } from '../errors.ts';
import { withTransaction } from './transaction.ts';

export interface StoredInsuranceCard {
  patient_id: string;
  enrollment_id: string;
  card: unknown;
  plans: string[];
  fetched_at: string;
  changed_at: string;
}

/**
 * Stores a fetched card; returns whether its content changed (a same-hash fetch only moves
 * fetched_at). Like a page write (db/ingest.ts), it takes the patient's lock, then reads the
 * enrollment FOR SHARE and writes nothing unless it is still `active` (EnrollmentNotActiveError):
 * a purge takes the same locks, so a sync in flight cannot store a card after the delete.
 */
export async function saveInsuranceCard(
  pool: Pool,
  c: { patientId: string; enrollmentId: string; bundle: unknown; contentHash: string; plans: string[] },
): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('bbsync:patient:' || $1, 0))`, [
      c.patientId,
    ]);
    const { rows: held } = await client.query<{ status: string }>(
      'SELECT status FROM enrollments WHERE enrollment_id = $1 FOR SHARE',
      [c.enrollmentId],
    );
    const status = held[0]?.status ?? 'missing';
    if (status !== 'active') throw new EnrollmentNotActiveError(c.enrollmentId, status);
    return upsertCard(client, c);
  });
}

async function upsertCard(
  db: Db,
  c: { patientId: string; enrollmentId: string; bundle: unknown; contentHash: string; plans: string[] },
): Promise<boolean> {
  const { rows } = await db.query<{ changed: boolean }>(
    `INSERT INTO insurance_cards AS i (patient_id, enrollment_id, card, content_hash, plans)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (patient_id) DO UPDATE
        SET enrollment_id = EXCLUDED.enrollment_id, fetched_at = now(),
            card = CASE WHEN i.content_hash = EXCLUDED.content_hash THEN i.card ELSE EXCLUDED.card END,
            plans = CASE WHEN i.content_hash = EXCLUDED.content_hash THEN i.plans ELSE EXCLUDED.plans END,
            changed_at = CASE WHEN i.content_hash = EXCLUDED.content_hash THEN i.changed_at ELSE now() END,
            content_hash = EXCLUDED.content_hash
     RETURNING changed_at = fetched_at AS changed`,
    [c.patientId, c.enrollmentId, JSON.stringify(c.bundle), c.contentHash, c.plans],
  );
  return rows[0]?.changed ?? false;
}

export async function getInsuranceCard(db: Db, patientId: string): Promise<StoredInsuranceCard | undefined> {
  const { rows } = await db.query<StoredInsuranceCard>(
    `SELECT patient_id, enrollment_id, card, plans, fetched_at::text, changed_at::text
       FROM insurance_cards WHERE patient_id = $1`,
    [patientId],
  );
  return rows[0];
}
