/**
 * Reading the analytics layer (the views of migrations/0003_analytics_views.sql) for
 * `bbsync report`: the patient summary and the most common diagnoses, drugs and procedures, for
 * every beneficiary or one. Formatting is the command's business; this returns plain rows.
 *
 * Every query counts final claim versions only (claims.is_final; the views do the same).
 *
 * Values come back as the pool's type parsers leave them (src/db/client.ts): dates as
 * 'YYYY-MM-DD', timestamps as ISO-8601 UTC, amounts as exact decimal strings, counts as numbers.
 */
import type { QueryResultRow } from 'pg';

import { CLAIM_TYPES } from '../model/claim-types.ts';
import type { Db, Pool } from './client.ts';
import { withTransaction } from './transaction.ts';

/** One row of the `patient_summary` view (see its column comments for the definitions). */
export interface PatientSummary {
  patient_id: string;
  has_patient_record: boolean;
  birth_date: string | null;
  gender: string | null;
  race_code: string | null;
  race_display: string | null;
  state: string | null;
  postal_code: string | null;
  deceased_at: string | null;
  coverage_parts: string[];
  claim_count: number;
  carrier_claims: number;
  dme_claims: number;
  hha_claims: number;
  hospice_claims: number;
  inpatient_claims: number;
  outpatient_claims: number;
  pde_claims: number;
  snf_claims: number;
  medicare_paid_amount: string;
  part_d_plan_paid_amount: string;
  total_paid_amount: string;
  patient_responsibility_amount: string;
  first_service_date: string | null;
  last_service_date: string | null;
  last_loaded_at: string | null;
  last_updated: string | null;
}

/** The claim types in `patient_summary`'s per-type count columns, in column order. */
export const SUMMARY_CLAIM_TYPES = CLAIM_TYPES;

export interface TopDiagnosis {
  code: string;
  system: string | null;
  display: string | null;
  /** Claims carrying the code (in any position). */
  claim_count: number;
  /** Beneficiaries with at least one such claim. */
  patient_count: number;
}

export interface TopDrug {
  ndc: string;
  drug_name: string | null;
  fill_count: number;
  patient_count: number;
  total_cost: string | null;
  plan_paid: string | null;
  patient_paid: string | null;
}

export interface TopProcedure {
  code: string;
  /** HCPCS/CPT (`.../codesystem/hcpcs`, from claim lines) or ICD procedure systems (claim_procedures). */
  system: string | null;
  display: string | null;
  /** Claims on which the code appears (a line or an ICD procedure). */
  claim_count: number;
  patient_count: number;
}

export interface ReportOptions {
  /** Only this beneficiary; all when undefined. */
  patientId?: string;
  /** Rows per "top" list. */
  limit: number;
  /** The sections to read (default: all); the others come back empty. */
  sections?: readonly (keyof Report)[];
}

export interface Report {
  patients: PatientSummary[];
  top_diagnoses: TopDiagnosis[];
  top_drugs: TopDrug[];
  top_procedures: TopProcedure[];
}

const SUMMARY_COLUMNS = `patient_id, has_patient_record, birth_date, gender, race_code, race_display, state,
  postal_code, deceased_at, coverage_parts, claim_count::int AS claim_count,
  ${SUMMARY_CLAIM_TYPES.map((t) => `${t}_claims::int AS ${t}_claims`).join(', ')},
  medicare_paid_amount, part_d_plan_paid_amount, total_paid_amount, patient_responsibility_amount,
  first_service_date, last_service_date, last_loaded_at, last_updated`;

/** `patient_summary` rows, ordered by patient_id: every beneficiary, or the one asked for. */
export async function patientSummaries(
  db: Db,
  options: { patientId?: string } = {},
): Promise<PatientSummary[]> {
  const { rows } =
    options.patientId === undefined
      ? await db.query<PatientSummary>(`SELECT ${SUMMARY_COLUMNS} FROM patient_summary ORDER BY patient_id`)
      : await db.query<PatientSummary>(
          `SELECT ${SUMMARY_COLUMNS} FROM patient_summary WHERE patient_id = $1`,
          [options.patientId],
        );
  return rows;
}

/**
 * A "top" list: `sql` is given the filter to one beneficiary (`AND <patientColumn> = $2`, or
 * nothing for all) and takes the limit as $1.
 */
async function topList<T extends QueryResultRow>(
  db: Db,
  options: ReportOptions,
  patientColumn: string,
  sql: (where: string) => string,
): Promise<T[]> {
  const { rows } =
    options.patientId === undefined
      ? await db.query<T>(sql(''), [options.limit])
      : await db.query<T>(sql(`AND ${patientColumn} = $2`), [options.limit, options.patientId]);
  return rows;
}

/** The diagnosis codes on the most claims (principal or not), with how many beneficiaries have them. */
export function topDiagnoses(db: Db, options: ReportOptions): Promise<TopDiagnosis[]> {
  return topCodes(
    db,
    options,
    (where) => `SELECT dx.code, dx.system, dx.display, dx.claim_id, c.patient_id
       FROM claim_diagnoses dx
       JOIN claims c ON c.claim_id = dx.claim_id
       WHERE dx.code IS NOT NULL AND c.is_final ${where}`,
  );
}

/** The drugs (NDC) filled most often, with what they cost, from `drug_fills`. */
export function topDrugs(db: Db, options: ReportOptions): Promise<TopDrug[]> {
  return topList(
    db,
    options,
    'f.patient_id',
    (where) =>
      `SELECT f.ndc, max(f.drug_name) AS drug_name,
              count(*)::int AS fill_count,
              count(DISTINCT f.patient_id)::int AS patient_count,
              sum(f.total_cost) AS total_cost,
              sum(f.plan_paid) AS plan_paid,
              sum(f.patient_paid) AS patient_paid
       FROM drug_fills f
       WHERE f.ndc IS NOT NULL ${where}
       GROUP BY f.ndc
       ORDER BY fill_count DESC, patient_count DESC, f.ndc
       LIMIT $1`,
  );
}

/**
 * The procedures on the most claims: HCPCS/CPT codes billed on claim lines (every type but PDE,
 * whose lines carry NDCs) and ICD procedure codes of institutional claims.
 */
export function topProcedures(db: Db, options: ReportOptions): Promise<TopProcedure[]> {
  return topCodes(
    db,
    options,
    (where) => `SELECT l.product_code AS code, l.product_system AS system, l.product_display AS display,
              l.claim_id, c.patient_id
       FROM claim_lines l
       JOIN claims c ON c.claim_id = l.claim_id
       WHERE c.claim_type <> 'pde' AND c.is_final AND l.product_code IS NOT NULL ${where}
       UNION ALL
       SELECT px.code, px.system, px.display, px.claim_id, c.patient_id
       FROM claim_procedures px
       JOIN claims c ON c.claim_id = px.claim_id
       WHERE px.code IS NOT NULL AND c.is_final ${where}`,
  );
}

/**
 * The codes on the most claims, with how many beneficiaries have them, from `codes`: a query of
 * code, system, display, claim_id and patient_id per code on a claim (filtered by `where`).
 */
function topCodes<T extends QueryResultRow>(
  db: Db,
  options: ReportOptions,
  codes: (where: string) => string,
): Promise<T[]> {
  return topList<T>(
    db,
    options,
    'c.patient_id',
    (where) =>
      `SELECT p.code, p.system, max(p.display) AS display,
              count(DISTINCT p.claim_id)::int AS claim_count,
              count(DISTINCT p.patient_id)::int AS patient_count
       FROM (${codes(where)}) p
       GROUP BY p.code, p.system
       ORDER BY claim_count DESC, patient_count DESC, p.code, p.system
       LIMIT $1`,
  );
}

/**
 * The report, read in one REPEATABLE READ transaction so its sections agree with each other even
 * while a sync writes. For a beneficiary the database does not know, `patients` comes back empty
 * (whatever the sections asked for) and nothing else is read: the caller decides what to say.
 */
export async function buildReport(pool: Pool, options: ReportOptions): Promise<Report> {
  const wanted = new Set<keyof Report>(
    options.sections ?? ['patients', 'top_diagnoses', 'top_drugs', 'top_procedures'],
  );
  return withTransaction(
    pool,
    async (client) => {
      const report: Report = { patients: [], top_diagnoses: [], top_drugs: [], top_procedures: [] };
      if (wanted.has('patients') || options.patientId !== undefined) {
        report.patients = await patientSummaries(client, options);
      }
      if (options.patientId === undefined || report.patients.length > 0) {
        if (wanted.has('top_diagnoses')) report.top_diagnoses = await topDiagnoses(client, options);
        if (wanted.has('top_drugs')) report.top_drugs = await topDrugs(client, options);
        if (wanted.has('top_procedures')) report.top_procedures = await topProcedures(client, options);
      }
      return report;
    },
    { begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' },
  );
}
