/**
 * The rows the normalizer produces, typed from the schema (type-only import: src/fhir stays pure).
 * `loaded_at` is set by the database when the row is written.
 */
import type {
  claimCareTeam,
  claimDiagnoses,
  claimFinancials,
  claimLineAdjudications,
  claimLines,
  claimProcedures,
  claims,
  coverages,
  patients,
} from '../db/schema.ts';

type Row<T extends { $inferInsert: object }> = Omit<T['$inferInsert'], 'loaded_at'>;

export type PatientRow = Row<typeof patients>;
export type CoverageRow = Row<typeof coverages>;
export type ClaimRow = Row<typeof claims>;
export type ClaimLineRow = Row<typeof claimLines>;
export type ClaimLineAdjudicationRow = Row<typeof claimLineAdjudications>;
export type ClaimFinancialRow = Row<typeof claimFinancials>;
export type ClaimDiagnosisRow = Row<typeof claimDiagnoses>;
export type ClaimProcedureRow = Row<typeof claimProcedures>;
export type ClaimCareTeamRow = Row<typeof claimCareTeam>;

/** Every analytics row one resource maps to, by table. */
export interface AnalyticsRows {
  patients: PatientRow[];
  coverages: CoverageRow[];
  claims: ClaimRow[];
  claim_lines: ClaimLineRow[];
  claim_line_adjudications: ClaimLineAdjudicationRow[];
  claim_financials: ClaimFinancialRow[];
  claim_diagnoses: ClaimDiagnosisRow[];
  claim_procedures: ClaimProcedureRow[];
  claim_care_team: ClaimCareTeamRow[];
}

export const ANALYTICS_TABLES = [
  'patients',
  'coverages',
  'claims',
  'claim_lines',
  'claim_line_adjudications',
  'claim_financials',
  'claim_diagnoses',
  'claim_procedures',
  'claim_care_team',
] as const satisfies readonly (keyof AnalyticsRows)[];

/** The tables that hang off `claims` and are replaced together with their claim. */
export const CLAIM_CHILD_TABLES = [
  'claim_lines',
  'claim_line_adjudications',
  'claim_financials',
  'claim_diagnoses',
  'claim_procedures',
  'claim_care_team',
] as const satisfies readonly (keyof AnalyticsRows)[];

export function emptyRows(): AnalyticsRows {
  return {
    patients: [],
    coverages: [],
    claims: [],
    claim_lines: [],
    claim_line_adjudications: [],
    claim_financials: [],
    claim_diagnoses: [],
    claim_procedures: [],
    claim_care_team: [],
  };
}
