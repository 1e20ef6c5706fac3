/**
 * The analytics rows: what the mapper (src/fhir) produces for one resource and the database
 * (src/db) stores, one interface per table. Property names equal column names (snake_case) so a
 * row is inserted as it is. `loaded_at` is set by the database when the row is written.
 *
 * The tables themselves are defined in src/db/schema; a compile-time check there fails when a
 * table and its row here stop matching. Dates are 'YYYY-MM-DD', timestamps ISO-8601, money exact
 * decimal strings; an optional column may be left out or null.
 */

/** Lineage on every row: the source resource's meta.lastUpdated. */
interface Lineage {
  last_updated?: string | null;
}

export interface PatientRow extends Lineage {
  patient_id: string;
  birth_date?: string | null;
  gender?: string | null;
  state?: string | null;
  postal_code?: string | null;
  race_code?: string | null;
  race_display?: string | null;
  deceased_at?: string | null;
  family_name?: string | null;
  given_name?: string | null;
  middle_initial?: string | null;
  mbi?: string | null;
  reference_year?: number | null;
}

export interface CoverageRow extends Lineage {
  coverage_id: string;
  patient_id: string;
  part?: string | null;
  status?: string | null;
  period_start?: string | null;
  period_end?: string | null;
  subscriber_id?: string | null;
  medicare_status_code?: string | null;
  termination_code?: string | null;
  contract_id?: string | null;
  plan_id?: string | null;
  dual_status_code?: string | null;
  reference_year?: number | null;
}

/** One calendar month of a Coverage's monthly series (table coverage_monthly). */
export interface CoverageMonthRow extends Lineage {
  coverage_id: string;
  patient_id: string;
  /** 'YYYY-MM-01'. */
  month: string;
  enrolled: boolean;
  buyin_code?: string | null;
  hmo_indicator?: string | null;
  contract_id?: string | null;
  plan_id?: string | null;
  part_c_plan_type_code?: string | null;
  part_d_segment_id?: string | null;
  part_d_cost_share_code?: string | null;
  part_d_retiree_subsidy_code?: string | null;
  dual_status_code?: string | null;
}

export interface ClaimRow extends Lineage {
  claim_id: string;
  patient_id: string;
  claim_type: string;
  claim_number?: string | null;
  claim_group?: string | null;
  /** The claim's key across API versions: control number, or `rx:` + rx number for PDE. */
  claim_link_key?: string | null;
  nch_claim_type_code?: string | null;
  claim_category?: string | null;
  status?: string | null;
  outcome?: string | null;
  billable_start?: string | null;
  billable_end?: string | null;
  received_date?: string | null;
  paid_date?: string | null;
  admission_start?: string | null;
  admission_end?: string | null;
  coverage_id?: string | null;
  part?: string | null;
  provider_npi?: string | null;
  provider_ccn?: string | null;
  provider_name?: string | null;
  prescriber_npi?: string | null;
  attending_npi?: string | null;
  drg_code?: string | null;
  claim_frequency_code?: string | null;
  discharge_status?: string | null;
  facility_type_code?: string | null;
  days_supply?: number | null;
  fill_number?: number | null;
  payment_amount?: string | null;
  submitted_amount?: string | null;
  allowed_amount?: string | null;
  patient_responsibility_amount?: string | null;
  primary_payer_paid_amount?: string | null;
  line_count?: number;
  /** Claim versions; `is_final` and `is_denied` are computed by the database from these. */
  final_action?: boolean | null;
  pde_adjustment_code?: string | null;
  non_payment_reason_code?: string | null;
  payment_denial_code?: string | null;
  bill_type_code?: string | null;
  admission_type_code?: string | null;
  admission_source_code?: string | null;
}

export interface ClaimLineRow extends Lineage {
  claim_id: string;
  line_number: number;
  product_system?: string | null;
  product_code?: string | null;
  product_display?: string | null;
  modifiers?: string[] | null;
  revenue_code?: string | null;
  place_of_service?: string | null;
  service_start?: string | null;
  service_end?: string | null;
  service_dates_from_claim?: number;
  quantity?: string | null;
  submitted_amount?: string | null;
  allowed_amount?: string | null;
  paid_amount?: string | null;
  patient_responsibility_amount?: string | null;
  noncovered_amount?: string | null;
  rendering_npi?: string | null;
  /**
   * The line's adjudication entries as parallel lists, element i of each being entry i (the view
   * claim_line_adjudications turns them into one row per entry). Always set by the mappers, all
   * of the same length; optional here only because the columns have a default.
   */
  adjudication_categories?: (string | null)[];
  adjudication_category_systems?: (string | null)[];
  adjudication_variables?: (string | null)[];
  adjudication_amounts?: (string | null)[];
  adjudication_currencies?: (string | null)[];
  adjudication_reason_codes?: (string | null)[];
  adjudication_reason_systems?: (string | null)[];
}

/**
 * claim_lines' adjudication columns in the order of an entry's fields (the view
 * claim_line_adjudications' category, category_system, variable, amount, currency, reason_code,
 * reason_system): element i of each is entry i.
 */
export const ADJUDICATION_COLUMNS = [
  'adjudication_categories',
  'adjudication_category_systems',
  'adjudication_variables',
  'adjudication_amounts',
  'adjudication_currencies',
  'adjudication_reason_codes',
  'adjudication_reason_systems',
] as const satisfies readonly (keyof ClaimLineRow)[];

export interface ClaimFinancialRow extends Lineage {
  claim_id: string;
  entry_index: number;
  source: string;
  category?: string | null;
  variable?: string | null;
  amount?: string | null;
  count_value?: number | null;
}

export interface ClaimDiagnosisRow extends Lineage {
  claim_id: string;
  sequence: number;
  code?: string | null;
  system?: string | null;
  display?: string | null;
  diagnosis_type?: string | null;
  present_on_admission?: string | null;
}

export interface ClaimProcedureRow extends Lineage {
  claim_id: string;
  sequence: number;
  code?: string | null;
  system?: string | null;
  display?: string | null;
  performed_on?: string | null;
}

export interface ClaimCareTeamRow extends Lineage {
  claim_id: string;
  sequence: number;
  role?: string | null;
  provider_id?: string | null;
  provider_id_type?: string | null;
  provider_name?: string | null;
  qualification_code?: string | null;
}

/** Every analytics row one resource maps to, by table. */
export interface AnalyticsRows {
  patients: PatientRow[];
  coverages: CoverageRow[];
  coverage_monthly: CoverageMonthRow[];
  claims: ClaimRow[];
  claim_lines: ClaimLineRow[];
  claim_financials: ClaimFinancialRow[];
  claim_diagnoses: ClaimDiagnosisRow[];
  claim_procedures: ClaimProcedureRow[];
  claim_care_team: ClaimCareTeamRow[];
}

export type AnalyticsTable = keyof AnalyticsRows;

/** The tables that hang off `claims` and are replaced together with their claim. */
export const CLAIM_CHILD_TABLES = [
  'claim_lines',
  'claim_financials',
  'claim_diagnoses',
  'claim_procedures',
  'claim_care_team',
] as const satisfies readonly AnalyticsTable[];

/** Every analytics table, parents before children. */
export const ANALYTICS_TABLES = [
  'patients',
  'coverages',
  'coverage_monthly',
  'claims',
  ...CLAIM_CHILD_TABLES,
] as const satisfies readonly AnalyticsTable[];

export function emptyRows(): AnalyticsRows {
  return {
    patients: [],
    coverages: [],
    coverage_monthly: [],
    claims: [],
    claim_lines: [],
    claim_financials: [],
    claim_diagnoses: [],
    claim_procedures: [],
    claim_care_team: [],
  };
}
