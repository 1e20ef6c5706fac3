/**
 * The analytics tables (patients, coverages, claims and the claim_* children): a public contract,
 * analysts and dashboards query them by these names. Property names equal column names
 * (snake_case) so a row built by the normalizer is inserted as it is; each table's row is
 * described in src/model/analytics-rows.ts and checked against it (src/db/analytics-tables.ts).
 */
import { sql } from 'drizzle-orm';
import { boolean, index, integer, numeric, pgTable, primaryKey, smallint, text } from 'drizzle-orm/pg-core';

import { day, lineage, money } from './columns.ts';

export const patients = pgTable('patients', {
  patient_id: text('patient_id').primaryKey(),
  birth_date: day('birth_date'),
  gender: text('gender'),
  /** As BB2 sends it: a USPS code ("MO") or, in synthetic data, an SSA numeric code ("05"). */
  state: text('state'),
  postal_code: text('postal_code'),
  /** CCW race code (https://bluebutton.cms.gov/resources/variables/race), e.g. '1' White. */
  race_code: text('race_code'),
  race_display: text('race_display'),
  deceased_at: day('deceased_at'),
  family_name: text('family_name'),
  given_name: text('given_name'),
  middle_initial: text('middle_initial'),
  /** The current Medicare Beneficiary Identifier. */
  mbi: text('mbi'),
  reference_year: smallint('reference_year'),
  ...lineage(),
});

export const coverages = pgTable(
  'coverages',
  {
    coverage_id: text('coverage_id').primaryKey(),
    patient_id: text('patient_id').notNull(),
    /** 'A', 'B', 'C' or 'D', from the id prefix (the only reliable place). */
    part: text('part'),
    /** 'active' or 'cancelled' (cancelled when the part's termination code is not 0). */
    status: text('status'),
    period_start: day('period_start'),
    period_end: day('period_end'),
    subscriber_id: text('subscriber_id'),
    /** Medicare status code (ms_cd). */
    medicare_status_code: text('medicare_status_code'),
    /** Part A/B termination code (a_trm_cd / b_trm_cd). */
    termination_code: text('termination_code'),
    /** Part C/D contract and plan (PBP) of the latest month that has one (ptc_cntrct_id_NN / ptdcntrct NN). */
    contract_id: text('contract_id'),
    plan_id: text('plan_id'),
    /** Medicare-Medicaid dual status code of the latest month that has one (dual_NN). */
    dual_status_code: text('dual_status_code'),
    reference_year: smallint('reference_year'),
    ...lineage(),
  },
  (t) => [index('coverages_patient_idx').on(t.patient_id)],
);

/**
 * One row per Coverage and calendar month that carries a monthly value: the monthly series BB2 v2
 * sends per reference year (buyinNN, hmo_ind_NN, ptc_cntrct_id_NN, ptdcntrctNN, dual_NN, ...),
 * written by the normalizer with its Coverage (replaced with it, deleted with it). The views
 * coverage_months, member_months and enrollment_spans read it.
 */
export const coverageMonthly = pgTable(
  'coverage_monthly',
  {
    coverage_id: text('coverage_id')
      .notNull()
      .references(() => coverages.coverage_id, { onDelete: 'cascade' }),
    patient_id: text('patient_id').notNull(),
    /** First day of the month. */
    month: day('month').notNull(),
    /** Enrolled in the coverage's part this month (the rule is in the table comment). */
    enrolled: boolean('enrolled').notNull(),
    buyin_code: text('buyin_code'),
    hmo_indicator: text('hmo_indicator'),
    /** Part C or D contract of the month; NULL for A and B. */
    contract_id: text('contract_id'),
    plan_id: text('plan_id'),
    part_c_plan_type_code: text('part_c_plan_type_code'),
    part_d_segment_id: text('part_d_segment_id'),
    part_d_cost_share_code: text('part_d_cost_share_code'),
    part_d_retiree_subsidy_code: text('part_d_retiree_subsidy_code'),
    dual_status_code: text('dual_status_code'),
    ...lineage(),
  },
  (t) => [
    primaryKey({ columns: [t.coverage_id, t.month] }),
    index('coverage_monthly_patient_idx').on(t.patient_id, t.month),
  ],
);

export const claims = pgTable(
  'claims',
  {
    /** The EOB id, e.g. 'carrier--10045426206'. */
    claim_id: text('claim_id').primaryKey(),
    patient_id: text('patient_id').notNull(),
    /** carrier | dme | hha | hospice | inpatient | outpatient | pde | snf */
    claim_type: text('claim_type').notNull(),
    /** The CMS claim id (clm_id) or PDE event id (pde_id), as a string (may be negative). */
    claim_number: text('claim_number'),
    claim_group: text('claim_group'),
    /**
     * What names one claim in both API versions (docs/v3.md): the claim control number (v2
     * carr_clm_cntl_num / fi_doc_clm_cntl_num, v3 CLM-CNTL-NUM); for a PDE, which has none in v2,
     * `rx:` + the prescription service reference number.
     */
    claim_link_key: text('claim_link_key'),
    /** NCH claim type code (nch_clm_type_cd), e.g. '71'; none for PDE. */
    nch_claim_type_code: text('nch_claim_type_code'),
    /** 'professional' | 'institutional' | 'pharmacy' (HL7 claim-type). */
    claim_category: text('claim_category'),
    status: text('status'),
    outcome: text('outcome'),
    billable_start: day('billable_start'),
    billable_end: day('billable_end'),
    /** NCH weekly processing date (clmrecvddate). */
    received_date: day('received_date'),
    /** PDE paid date (payment.date). */
    paid_date: day('paid_date'),
    admission_start: day('admission_start'),
    admission_end: day('admission_end'),
    /** Coverage the claim is billed to, e.g. 'part-b--19990000000001', and its part letter. */
    coverage_id: text('coverage_id'),
    part: text('part'),
    /** Billing provider NPI (carrier/DME/PDE) or the institution's NPI. */
    provider_npi: text('provider_npi'),
    /** Institution's CMS Certification Number (contained Organization, PRN). */
    provider_ccn: text('provider_ccn'),
    provider_name: text('provider_name'),
    /** PDE prescriber NPI (careTeam role 'prescribing'); attending for institutional claims. */
    prescriber_npi: text('prescriber_npi'),
    attending_npi: text('attending_npi'),
    drg_code: text('drg_code'),
    /** Claim frequency code of the type of bill (supportingInfo typeofbill, clm_freq_cd), e.g. '1' admit thru discharge. */
    claim_frequency_code: text('claim_frequency_code'),
    discharge_status: text('discharge_status'),
    facility_type_code: text('facility_type_code'),
    /** PDE days supply and fill number. */
    days_supply: integer('days_supply'),
    fill_number: integer('fill_number'),
    /** See README "Money columns" for the CMS variable behind each, per claim type. */
    payment_amount: money('payment_amount'),
    submitted_amount: money('submitted_amount'),
    allowed_amount: money('allowed_amount'),
    patient_responsibility_amount: money('patient_responsibility_amount'),
    primary_payer_paid_amount: money('primary_payer_paid_amount'),
    line_count: integer('line_count').notNull().default(0),
    /**
     * Claim versions. BFD maps the CCW final-action flag to EOB.status (active = final version,
     * cancelled = superseded or cancelled): v2 final_action is status = 'active'; v3 reads its
     * Final-Action tag. PDE events carry adjstmt_dltn_cd (blank original, A adjustment, D deletion).
     */
    final_action: boolean('final_action'),
    pde_adjustment_code: text('pde_adjustment_code'),
    /**
     * The version that counts: not superseded or cancelled, and not a PDE deletion (whose own
     * status is active). claim_group does not decide: real data shares one value across claims.
     */
    is_final: boolean('is_final')
      .notNull()
      .generatedAlwaysAs(sql`final_action IS NOT FALSE AND COALESCE(pde_adjustment_code, '') <> 'D'`),
    /** Why Medicare paid nothing: institutional clm_mdcr_non_pmt_rsn_cd, carrier/DME carr_clm_pmt_dnl_cd. */
    non_payment_reason_code: text('non_payment_reason_code'),
    payment_denial_code: text('payment_denial_code'),
    /**
     * Denied: Medicare paid nothing. Carrier/DME: the payment denial code is 0. Institutional: a
     * non-payment reason with no payment; the reason alone does not decide, because BFD sends it on
     * paid claims too (P "Payment requested", B "Benefit exhausted" part-way through a stay).
     */
    is_denied: boolean('is_denied')
      .notNull()
      .generatedAlwaysAs(
        sql`COALESCE(payment_denial_code, '') = '0' OR (COALESCE(btrim(non_payment_reason_code), '') <> '' AND COALESCE(payment_amount, 0) = 0)`,
      ),
    /** Type of bill: facility type + service classification + frequency, e.g. '111'. */
    bill_type_code: text('bill_type_code'),
    /** Admission type (clm_ip_admsn_type_cd) and source (clm_src_ip_admsn_cd), institutional claims. */
    admission_type_code: text('admission_type_code'),
    admission_source_code: text('admission_source_code'),
    ...lineage(),
  },
  (t) => [
    index('claims_patient_idx').on(t.patient_id, t.billable_start),
    index('claims_type_date_idx').on(t.claim_type, t.billable_start),
    index('claims_billable_start_idx').on(t.billable_start),
  ],
);

/**
 * A claim's child rows name their claim. There is deliberately no foreign key: Postgres would
 * check and lock the parent for every child row, which made loading adjudications several times
 * dearer (docs/performance.md#figures-behind-the-code). The one write path (src/db/ingest.ts) writes and
 * deletes a claim together with all of its children, in one transaction, so none is ever orphaned.
 */
const claimRef = () => text('claim_id').notNull();

/** One text per adjudication entry of a line; an element is NULL where the entry has no value. */
const entryList = (name: string) =>
  text(name)
    .array()
    .$type<(string | null)[]>()
    .notNull()
    .default(sql`'{}'`);

export const claimLines = pgTable(
  'claim_lines',
  {
    claim_id: claimRef(),
    line_number: integer('line_number').notNull(),
    /** HCPCS/CPT or NDC system URL and code; NULL when BB2 sent none (common on institutional lines). */
    product_system: text('product_system'),
    product_code: text('product_code'),
    product_display: text('product_display'),
    modifiers: text('modifiers').array(),
    revenue_code: text('revenue_code'),
    place_of_service: text('place_of_service'),
    /** Line dates; institutional lines without their own date take the claim's billable period. */
    service_start: day('service_start'),
    service_end: day('service_end'),
    service_dates_from_claim: smallint('service_dates_from_claim').notNull().default(0),
    quantity: numeric('quantity'),
    submitted_amount: money('submitted_amount'),
    allowed_amount: money('allowed_amount'),
    paid_amount: money('paid_amount'),
    patient_responsibility_amount: money('patient_responsibility_amount'),
    noncovered_amount: money('noncovered_amount'),
    /** The line's rendering (performing) provider: the careTeam entry its careTeamSequence points to. */
    rendering_npi: text('rendering_npi'),
    /**
     * Every adjudication entry of the line, lossless, as parallel arrays in the line's list order
     * (element i of each array is entry i). One row per entry would be ~9 rows per line and over
     * half of all analytics rows; the view claim_line_adjudications unnests them into those rows.
     */
    adjudication_categories: entryList('adjudication_categories'),
    adjudication_category_systems: entryList('adjudication_category_systems'),
    /** The CMS variable of each entry (for a denial reason, the reason's variable). */
    adjudication_variables: entryList('adjudication_variables'),
    adjudication_amounts: numeric('adjudication_amounts', { precision: 14, scale: 2 })
      .array()
      .$type<(string | null)[]>()
      .notNull()
      .default(sql`'{}'`),
    adjudication_currencies: entryList('adjudication_currencies'),
    adjudication_reason_codes: entryList('adjudication_reason_codes'),
    adjudication_reason_systems: entryList('adjudication_reason_systems'),
    ...lineage(),
  },
  (t) => [
    primaryKey({ columns: [t.claim_id, t.line_number] }),
    // text_pattern_ops: serves `=` and prefix searches (`LIKE '992%'`, `LIKE '00378%'`) alike.
    index('claim_lines_product_idx').on(t.product_code.op('text_pattern_ops')),
  ],
);

/** Claim-level money and counts: every `total` and `benefitBalance.financial` entry, lossless. */
export const claimFinancials = pgTable(
  'claim_financials',
  {
    claim_id: claimRef(),
    entry_index: integer('entry_index').notNull(),
    /** 'total' or 'benefit_balance'. */
    source: text('source').notNull(),
    category: text('category'),
    variable: text('variable'),
    amount: money('amount'),
    /** Day counts and other usedUnsignedInt values of benefitBalance. */
    count_value: integer('count_value'),
    ...lineage(),
  },
  (t) => [primaryKey({ columns: [t.claim_id, t.entry_index] })],
);

export const claimDiagnoses = pgTable(
  'claim_diagnoses',
  {
    claim_id: claimRef(),
    sequence: integer('sequence').notNull(),
    code: text('code'),
    system: text('system'),
    display: text('display'),
    /** The first type code: principal, admitting, secondary, other, externalcauseofinjury, ... */
    diagnosis_type: text('diagnosis_type'),
    present_on_admission: text('present_on_admission'),
    ...lineage(),
  },
  (t) => [
    primaryKey({ columns: [t.claim_id, t.sequence] }),
    // text_pattern_ops: serves `=` and ICD prefix searches (`code LIKE 'E11%'`) alike.
    index('claim_diagnoses_code_idx').on(t.code.op('text_pattern_ops')),
  ],
);

export const claimProcedures = pgTable(
  'claim_procedures',
  {
    claim_id: claimRef(),
    sequence: integer('sequence').notNull(),
    code: text('code'),
    system: text('system'),
    display: text('display'),
    performed_on: day('performed_on'),
    ...lineage(),
  },
  (t) => [
    primaryKey({ columns: [t.claim_id, t.sequence] }),
    index('claim_procedures_code_idx').on(t.code.op('text_pattern_ops')),
  ],
);

export const claimCareTeam = pgTable(
  'claim_care_team',
  {
    claim_id: claimRef(),
    sequence: integer('sequence').notNull(),
    /** C4BBClaimCareTeamRole: performing, referring, prescribing, attending, ... */
    role: text('role'),
    provider_id: text('provider_id'),
    /** npi, UPIN, ... (the identifier's type code); NPIs are not always 10 digits in this data. */
    provider_id_type: text('provider_id_type'),
    provider_name: text('provider_name'),
    qualification_code: text('qualification_code'),
    ...lineage(),
  },
  (t) => [primaryKey({ columns: [t.claim_id, t.sequence] })],
);
