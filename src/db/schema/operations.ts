/**
 * What operators read besides the sync state: BB2 request counts and the audit log.
 */
import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

import { tstz } from './columns.ts';

/** Requests to BB2 per minute, endpoint and status: the dashboard's error and 429 rates. */
export const bb2RequestCounts = pgTable(
  'bb2_request_counts',
  {
    minute: tstz('minute').notNull(),
    /** 'token' | 'Patient' | 'Coverage' | 'ExplanationOfBenefit' | 'revoke' ... */
    endpoint: text('endpoint').notNull(),
    /** HTTP status; 0 for a request that got no response (network error, timeout). */
    status: integer('status').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.endpoint, t.status] })],
);

/** Who did what in the dashboard and CLI (enroll, revoke, sync now, key rotation). */
export const auditLog = pgTable(
  'audit_log',
  {
    audit_id: bigserial('audit_id', { mode: 'number' }).primaryKey(),
    at: tstz('at')
      .notNull()
      .default(sql`now()`),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target'),
    details: jsonb('details'),
  },
  (t) => [index('audit_log_at_idx').on(t.at)],
);
