/**
 * The Digital Insurance Card (BB2 v3 `Patient/$generate-insurance-card`): the C4DIC Bundle as BB2
 * sent it, one per beneficiary, refreshed by every v3 sync whose scopes allow it (docs/v3.md).
 */
import { jsonb, pgTable, text } from 'drizzle-orm/pg-core';

import { tstzDefaultNow } from './columns.ts';

export const insuranceCards = pgTable('insurance_cards', {
  /** The v3 patient id of the beneficiary the card belongs to. */
  patient_id: text('patient_id').primaryKey(),
  /** The enrollment whose token fetched it. */
  enrollment_id: text('enrollment_id').notNull(),
  /** The collection Bundle as received: C4DIC Patient, CMS Organization, one Coverage per part. */
  card: jsonb('card').notNull(),
  /** sha256 of the card's JSON text: equal hashes mean nothing changed. */
  content_hash: text('content_hash').notNull(),
  /** The plans on the card in Bundle order (`Coverage.class` plan: 'Part A', ..., 'Dual Medicare/Medicaid'). */
  plans: text('plans').array().notNull(),
  /** The last fetch that returned this card, and when its content last changed. */
  fetched_at: tstzDefaultNow('fetched_at'),
  changed_at: tstzDefaultNow('changed_at'),
});
