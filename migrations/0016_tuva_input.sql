-- The Tuva input layer: views whose column names and types are the input-layer contract of The
-- Tuva Project v0.18.0 (tuva-health/tuva tag v0.18.0, commit da0b493eed30a21482cb69ca02b6da57b4676a7d:
-- models/input_layer/input_layer__medical_claim.yml, input_layer__pharmacy_claim.yml,
-- input_layer__eligibility.yml). A dbt project with Tuva selects * from these views (docs/tuva.md).
-- Types: Tuva's varchar is varchar, integer integer, number numeric, float double precision (every
-- amount is whole cents, exact in a double), date date, timestamp timestamp (UTC), boolean boolean.
-- Only final claim versions (claims.is_final): Tuva expects adjustments, denials and reversals
-- resolved before its input layer ("filter out all but final claims").
CREATE SCHEMA IF NOT EXISTS tuva_input;
--> statement-breakpoint
COMMENT ON SCHEMA tuva_input IS 'The Tuva Project input layer (v0.18.0 contract): medical_claim, pharmacy_claim, eligibility. See docs/tuva.md.';
--> statement-breakpoint
CREATE VIEW tuva_input.medical_claim AS
WITH c AS (
  SELECT c.*,
         CASE WHEN c.claim_type IN ('carrier', 'dme') THEN 'professional' ELSE 'institutional' END AS kind
  FROM public.claims c
  WHERE c.is_final AND c.claim_type <> 'pde'
),
lines AS (
  SELECT c.*,
         l.line_number,
         l.product_system, l.product_code, l.modifiers, l.revenue_code, l.place_of_service,
         l.service_start, l.service_end, l.quantity, l.rendering_npi,
         l.submitted_amount AS line_charge, l.allowed_amount AS line_allowed, l.paid_amount AS line_paid,
         row_number() OVER (PARTITION BY c.claim_id ORDER BY l.line_number)::int AS claim_line_number,
         -- Professional line payments are used when they add up to the claim payment (real CCW
         -- carrier and DME claims); otherwise the claim payment goes on the first line.
         sum(l.paid_amount) OVER (PARTITION BY c.claim_id) IS NOT DISTINCT FROM c.payment_amount AS lines_add_up
  FROM c
  LEFT JOIN public.claim_lines l ON l.claim_id = c.claim_id
)
SELECT l.claim_id::varchar AS claim_id,
       l.claim_line_number::integer AS claim_line_number,
       l.kind::varchar AS claim_type,
       l.patient_id::varchar AS person_id,
       l.patient_id::varchar AS member_id,
       'medicare'::varchar AS payer,
       (CASE WHEN l.part IS NULL THEN 'medicare' ELSE 'medicare part ' || lower(l.part) END)::varchar AS plan,
       l.billable_start::date AS claim_start_date,
       l.billable_end::date AS claim_end_date,
       l.service_start::date AS claim_line_start_date,
       l.service_end::date AS claim_line_end_date,
       l.admission_start::date AS admission_date,
       l.admission_end::date AS discharge_date,
       l.admission_source_code::varchar AS admit_source_code,
       l.admission_type_code::varchar AS admit_type_code,
       (CASE WHEN l.kind = 'institutional' THEN lpad(l.discharge_status, 2, '0') END)::varchar AS discharge_disposition_code,
       (CASE WHEN l.kind = 'professional' THEN lpad(l.place_of_service, 2, '0') END)::varchar AS place_of_service_code,
       l.bill_type_code::varchar AS bill_type_code,
       (CASE WHEN l.drg_code IS NOT NULL THEN 'ms-drg' END)::varchar AS drg_code_type,
       lpad(l.drg_code, 3, '0')::varchar AS drg_code,
       (CASE WHEN l.kind = 'institutional' THEN lpad(l.revenue_code, 4, '0') END)::varchar AS revenue_center_code,
       l.quantity::numeric AS service_unit_quantity,
       (CASE WHEN l.product_system ILIKE '%ndc%' THEN NULL ELSE l.product_code END)::varchar AS hcpcs_code,
       l.modifiers[1]::varchar AS hcpcs_modifier_1,
       l.modifiers[2]::varchar AS hcpcs_modifier_2,
       l.modifiers[3]::varchar AS hcpcs_modifier_3,
       l.modifiers[4]::varchar AS hcpcs_modifier_4,
       l.modifiers[5]::varchar AS hcpcs_modifier_5,
       COALESCE(l.rendering_npi, CASE WHEN l.kind = 'institutional' THEN l.attending_npi END)::varchar AS rendering_npi,
       NULL::varchar AS rendering_tin,
       l.provider_npi::varchar AS billing_npi,
       NULL::varchar AS billing_tin,
       (CASE WHEN l.kind = 'institutional' THEN l.provider_npi END)::varchar AS facility_npi,
       l.paid_date::date AS paid_date,
       (CASE
          WHEN l.kind = 'professional' AND l.lines_add_up THEN l.line_paid
          WHEN l.claim_line_number = 1 THEN l.payment_amount
        END)::double precision AS paid_amount,
       (CASE
          WHEN l.kind = 'professional' THEN l.line_allowed
          WHEN l.claim_line_number = 1 THEN l.allowed_amount
        END)::double precision AS allowed_amount,
       (CASE
          WHEN l.kind = 'professional' THEN l.line_charge
          WHEN l.claim_line_number = 1 THEN l.submitted_amount
        END)::double precision AS charge_amount,
       (CASE
          WHEN l.kind = 'professional' THEN adj.coinsurance
          WHEN l.claim_line_number = 1 THEN fin.coinsurance
        END)::double precision AS coinsurance_amount,
       NULL::double precision AS copayment_amount,
       (CASE
          WHEN l.kind = 'professional' THEN adj.deductible
          WHEN l.claim_line_number = 1 THEN fin.deductible
        END)::double precision AS deductible_amount,
       NULL::double precision AS total_cost_amount,
       (CASE
          WHEN dx.first_system ILIKE '%icd-10%' OR dx.first_system ILIKE '%icd10%' THEN 'icd-10-cm'
          WHEN dx.first_system ILIKE '%icd-9%' OR dx.first_system ILIKE '%icd9%' THEN 'icd-9-cm'
          WHEN dx.codes IS NULL THEN NULL
          WHEN COALESCE(l.billable_end, l.billable_start) < DATE '2015-10-01' THEN 'icd-9-cm'
          ELSE 'icd-10-cm'
        END)::varchar AS diagnosis_code_type,
       dx.codes[1]::varchar AS diagnosis_code_1,
       dx.codes[2]::varchar AS diagnosis_code_2,
       dx.codes[3]::varchar AS diagnosis_code_3,
       dx.codes[4]::varchar AS diagnosis_code_4,
       dx.codes[5]::varchar AS diagnosis_code_5,
       dx.codes[6]::varchar AS diagnosis_code_6,
       dx.codes[7]::varchar AS diagnosis_code_7,
       dx.codes[8]::varchar AS diagnosis_code_8,
       dx.codes[9]::varchar AS diagnosis_code_9,
       dx.codes[10]::varchar AS diagnosis_code_10,
       dx.codes[11]::varchar AS diagnosis_code_11,
       dx.codes[12]::varchar AS diagnosis_code_12,
       dx.codes[13]::varchar AS diagnosis_code_13,
       dx.codes[14]::varchar AS diagnosis_code_14,
       dx.codes[15]::varchar AS diagnosis_code_15,
       dx.codes[16]::varchar AS diagnosis_code_16,
       dx.codes[17]::varchar AS diagnosis_code_17,
       dx.codes[18]::varchar AS diagnosis_code_18,
       dx.codes[19]::varchar AS diagnosis_code_19,
       dx.codes[20]::varchar AS diagnosis_code_20,
       dx.codes[21]::varchar AS diagnosis_code_21,
       dx.codes[22]::varchar AS diagnosis_code_22,
       dx.codes[23]::varchar AS diagnosis_code_23,
       dx.codes[24]::varchar AS diagnosis_code_24,
       dx.codes[25]::varchar AS diagnosis_code_25,
       dx.poa[1]::varchar AS diagnosis_poa_1,
       dx.poa[2]::varchar AS diagnosis_poa_2,
       dx.poa[3]::varchar AS diagnosis_poa_3,
       dx.poa[4]::varchar AS diagnosis_poa_4,
       dx.poa[5]::varchar AS diagnosis_poa_5,
       dx.poa[6]::varchar AS diagnosis_poa_6,
       dx.poa[7]::varchar AS diagnosis_poa_7,
       dx.poa[8]::varchar AS diagnosis_poa_8,
       dx.poa[9]::varchar AS diagnosis_poa_9,
       dx.poa[10]::varchar AS diagnosis_poa_10,
       dx.poa[11]::varchar AS diagnosis_poa_11,
       dx.poa[12]::varchar AS diagnosis_poa_12,
       dx.poa[13]::varchar AS diagnosis_poa_13,
       dx.poa[14]::varchar AS diagnosis_poa_14,
       dx.poa[15]::varchar AS diagnosis_poa_15,
       dx.poa[16]::varchar AS diagnosis_poa_16,
       dx.poa[17]::varchar AS diagnosis_poa_17,
       dx.poa[18]::varchar AS diagnosis_poa_18,
       dx.poa[19]::varchar AS diagnosis_poa_19,
       dx.poa[20]::varchar AS diagnosis_poa_20,
       dx.poa[21]::varchar AS diagnosis_poa_21,
       dx.poa[22]::varchar AS diagnosis_poa_22,
       dx.poa[23]::varchar AS diagnosis_poa_23,
       dx.poa[24]::varchar AS diagnosis_poa_24,
       dx.poa[25]::varchar AS diagnosis_poa_25,
       (CASE
          WHEN px.first_system ILIKE '%icd-10%' OR px.first_system ILIKE '%icd10%' THEN 'icd-10-pcs'
          WHEN px.first_system ILIKE '%icd-9%' OR px.first_system ILIKE '%icd9%' THEN 'icd-9-pcs'
          WHEN px.codes IS NULL THEN NULL
          WHEN COALESCE(l.billable_end, l.billable_start) < DATE '2015-10-01' THEN 'icd-9-pcs'
          ELSE 'icd-10-pcs'
        END)::varchar AS procedure_code_type,
       px.codes[1]::varchar AS procedure_code_1,
       px.codes[2]::varchar AS procedure_code_2,
       px.codes[3]::varchar AS procedure_code_3,
       px.codes[4]::varchar AS procedure_code_4,
       px.codes[5]::varchar AS procedure_code_5,
       px.codes[6]::varchar AS procedure_code_6,
       px.codes[7]::varchar AS procedure_code_7,
       px.codes[8]::varchar AS procedure_code_8,
       px.codes[9]::varchar AS procedure_code_9,
       px.codes[10]::varchar AS procedure_code_10,
       px.codes[11]::varchar AS procedure_code_11,
       px.codes[12]::varchar AS procedure_code_12,
       px.codes[13]::varchar AS procedure_code_13,
       px.codes[14]::varchar AS procedure_code_14,
       px.codes[15]::varchar AS procedure_code_15,
       px.codes[16]::varchar AS procedure_code_16,
       px.codes[17]::varchar AS procedure_code_17,
       px.codes[18]::varchar AS procedure_code_18,
       px.codes[19]::varchar AS procedure_code_19,
       px.codes[20]::varchar AS procedure_code_20,
       px.codes[21]::varchar AS procedure_code_21,
       px.codes[22]::varchar AS procedure_code_22,
       px.codes[23]::varchar AS procedure_code_23,
       px.codes[24]::varchar AS procedure_code_24,
       px.codes[25]::varchar AS procedure_code_25,
       px.dates[1]::date AS procedure_date_1,
       px.dates[2]::date AS procedure_date_2,
       px.dates[3]::date AS procedure_date_3,
       px.dates[4]::date AS procedure_date_4,
       px.dates[5]::date AS procedure_date_5,
       px.dates[6]::date AS procedure_date_6,
       px.dates[7]::date AS procedure_date_7,
       px.dates[8]::date AS procedure_date_8,
       px.dates[9]::date AS procedure_date_9,
       px.dates[10]::date AS procedure_date_10,
       px.dates[11]::date AS procedure_date_11,
       px.dates[12]::date AS procedure_date_12,
       px.dates[13]::date AS procedure_date_13,
       px.dates[14]::date AS procedure_date_14,
       px.dates[15]::date AS procedure_date_15,
       px.dates[16]::date AS procedure_date_16,
       px.dates[17]::date AS procedure_date_17,
       px.dates[18]::date AS procedure_date_18,
       px.dates[19]::date AS procedure_date_19,
       px.dates[20]::date AS procedure_date_20,
       px.dates[21]::date AS procedure_date_21,
       px.dates[22]::date AS procedure_date_22,
       px.dates[23]::date AS procedure_date_23,
       px.dates[24]::date AS procedure_date_24,
       px.dates[25]::date AS procedure_date_25,
       NULL::boolean AS in_network_flag,
       'bluebutton'::varchar AS data_source,
       ('ExplanationOfBenefit/' || l.claim_id)::varchar AS file_name,
       (l.loaded_at AT TIME ZONE 'UTC')::date AS file_date,
       (l.loaded_at AT TIME ZONE 'UTC')::timestamp AS ingest_datetime
FROM lines l
LEFT JOIN LATERAL (
  SELECT sum(a.amount) FILTER (WHERE a.variable IN ('line_coinsrnc_amt', 'CLM_LINE_MDCR_COINSRNC_AMT')) AS coinsurance,
         sum(a.amount) FILTER (WHERE a.variable IN ('line_bene_ptb_ddctbl_amt', 'CLM_LINE_MDCR_DDCTBL_AMT')) AS deductible
  FROM public.claim_line_adjudications a
  WHERE l.kind = 'professional' AND a.claim_id = l.claim_id AND a.line_number = l.line_number
) adj ON true
LEFT JOIN LATERAL (
  SELECT sum(f.amount) FILTER (WHERE f.variable IN ('nch_bene_pta_coinsrnc_lblty_amt', 'nch_bene_ptb_coinsrnc_amt',
                                                    'CLM_MDCR_COINSRNC_AMT')) AS coinsurance,
         sum(f.amount) FILTER (WHERE f.variable IN ('nch_bene_ip_ddctbl_amt', 'nch_bene_ptb_ddctbl_amt',
                                                    'nch_bene_blood_ddctbl_lblty_am', 'CLM_MDCR_IP_BENE_DDCTBL_AMT',
                                                    'CLM_MDCR_DDCTBL_AMT', 'CLM_BLOOD_LBLTY_AMT')) AS deductible
  FROM public.claim_financials f
  WHERE l.kind = 'institutional' AND l.claim_line_number = 1 AND f.claim_id = l.claim_id
) fin ON true
LEFT JOIN LATERAL (
  SELECT (array_agg(replace(d.code, '.', '') ORDER BY d.diagnosis_type = 'principal' DESC, d.sequence))[1:25] AS codes,
         (array_agg(d.present_on_admission ORDER BY d.diagnosis_type = 'principal' DESC, d.sequence))[1:25] AS poa,
         (array_agg(d.system ORDER BY d.diagnosis_type = 'principal' DESC, d.sequence))[1] AS first_system
  FROM public.claim_diagnoses d
  WHERE d.claim_id = l.claim_id AND d.code IS NOT NULL
) dx ON true
LEFT JOIN LATERAL (
  SELECT (array_agg(replace(p.code, '.', '') ORDER BY p.sequence))[1:25] AS codes,
         (array_agg(p.performed_on ORDER BY p.sequence))[1:25] AS dates,
         (array_agg(p.system ORDER BY p.sequence))[1] AS first_system
  FROM public.claim_procedures p
  WHERE p.claim_id = l.claim_id AND p.code IS NOT NULL
) px ON true;
--> statement-breakpoint
CREATE VIEW tuva_input.pharmacy_claim AS
SELECT c.claim_id::varchar AS claim_id,
       (row_number() OVER (PARTITION BY c.claim_id ORDER BY l.line_number))::integer AS claim_line_number,
       c.patient_id::varchar AS person_id,
       c.patient_id::varchar AS member_id,
       'medicare'::varchar AS payer,
       'medicare part d'::varchar AS plan,
       c.prescriber_npi::varchar AS prescribing_provider_npi,
       c.provider_npi::varchar AS dispensing_provider_npi,
       COALESCE(c.billable_start, l.service_start)::date AS dispensing_date,
       l.product_code::varchar AS ndc_code,
       round(l.quantity)::integer AS quantity,
       c.days_supply::integer AS days_supply,
       c.fill_number::integer AS refills,
       c.paid_date::date AS paid_date,
       l.paid_amount::double precision AS paid_amount,
       l.submitted_amount::double precision AS allowed_amount,
       NULL::double precision AS charge_amount,
       NULL::double precision AS coinsurance_amount,
       l.patient_responsibility_amount::double precision AS copayment_amount,
       NULL::double precision AS deductible_amount,
       NULL::boolean AS in_network_flag,
       'bluebutton'::varchar AS data_source,
       ('ExplanationOfBenefit/' || c.claim_id)::varchar AS file_name,
       (c.loaded_at AT TIME ZONE 'UTC')::date AS file_date,
       (c.loaded_at AT TIME ZONE 'UTC')::timestamp AS ingest_datetime
FROM public.claims c
LEFT JOIN public.claim_lines l ON l.claim_id = c.claim_id
WHERE c.is_final AND c.claim_type = 'pde';
--> statement-breakpoint
CREATE VIEW tuva_input.eligibility AS
SELECT s.patient_id::varchar AS person_id,
       s.patient_id::varchar AS member_id,
       cov.subscriber_id::varchar AS subscriber_id,
       (CASE p.gender WHEN 'male' THEN 'male' WHEN 'female' THEN 'female' ELSE 'unknown' END)::varchar AS gender,
       (CASE p.race_code
          WHEN '0' THEN 'unknown'
          WHEN '1' THEN 'white'
          WHEN '2' THEN 'black or african american'
          WHEN '3' THEN 'other race'
          WHEN '4' THEN 'asian'
          WHEN '5' THEN 'other race'
          WHEN '6' THEN 'american indian or alaska native'
        END)::varchar AS race,
       p.birth_date::date AS birth_date,
       p.deceased_at::date AS death_date,
       (CASE WHEN p.patient_id IS NULL THEN NULL ELSE p.deceased_at IS NOT NULL END)::boolean AS death_flag,
       s.span_start::date AS enrollment_start_date,
       s.span_end::date AS enrollment_end_date,
       'medicare'::varchar AS payer,
       'medicare'::varchar AS payer_type,
       ('medicare part ' || lower(s.part))::varchar AS plan,
       NULL::varchar AS original_reason_entitlement_code,
       cov.dual_status_code::varchar AS dual_status_code,
       cov.medicare_status_code::varchar AS medicare_status_code,
       NULL::varchar AS enrollment_status,
       NULL::integer AS hospice_flag,
       NULL::integer AS institutional_snp_flag,
       NULL::integer AS long_term_institutional_flag,
       NULL::varchar AS group_id,
       NULL::varchar AS group_name,
       NULL::varchar AS name_suffix,
       p.given_name::varchar AS first_name,
       p.middle_initial::varchar AS middle_name,
       p.family_name::varchar AS last_name,
       NULL::varchar AS social_security_number,
       'self'::varchar AS subscriber_relation,
       NULL::varchar AS address,
       NULL::varchar AS city,
       p.state::varchar AS state,
       p.postal_code::varchar AS zip_code,
       NULL::varchar AS phone,
       NULL::varchar AS email,
       NULL::varchar AS ethnicity,
       'bluebutton'::varchar AS data_source,
       ('Coverage/' || cov.coverage_id)::varchar AS file_name,
       (cov.loaded_at AT TIME ZONE 'UTC')::date AS file_date,
       (cov.loaded_at AT TIME ZONE 'UTC')::timestamp AS ingest_datetime
FROM public.enrollment_spans s
LEFT JOIN public.patients p ON p.patient_id = s.patient_id
LEFT JOIN LATERAL (
  SELECT c.coverage_id, c.subscriber_id, c.dual_status_code, c.medicare_status_code, c.loaded_at
  FROM public.coverages c
  WHERE c.patient_id = s.patient_id AND c.part = s.part
  ORDER BY c.reference_year DESC NULLS LAST, c.coverage_id
  LIMIT 1
) cov ON true;
--> statement-breakpoint
COMMENT ON VIEW tuva_input.medical_claim IS 'Tuva input layer medical_claim (The Tuva Project v0.18.0 contract): one row per claim line of every final (claims.is_final) carrier, DME, inpatient, outpatient, SNF, HHA and hospice claim; a claim without lines gets one row. Grain claim_id + claim_line_number + data_source. Amounts: professional claims (carrier, DME) per line; institutional claims carry their claim-level amounts on line 1 (as Tuva''s Medicare CCLF connector does), so sum(paid_amount) equals claims.payment_amount over final claims. Mapping and the columns left NULL: docs/tuva.md.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.claim_id IS 'claims.claim_id (the EOB id, unique across claim types).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.claim_line_number IS 'Position of the line in the claim, 1..n in claim_lines.line_number order (Tuva requires sequential numbers from 1; equals item.sequence when BB2 numbers lines 1..n).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.claim_type IS 'professional (carrier, DME) or institutional (inpatient, outpatient, SNF, HHA, hospice), from claims.claim_type.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.person_id IS 'claims.patient_id (the BB2 patient id).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.member_id IS 'claims.patient_id (Medicare has one member per beneficiary).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.payer IS 'Always medicare.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.plan IS 'medicare part a / b / c / d from claims.part (the Coverage the claim is billed to); medicare when BB2 names none. Matches tuva_input.eligibility.plan.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.claim_start_date IS 'claims.billable_start (claim from date).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.claim_end_date IS 'claims.billable_end (claim through date).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.claim_line_start_date IS 'claim_lines.service_start (institutional lines without their own date carry the claim period).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.claim_line_end_date IS 'claim_lines.service_end.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.admission_date IS 'claims.admission_start (inpatient and SNF).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.discharge_date IS 'claims.admission_end (inpatient and SNF).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.admit_source_code IS 'claims.admission_source_code (clm_src_ip_admsn_cd).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.admit_type_code IS 'claims.admission_type_code (clm_ip_admsn_type_cd).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.discharge_disposition_code IS 'claims.discharge_status (ptnt_dschrg_stus_cd), two characters with a leading zero; institutional claims only.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.place_of_service_code IS 'claim_lines.place_of_service (line_place_of_srvc_cd), two characters; professional claims only.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.bill_type_code IS 'claims.bill_type_code: facility type + service classification + frequency, institutional claims.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.drg_code_type IS 'ms-drg whenever drg_code is set (Medicare inpatient DRGs are MS-DRGs).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.drg_code IS 'claims.drg_code (clm_drg_cd), three characters with leading zeros.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.revenue_center_code IS 'claim_lines.revenue_code (rev_cntr), four characters with leading zeros; institutional claims only.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.service_unit_quantity IS 'claim_lines.quantity (line_srvc_cnt / rev_cntr_unit_cnt).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.hcpcs_code IS 'claim_lines.product_code when it is a HCPCS/CPT code (not an NDC).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.rendering_npi IS 'claim_lines.rendering_npi (careTeam performing provider of the line); institutional claims without one take claims.attending_npi. Not always a 10-digit NPI in synthetic data.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.rendering_tin IS 'NULL: BB2 does not send provider tax numbers.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.billing_npi IS 'claims.provider_npi: the billing provider (carrier/DME) or the billing institution (org_npi_num).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.billing_tin IS 'NULL: BB2 does not send provider tax numbers.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.facility_npi IS 'claims.provider_npi for institutional claims (the institution); NULL for professional claims.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.paid_date IS 'NULL: BB2 sends a paid date only for PDE events (see pharmacy_claim).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.paid_amount IS 'What Medicare paid. Professional: the line payment (line_nch_pmt_amt) when the claim lines add up to claims.payment_amount, else the claim payment on line 1 (synthetic data whose lines do not add up; quality check line_paid_not_claim_paid counts them). Institutional: claims.payment_amount (clm_pmt_amt) on line 1, NULL on the other lines.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.allowed_amount IS 'Professional: claim_lines.allowed_amount (line_alowd_chrg_amt). Institutional: claims.allowed_amount on line 1 (v3 only; v2 institutional claims have none).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.charge_amount IS 'Professional: claim_lines.submitted_amount (line_sbmtd_chrg_amt). Institutional: claims.submitted_amount (clm_tot_chrg_amt) on line 1: revenue-center charges are not summed because the 0001 line already totals them.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.coinsurance_amount IS 'Professional: line_coinsrnc_amt (v3 CLM_LINE_MDCR_COINSRNC_AMT). Institutional, on line 1: nch_bene_pta_coinsrnc_lblty_amt or nch_bene_ptb_coinsrnc_amt (v3 CLM_MDCR_COINSRNC_AMT).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.copayment_amount IS 'NULL: Medicare Part A/B claims carry deductible and coinsurance, no copayment.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.deductible_amount IS 'Professional: line_bene_ptb_ddctbl_amt (v3 CLM_LINE_MDCR_DDCTBL_AMT). Institutional, on line 1: nch_bene_ip_ddctbl_amt or nch_bene_ptb_ddctbl_amt plus the blood deductible nch_bene_blood_ddctbl_lblty_am (v3 CLM_MDCR_IP_BENE_DDCTBL_AMT, CLM_MDCR_DDCTBL_AMT, CLM_BLOOD_LBLTY_AMT).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.total_cost_amount IS 'NULL: left to Tuva (paid + cost sharing).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_type IS 'icd-10-cm or icd-9-cm from the code system of the first diagnosis; when the system names no version, by claim date (before 2015-10-01: icd-9-cm).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_type IS 'icd-10-pcs or icd-9-pcs from the code system of the first procedure; when the system names no version, by claim date.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.in_network_flag IS 'NULL: Medicare fee-for-service has no network.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.data_source IS 'Always bluebutton.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.file_name IS 'The source resource: ExplanationOfBenefit/<claim_id> (its raw JSON is in fhir_resources).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.file_date IS 'The UTC date the claim row was loaded (claims.loaded_at).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.ingest_datetime IS 'When the claim row was loaded, UTC (claims.loaded_at).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.hcpcs_modifier_1 IS 'claim_lines.modifiers[1] (HCPCS modifier 1).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.hcpcs_modifier_2 IS 'claim_lines.modifiers[2] (HCPCS modifier 2).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.hcpcs_modifier_3 IS 'claim_lines.modifiers[3] (HCPCS modifier 3).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.hcpcs_modifier_4 IS 'claim_lines.modifiers[4] (HCPCS modifier 4).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.hcpcs_modifier_5 IS 'claim_lines.modifiers[5] (HCPCS modifier 5).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_1 IS 'Diagnosis 1 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_1 IS 'Present-on-admission indicator of diagnosis 1 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_1 IS 'ICD procedure 1 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_1 IS 'Date of procedure 1 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_2 IS 'Diagnosis 2 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_2 IS 'Present-on-admission indicator of diagnosis 2 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_2 IS 'ICD procedure 2 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_2 IS 'Date of procedure 2 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_3 IS 'Diagnosis 3 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_3 IS 'Present-on-admission indicator of diagnosis 3 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_3 IS 'ICD procedure 3 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_3 IS 'Date of procedure 3 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_4 IS 'Diagnosis 4 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_4 IS 'Present-on-admission indicator of diagnosis 4 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_4 IS 'ICD procedure 4 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_4 IS 'Date of procedure 4 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_5 IS 'Diagnosis 5 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_5 IS 'Present-on-admission indicator of diagnosis 5 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_5 IS 'ICD procedure 5 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_5 IS 'Date of procedure 5 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_6 IS 'Diagnosis 6 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_6 IS 'Present-on-admission indicator of diagnosis 6 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_6 IS 'ICD procedure 6 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_6 IS 'Date of procedure 6 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_7 IS 'Diagnosis 7 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_7 IS 'Present-on-admission indicator of diagnosis 7 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_7 IS 'ICD procedure 7 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_7 IS 'Date of procedure 7 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_8 IS 'Diagnosis 8 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_8 IS 'Present-on-admission indicator of diagnosis 8 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_8 IS 'ICD procedure 8 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_8 IS 'Date of procedure 8 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_9 IS 'Diagnosis 9 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_9 IS 'Present-on-admission indicator of diagnosis 9 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_9 IS 'ICD procedure 9 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_9 IS 'Date of procedure 9 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_10 IS 'Diagnosis 10 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_10 IS 'Present-on-admission indicator of diagnosis 10 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_10 IS 'ICD procedure 10 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_10 IS 'Date of procedure 10 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_11 IS 'Diagnosis 11 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_11 IS 'Present-on-admission indicator of diagnosis 11 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_11 IS 'ICD procedure 11 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_11 IS 'Date of procedure 11 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_12 IS 'Diagnosis 12 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_12 IS 'Present-on-admission indicator of diagnosis 12 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_12 IS 'ICD procedure 12 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_12 IS 'Date of procedure 12 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_13 IS 'Diagnosis 13 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_13 IS 'Present-on-admission indicator of diagnosis 13 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_13 IS 'ICD procedure 13 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_13 IS 'Date of procedure 13 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_14 IS 'Diagnosis 14 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_14 IS 'Present-on-admission indicator of diagnosis 14 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_14 IS 'ICD procedure 14 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_14 IS 'Date of procedure 14 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_15 IS 'Diagnosis 15 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_15 IS 'Present-on-admission indicator of diagnosis 15 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_15 IS 'ICD procedure 15 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_15 IS 'Date of procedure 15 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_16 IS 'Diagnosis 16 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_16 IS 'Present-on-admission indicator of diagnosis 16 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_16 IS 'ICD procedure 16 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_16 IS 'Date of procedure 16 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_17 IS 'Diagnosis 17 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_17 IS 'Present-on-admission indicator of diagnosis 17 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_17 IS 'ICD procedure 17 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_17 IS 'Date of procedure 17 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_18 IS 'Diagnosis 18 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_18 IS 'Present-on-admission indicator of diagnosis 18 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_18 IS 'ICD procedure 18 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_18 IS 'Date of procedure 18 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_19 IS 'Diagnosis 19 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_19 IS 'Present-on-admission indicator of diagnosis 19 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_19 IS 'ICD procedure 19 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_19 IS 'Date of procedure 19 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_20 IS 'Diagnosis 20 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_20 IS 'Present-on-admission indicator of diagnosis 20 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_20 IS 'ICD procedure 20 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_20 IS 'Date of procedure 20 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_21 IS 'Diagnosis 21 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_21 IS 'Present-on-admission indicator of diagnosis 21 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_21 IS 'ICD procedure 21 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_21 IS 'Date of procedure 21 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_22 IS 'Diagnosis 22 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_22 IS 'Present-on-admission indicator of diagnosis 22 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_22 IS 'ICD procedure 22 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_22 IS 'Date of procedure 22 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_23 IS 'Diagnosis 23 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_23 IS 'Present-on-admission indicator of diagnosis 23 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_23 IS 'ICD procedure 23 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_23 IS 'Date of procedure 23 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_24 IS 'Diagnosis 24 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_24 IS 'Present-on-admission indicator of diagnosis 24 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_24 IS 'ICD procedure 24 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_24 IS 'Date of procedure 24 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_code_25 IS 'Diagnosis 25 of the claim (claim_diagnoses: the principal first, then by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.diagnosis_poa_25 IS 'Present-on-admission indicator of diagnosis 25 (claim_diagnoses.present_on_admission).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_code_25 IS 'ICD procedure 25 of the claim (claim_procedures by sequence), without dots.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.medical_claim.procedure_date_25 IS 'Date of procedure 25 (claim_procedures.performed_on).';
--> statement-breakpoint
COMMENT ON VIEW tuva_input.pharmacy_claim IS 'Tuva input layer pharmacy_claim (The Tuva Project v0.18.0 contract): one row per line of every final Part D event (claims.is_final: not superseded, not cancelled, not a PDE deletion). Grain claim_id + claim_line_number + data_source. Mapping: docs/tuva.md.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.claim_id IS 'claims.claim_id (the PDE EOB id).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.claim_line_number IS 'Position of the line in the event, 1..n.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.person_id IS 'claims.patient_id.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.member_id IS 'claims.patient_id.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.payer IS 'Always medicare.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.plan IS 'Always medicare part d (matches tuva_input.eligibility.plan).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.prescribing_provider_npi IS 'claims.prescriber_npi (prscrbr_id).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.dispensing_provider_npi IS 'claims.provider_npi (the pharmacy, srvc_prvdr_id).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.dispensing_date IS 'claims.billable_start (srvc_dt), else the line date for 2020-era PDEs without a billable period.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.ndc_code IS 'claim_lines.product_code (the 11-digit NDC BB2 sends).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.quantity IS 'claim_lines.quantity (qty_dspnsd_num) rounded to a whole number, as the contract types it integer; claim_lines keeps the exact value.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.days_supply IS 'claims.days_supply (days_suply_num).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.refills IS 'claims.fill_number (fill_num: 0 original fill, 1.. the refill number).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.paid_date IS 'claims.paid_date (pd_dt).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.paid_amount IS 'What the Part D plan paid: claim_lines.paid_amount (cvrd_d_plan_pd_amt); sums to claims.payment_amount.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.allowed_amount IS 'Gross drug cost: claim_lines.submitted_amount (tot_rx_cst_amt), the negotiated price all payers and the beneficiary share.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.charge_amount IS 'NULL: a PDE carries the negotiated gross drug cost (allowed_amount), not a billed charge.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.coinsurance_amount IS 'NULL: the PDE does not split what the beneficiary paid (see copayment_amount).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.copayment_amount IS 'Everything the beneficiary paid at the pharmacy: claim_lines.patient_responsibility_amount (ptnt_pay_amt: deductible, coinsurance and copayment together).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.deductible_amount IS 'NULL: the PDE does not split what the beneficiary paid (see copayment_amount).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.in_network_flag IS 'NULL: not in BB2 data.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.data_source IS 'Always bluebutton.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.file_name IS 'The source resource: ExplanationOfBenefit/<claim_id>.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.file_date IS 'The UTC date the claim row was loaded.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.pharmacy_claim.ingest_datetime IS 'When the claim row was loaded, UTC.';
--> statement-breakpoint
COMMENT ON VIEW tuva_input.eligibility IS 'Tuva input layer eligibility (The Tuva Project v0.18.0 contract): one row per enrollment span (public.enrollment_spans: contiguous enrolled months of one Medicare part, contract and plan), with the beneficiary''s demographics. Grain person_id + member_id + enrollment dates + payer + plan + data_source. Mapping: docs/tuva.md.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.person_id IS 'The BB2 patient id.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.member_id IS 'The BB2 patient id.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.subscriber_id IS 'coverages.subscriber_id of the span''s part.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.gender IS 'patients.gender mapped to male, female or unknown (unknown also when there is no Patient row: the demographics scope was withheld).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.race IS 'patients.race_code (CCW race) mapped to Tuva race values as its Medicare LDS connector does (0 unknown, 1 white, 2 black or african american, 3 and 5 other race, 4 asian, 6 american indian or alaska native).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.birth_date IS 'patients.birth_date.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.death_date IS 'patients.deceased_at.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.death_flag IS 'True when patients.deceased_at is set; NULL without a Patient row.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.enrollment_start_date IS 'enrollment_spans.span_start (first day of the first month).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.enrollment_end_date IS 'enrollment_spans.span_end (last day of the last month).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.payer IS 'Always medicare.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.payer_type IS 'Always medicare.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.plan IS 'medicare part a, b, c or d: the span''s part. Part C/D contract and plan benefit package are in public.enrollment_spans.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.original_reason_entitlement_code IS 'NULL: orec is in the raw Coverage but not normalized yet; Tuva falls back to medicare_status_code.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.dual_status_code IS 'coverages.dual_status_code: the latest month of the part''s Coverage (synthetic data sends non-standard values such as AA and **).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.medicare_status_code IS 'coverages.medicare_status_code (ms_cd) of the part.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.enrollment_status IS 'NULL: Tuva derives it.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.hospice_flag IS 'NULL: Tuva derives it.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.institutional_snp_flag IS 'NULL: not in BB2 data.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.long_term_institutional_flag IS 'NULL: not in BB2 data.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.group_id IS 'NULL: Medicare has no employer group.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.group_name IS 'NULL: Medicare has no employer group.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.name_suffix IS 'NULL: not in BB2 data.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.first_name IS 'patients.given_name (demographics scope only).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.middle_name IS 'patients.middle_initial.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.last_name IS 'patients.family_name.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.social_security_number IS 'NULL: BB2 never sends it.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.subscriber_relation IS 'Always self.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.address IS 'NULL: BB2 sends no street address.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.city IS 'NULL: BB2 sends no city.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.state IS 'patients.state as BB2 sends it (USPS code, or an SSA numeric code in synthetic data).';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.zip_code IS 'patients.postal_code.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.phone IS 'NULL: not in BB2 data.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.email IS 'NULL: not in BB2 data.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.ethnicity IS 'NULL: not in BB2 data.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.data_source IS 'Always bluebutton.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.file_name IS 'The source resource: Coverage/<coverage_id>.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.file_date IS 'The UTC date the Coverage row was loaded.';
--> statement-breakpoint
COMMENT ON COLUMN tuva_input.eligibility.ingest_datetime IS 'When the Coverage row was loaded, UTC.';
