/**
 * Stored Digital Insurance Cards (table insurance_cards, docs/v3.md): one per v3 beneficiary,
 * written by the sync, read by the dashboard and `bbsync insurance-card`.
 */
import type { Db } from './client.ts';

export interface StoredInsuranceCard {
  patient_id: string;
  enrollment_id: string;
  card: unknown;
  plans: string[];
  fetched_at: string;
  changed_at: string;
}

/** Stores a fetched card; returns whether its content changed (a same-hash fetch only moves fetched_at). */
export async function saveInsuranceCard(
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
