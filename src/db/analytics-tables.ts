/**
 * The analytics tables by name, and the compile-time proof that each one stores exactly the row
 * src/model describes: a column added, dropped or retyped on one side only fails `tsc`.
 */
import type { PgTable } from 'drizzle-orm/pg-core';

import type { AnalyticsRows, AnalyticsTable } from '../model/analytics-rows.ts';
import * as schema from './schema.ts';

export const ANALYTICS_TABLE_DEFINITIONS = {
  patients: schema.patients,
  coverages: schema.coverages,
  coverage_monthly: schema.coverageMonthly,
  claims: schema.claims,
  claim_lines: schema.claimLines,
  claim_financials: schema.claimFinancials,
  claim_diagnoses: schema.claimDiagnoses,
  claim_procedures: schema.claimProcedures,
  claim_care_team: schema.claimCareTeam,
} satisfies Record<AnalyticsTable, PgTable>;

type Definitions = typeof ANALYTICS_TABLE_DEFINITIONS;
/** What an insert into the table takes; `loaded_at` is the database's. */
type Insert<K extends AnalyticsTable> = Omit<Definitions[K]['$inferInsert'], 'loaded_at'>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Matches<K extends AnalyticsTable> =
  Same<keyof Insert<K>, keyof AnalyticsRows[K][number]> extends true
    ? Same<Insert<K>, AnalyticsRows[K][number]>
    : false;

// Each entry only type-checks as `true` when the table and the model row agree.
const _tablesMatchModel: { [K in AnalyticsTable]: Matches<K> } = {
  patients: true,
  coverages: true,
  coverage_monthly: true,
  claims: true,
  claim_lines: true,
  claim_financials: true,
  claim_diagnoses: true,
  claim_procedures: true,
  claim_care_team: true,
};
