/**
 * The database schema, the one source for `drizzle-kit generate` (migrations/ is generated from
 * it; a test fails when they drift).
 *
 * The analytics tables (patients, coverages, claims and the claim_* children) are a public
 * contract: analysts and dashboards query them by these names. Property names equal column names
 * (snake_case) so a row built by the normalizer is inserted as it is.
 *
 * Lineage on every normalized row: the id of the FHIR resource it came from (the primary key, or
 * `claim_id` for a claim's children), that resource's `meta.lastUpdated` (`last_updated`), and
 * when we wrote it (`loaded_at`). The raw resource stays in `fhir_resources`.
 *
 * This file must not import anything from the project: drizzle-kit loads it on its own.
 */
import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const money = (name: string) => numeric(name, { precision: 14, scale: 2 });
const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });
const day = (name: string) => date(name, { mode: 'string' });

/** Lineage columns shared by every normalized table. */
const lineage = () => ({
  last_updated: tstz('last_updated'),
  loaded_at: tstz('loaded_at')
    .notNull()
    .default(sql`now()`),
});

// --------------------------------------------------------------------------------------------
// Raw resources: the resource exactly as received, for lineage, change detection and replay.
// --------------------------------------------------------------------------------------------

export const fhirResources = pgTable(
  'fhir_resources',
  {
    resource_type: text('resource_type').notNull(),
    resource_id: text('resource_id').notNull(),
    patient_id: text('patient_id'),
    /** The resource's meta.lastUpdated; NULL when BB2 sent something that is not a timestamp. */
    last_updated: tstz('last_updated'),
    /** sha256 of the resource without volatile fields (created, meta.lastUpdated). */
    content_hash: text('content_hash').notNull(),
    resource: jsonb('resource').notNull(),
    /** Version of the mapping that produced the normalized rows, so rows can be rebuilt after a change. */
    normalizer_version: smallint('normalizer_version').notNull(),
    first_seen_at: tstz('first_seen_at')
      .notNull()
      .default(sql`now()`),
    loaded_at: tstz('loaded_at')
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    primaryKey({ columns: [t.resource_type, t.resource_id] }),
    index('fhir_resources_patient_idx').on(t.patient_id),
  ],
);

/** Resources that could not be normalized, kept raw with the reason until a later load succeeds. */
export const quarantinedResources = pgTable(
  'quarantined_resources',
  {
    quarantine_id: bigserial('quarantine_id', { mode: 'number' }).primaryKey(),
    resource_type: text('resource_type').notNull(),
    resource_id: text('resource_id').notNull(),
    patient_id: text('patient_id'),
    /** Where it came from: a file path or a request URL (never with tokens). */
    source: text('source').notNull(),
    reason: text('reason').notNull(),
    resource: jsonb('resource'),
    first_seen_at: tstz('first_seen_at')
      .notNull()
      .default(sql`now()`),
    last_seen_at: tstz('last_seen_at')
      .notNull()
      .default(sql`now()`),
    occurrences: integer('occurrences').notNull().default(1),
  },
  (t) => [
    uniqueIndex('quarantined_resources_resource_idx').on(t.resource_type, t.resource_id),
    index('quarantined_resources_patient_idx').on(t.patient_id),
  ],
);

// --------------------------------------------------------------------------------------------
// Analytics tables.
// --------------------------------------------------------------------------------------------

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
    /** Denied: a non-payment reason is present (institutional) or the payment denial code is 0 (carrier, DME). */
    is_denied: boolean('is_denied')
      .notNull()
      .generatedAlwaysAs(
        sql`COALESCE(btrim(non_payment_reason_code), '') <> '' OR COALESCE(payment_denial_code, '') = '0'`,
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
 * check and lock the parent for every child row, which tripled the cost of loading adjudications
 * (measured: 0.95 s -> 2.45 s for 170,000 rows). The one write path (src/db/ingest.ts) writes and
 * deletes a claim together with all of its children, in one transaction, so none is ever orphaned.
 */
const claimRef = () => text('claim_id').notNull();

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
    ...lineage(),
  },
  (t) => [
    primaryKey({ columns: [t.claim_id, t.line_number] }),
    // text_pattern_ops: serves `=` and prefix searches (`LIKE '992%'`, `LIKE '00378%'`) alike.
    index('claim_lines_product_idx').on(t.product_code.op('text_pattern_ops')),
  ],
);

export const claimLineAdjudications = pgTable(
  'claim_line_adjudications',
  {
    claim_id: claimRef(),
    line_number: integer('line_number').notNull(),
    /** Position of the entry within the line's adjudication list (0-based): the generic codes repeat. */
    entry_index: integer('entry_index').notNull(),
    /** The generic CARIN/HL7 code: submitted, benefit, paidtoprovider, denialreason, ... */
    category: text('category'),
    category_system: text('category_system'),
    /** The CMS (CCW) variable name, e.g. 'line_nch_pmt_amt'; for a denial reason, the reason's variable. */
    variable: text('variable'),
    amount: money('amount'),
    currency: text('currency'),
    reason_code: text('reason_code'),
    reason_system: text('reason_system'),
    ...lineage(),
  },
  (t) => [
    primaryKey({ columns: [t.claim_id, t.line_number, t.entry_index] }),
    index('claim_line_adjudications_variable_idx').on(t.variable),
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

// --------------------------------------------------------------------------------------------
// Enrollments and the token vault (src/enrollment). Tokens are stored only as AES-256-GCM
// ciphertexts that name their key (see src/enrollment/crypto.ts).
// --------------------------------------------------------------------------------------------

export const enrollments = pgTable(
  'enrollments',
  {
    enrollment_id: text('enrollment_id').primaryKey(),
    /** BB2's patient id from the token response (`patient`). One enrollment per patient. */
    patient_id: text('patient_id').notNull(),
    /**
     * 'active' | 'reauth_required' | 'revoking' | 'revoked'. `revoking`: an unenroll was asked
     * and has not finished (BB2 not told yet, or the local purge not committed); the janitor and
     * `bbsync unenroll` resume it.
     */
    status: text('status').notNull(),
    /** When `status` last changed (kept by a trigger); retention counts from here. */
    status_changed_at: tstz('status_changed_at')
      .notNull()
      .default(sql`now()`),
    /** For a `revoking` enrollment: whether its data is to be deleted, and who asked. */
    revoke_purge: boolean('revoke_purge'),
    revoke_actor: text('revoke_actor'),
    /** When the beneficiary's data was deleted (an unenroll's purge or retention). */
    data_purged_at: tstz('data_purged_at'),
    /** The scopes BB2 granted, space-separated, as granted (may lack the demographic scopes). */
    scope: text('scope').notNull(),
    /** The BB2 API version ('v2' | 'v3') that issued the tokens; they are used with it only. */
    api_version: text('api_version').notNull().default('v2'),
    /**
     * v3: whether the beneficiary shared SAMHSA (42 CFR Part 2) data on the consent page, as read
     * from BB2's EOB search links; NULL until known (and always for v2, where BB2 shares it).
     */
    samhsa_shared: boolean('samhsa_shared'),
    /** When the 13-month data access grant ends (NULL: never, e.g. research apps). */
    access_grant_expiration: tstz('access_grant_expiration'),
    refresh_token_ciphertext: text('refresh_token_ciphertext'),
    access_token_ciphertext: text('access_token_ciphertext'),
    access_token_expires_at: tstz('access_token_expires_at'),
    /** Bumped on every token change: a fence against writing over a newer token. */
    token_version: integer('token_version').notNull().default(0),
    enrolled_at: tstz('enrolled_at')
      .notNull()
      .default(sql`now()`),
    last_refresh_at: tstz('last_refresh_at'),
    revoked_at: tstz('revoked_at'),
    /** The last failure of this enrollment's tokens or syncs: a category from src/errors.ts. */
    last_error_category: text('last_error_category'),
    last_error_message: text('last_error_message'),
    last_error_at: tstz('last_error_at'),
    created_at: tstz('created_at')
      .notNull()
      .default(sql`now()`),
    updated_at: tstz('updated_at')
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    uniqueIndex('enrollments_patient_idx').on(t.patient_id),
    index('enrollments_status_idx').on(t.status),
  ],
);

/** Browser-bound state of authorizations in progress (PKCE verifier and state), short-lived. */
export const authorizationRequests = pgTable('authorization_requests', {
  /** sha256 of the `state` parameter; the state itself is only in the user's signed cookie. */
  state_hash: text('state_hash').primaryKey(),
  /** The PKCE code verifier, encrypted like tokens. */
  code_verifier_ciphertext: text('code_verifier_ciphertext').notNull(),
  created_at: tstz('created_at')
    .notNull()
    .default(sql`now()`),
  expires_at: tstz('expires_at').notNull(),
  used_at: tstz('used_at'),
});

// --------------------------------------------------------------------------------------------
// Sync state (src/jobs): runs, attempts, cursors and resumable progress.
// --------------------------------------------------------------------------------------------

/** Per enrollment: what operators need to see at a glance. */
export const syncState = pgTable('sync_state', {
  enrollment_id: text('enrollment_id')
    .primaryKey()
    .references(() => enrollments.enrollment_id, { onDelete: 'cascade' }),
  last_success_at: tstz('last_success_at'),
  last_attempt_at: tstz('last_attempt_at'),
  consecutive_failures: integer('consecutive_failures').notNull().default(0),
  /** Completed syncs; every SYNC_FULL_EVERY-th is a full reconcile. */
  syncs_completed: integer('syncs_completed').notNull().default(0),
  last_full_sync_at: tstz('last_full_sync_at'),
  /** Analytics rows written by the last successful sync. */
  last_rows_written: integer('last_rows_written'),
  /** Resources held for this enrollment's patient, by type, after the last success. */
  resources_held: jsonb('resources_held'),
  /**
   * Full walks that would have removed too much (see RECONCILE_MAX_DELETE_SHARE), by resource
   * type: `{ unseen, held, at }`. Nothing was removed; the next sync is full, and removes only if
   * it finds the same.
   */
  reconcile_suspect: jsonb('reconcile_suspect'),
});

/**
 * Incremental cursor per enrollment and resource type: the `Bundle.meta.lastUpdated` of the last
 * complete walk (BB2's advice), used as `_lastUpdated=gt<cursor>` next time.
 */
export const syncCursors = pgTable(
  'sync_cursors',
  {
    enrollment_id: text('enrollment_id')
      .notNull()
      .references(() => enrollments.enrollment_id, { onDelete: 'cascade' }),
    resource_type: text('resource_type').notNull(),
    cursor: text('cursor').notNull(),
    updated_at: tstz('updated_at')
      .notNull()
      .default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.enrollment_id, t.resource_type] })],
);

/**
 * A walk through one resource type in progress, committed with each page so a retry resumes at
 * the next page instead of starting over.
 */
export const syncProgress = pgTable(
  'sync_progress',
  {
    enrollment_id: text('enrollment_id')
      .notNull()
      .references(() => enrollments.enrollment_id, { onDelete: 'cascade' }),
    resource_type: text('resource_type').notNull(),
    /** The attempt's job id: progress left by an older job is not resumed. */
    job_id: text('job_id').notNull(),
    full_sync: smallint('full_sync').notNull(),
    /** The `_lastUpdated` lower bound of this walk (NULL on a full pull). */
    since: text('since'),
    next_url: text('next_url'),
    pages_done: integer('pages_done').notNull().default(0),
    /** The newest Bundle.meta.lastUpdated seen so far in this walk. */
    bundle_last_updated: text('bundle_last_updated'),
    started_at: tstz('started_at')
      .notNull()
      .default(sql`now()`),
    updated_at: tstz('updated_at')
      .notNull()
      .default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.enrollment_id, t.resource_type] })],
);

/** Ids returned during a full walk, to find what BB2 no longer returns (reconcile). */
export const syncSeen = pgTable(
  'sync_seen',
  {
    enrollment_id: text('enrollment_id')
      .notNull()
      .references(() => enrollments.enrollment_id, { onDelete: 'cascade' }),
    resource_type: text('resource_type').notNull(),
    resource_id: text('resource_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.enrollment_id, t.resource_type, t.resource_id] })],
);

export const syncRuns = pgTable(
  'sync_runs',
  {
    run_id: text('run_id').primaryKey(),
    /** 'scheduled' | 'manual' | 'retry' */
    trigger: text('trigger').notNull(),
    requested_by: text('requested_by'),
    full_sync: smallint('full_sync').notNull().default(0),
    /** 'fanning_out' | 'running' | 'finished' */
    status: text('status').notNull(),
    started_at: tstz('started_at')
      .notNull()
      .default(sql`now()`),
    finished_at: tstz('finished_at'),
    enrollments_total: integer('enrollments_total').notNull().default(0),
    enrollments_ok: integer('enrollments_ok').notNull().default(0),
    enrollments_failed: integer('enrollments_failed').notNull().default(0),
    enrollments_skipped: integer('enrollments_skipped').notNull().default(0),
    resources_changed: integer('resources_changed').notNull().default(0),
    rows_written: integer('rows_written').notNull().default(0),
    resources_removed: integer('resources_removed').notNull().default(0),
    requests: integer('requests').notNull().default(0),
  },
  (t) => [index('sync_runs_started_idx').on(t.started_at)],
);

/**
 * The enrollments a run covers, each with its final outcome once known. Setting an outcome is
 * idempotent (only a NULL outcome is set), so a job that runs twice counts once in its run.
 */
export const syncRunMembers = pgTable(
  'sync_run_members',
  {
    run_id: text('run_id')
      .notNull()
      .references(() => syncRuns.run_id, { onDelete: 'cascade' }),
    enrollment_id: text('enrollment_id')
      .notNull()
      .references(() => enrollments.enrollment_id, { onDelete: 'cascade' }),
    /** NULL while pending; then 'ok' | 'failed' | 'skipped'. */
    outcome: text('outcome'),
    finished_at: tstz('finished_at'),
  },
  (t) => [
    primaryKey({ columns: [t.run_id, t.enrollment_id] }),
    index('sync_run_members_outcome_idx').on(t.run_id, t.outcome),
  ],
);

/** One row per sync of one enrollment (per job attempt), with its outcome. */
export const syncAttempts = pgTable(
  'sync_attempts',
  {
    attempt_id: bigserial('attempt_id', { mode: 'number' }).primaryKey(),
    enrollment_id: text('enrollment_id')
      .notNull()
      .references(() => enrollments.enrollment_id, { onDelete: 'cascade' }),
    run_id: text('run_id').references(() => syncRuns.run_id, { onDelete: 'set null' }),
    job_id: text('job_id').notNull(),
    /** 'running' | 'ok' | 'failed' | 'retrying' | 'skipped' */
    status: text('status').notNull(),
    full_sync: smallint('full_sync').notNull().default(0),
    started_at: tstz('started_at')
      .notNull()
      .default(sql`now()`),
    finished_at: tstz('finished_at'),
    duration_ms: integer('duration_ms'),
    requests: integer('requests').notNull().default(0),
    retries: integer('retries').notNull().default(0),
    resources_changed: integer('resources_changed').notNull().default(0),
    rows_written: integer('rows_written').notNull().default(0),
    resources_removed: integer('resources_removed').notNull().default(0),
    resources_quarantined: integer('resources_quarantined').notNull().default(0),
    /** Counts by resource type: {"ExplanationOfBenefit": {"inserted": 3, "unchanged": 40, ...}}. */
    counts: jsonb('counts'),
    error_category: text('error_category'),
    error_message: text('error_message'),
  },
  (t) => [
    index('sync_attempts_enrollment_idx').on(t.enrollment_id, t.started_at),
    index('sync_attempts_run_idx').on(t.run_id, t.status),
  ],
);

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
