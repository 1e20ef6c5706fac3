/**
 * What operators read besides the sync state: BB2 request counts, the audit log and the
 * deployment's alerts.
 */
import { sql } from 'drizzle-orm';
import {
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

import { tstz, tstzDefaultNow } from './columns.ts';

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
    at: tstzDefaultNow('at'),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target'),
    details: jsonb('details'),
  },
  (t) => [index('audit_log_at_idx').on(t.at)],
);

/**
 * Conditions of the whole deployment, one row per episode (today only `app_inactive`: BB2 says the
 * application is temporarily inactive, and the sync queue is paused). At most one open row per
 * condition, so however many workers meet it, it is raised once.
 */
export const deploymentAlerts = pgTable(
  'deployment_alerts',
  {
    alert_id: bigserial('alert_id', { mode: 'number' }).primaryKey(),
    condition: text('condition').notNull(),
    since: tstzDefaultNow('since'),
    /** BB2's answer that raised it (no tokens, no PHI). */
    answer: text('answer').notNull(),
    last_probe_at: tstz('last_probe_at'),
    last_probe_answer: text('last_probe_answer'),
    probes: integer('probes').notNull().default(0),
    ended_at: tstz('ended_at'),
    /** `probe`, or the operator who resumed (`dashboard:NAME`, `cli:NAME`). */
    ended_by: text('ended_by'),
  },
  (t) => [
    uniqueIndex('deployment_alerts_open_idx')
      .on(t.condition)
      .where(sql`ended_at IS NULL`),
  ],
);
