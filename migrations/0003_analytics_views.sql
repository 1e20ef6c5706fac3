-- The analytics layer: views analysts query with plain SQL, and a comment on every table, view
-- and column (docs/data-dictionary.md is generated from these comments: `npm run docs:dictionary`).
--
-- Only current data: the sync deletes a claim BB2 no longer returns (its child rows go with it,
-- ON DELETE CASCADE), so every view over `claims` is current by construction.
--
-- The date a claim counts in ("service date") is its billable period start (billablePeriod.start,
-- the claim from-date; for PDE the fill date). The 2020-era PDEs carry no billablePeriod: for
-- them it is the earliest line date (item.servicedDate). The `undated` subquery finds those few
-- claims through claims_billable_start_idx (billable_start IS NULL), so the views never probe the
-- lines of dated claims.

CREATE VIEW claims_monthly AS
SELECT c.patient_id,
       date_trunc('month', COALESCE(c.billable_start, undated.first_line_date)::timestamp)::date AS month,
       c.claim_type,
       count(*) AS claim_count,
       sum(c.submitted_amount) AS submitted_amount,
       sum(c.allowed_amount) AS allowed_amount,
       sum(c.payment_amount) AS medicare_paid_amount,
       sum(c.patient_responsibility_amount) AS patient_responsibility_amount
FROM claims c
LEFT JOIN (
  SELECT l.claim_id, min(l.service_start) AS first_line_date
  FROM claims nd JOIN claim_lines l ON l.claim_id = nd.claim_id
  WHERE nd.billable_start IS NULL
  GROUP BY l.claim_id
) undated ON undated.claim_id = c.claim_id
GROUP BY 1, 2, 3;

-- Two arms so that a filter on fill_date reaches claims_type_date_idx (claim_type, billable_start):
-- a PDE's billablePeriod.start is its fill date (srvc_dt, the same as item.servicedDate). The
-- second arm holds the 2020-era PDEs without a billablePeriod, dated by their line.
CREATE VIEW drug_fills AS
SELECT c.claim_id,
       l.line_number,
       c.patient_id,
       c.billable_start AS fill_date,
       c.paid_date,
       l.product_code AS ndc,
       l.product_display AS drug_name,
       l.quantity,
       c.days_supply,
       c.fill_number,
       l.submitted_amount AS total_cost,
       l.paid_amount AS plan_paid,
       l.patient_responsibility_amount AS patient_paid,
       c.prescriber_npi,
       c.provider_npi AS pharmacy_npi
FROM claims c
JOIN claim_lines l ON l.claim_id = c.claim_id
WHERE c.claim_type = 'pde' AND c.billable_start IS NOT NULL
UNION ALL
SELECT c.claim_id, l.line_number, c.patient_id, l.service_start, c.paid_date, l.product_code,
       l.product_display, l.quantity, c.days_supply, c.fill_number, l.submitted_amount, l.paid_amount,
       l.patient_responsibility_amount, c.prescriber_npi, c.provider_npi
FROM claims c
JOIN claim_lines l ON l.claim_id = c.claim_id
WHERE c.claim_type = 'pde' AND c.billable_start IS NULL;

CREATE VIEW diagnoses_by_patient AS
SELECT c.patient_id,
       dx.code,
       dx.system,
       max(dx.display) AS display,
       CASE WHEN dx.diagnosis_type = 'principal' THEN 'principal' ELSE 'secondary' END AS role,
       count(DISTINCT dx.claim_id) AS claim_count,
       min(COALESCE(c.billable_start, undated.first_line_date)) AS first_seen,
       max(COALESCE(c.billable_start, undated.first_line_date)) AS last_seen
FROM claim_diagnoses dx
JOIN claims c ON c.claim_id = dx.claim_id
LEFT JOIN (
  SELECT l.claim_id, min(l.service_start) AS first_line_date
  FROM claims nd JOIN claim_lines l ON l.claim_id = nd.claim_id
  WHERE nd.billable_start IS NULL
  GROUP BY l.claim_id
) undated ON undated.claim_id = c.claim_id
WHERE dx.code IS NOT NULL
GROUP BY 1, 2, 3, 5;

CREATE VIEW coverage_periods AS
SELECT coverage_id,
       patient_id,
       part,
       status,
       period_start,
       period_end,
       contract_id,
       plan_id,
       dual_status_code,
       medicare_status_code,
       termination_code,
       reference_year
FROM coverages;

CREATE VIEW patient_summary AS
SELECT ids.patient_id,
       p.patient_id IS NOT NULL AS has_patient_record,
       p.birth_date,
       p.gender,
       p.race_code,
       p.race_display,
       p.state,
       p.postal_code,
       p.deceased_at,
       COALESCE(cov.coverage_parts, '{}'::text[]) AS coverage_parts,
       COALESCE(cl.claim_count, 0) AS claim_count,
       COALESCE(cl.carrier_claims, 0) AS carrier_claims,
       COALESCE(cl.dme_claims, 0) AS dme_claims,
       COALESCE(cl.hha_claims, 0) AS hha_claims,
       COALESCE(cl.hospice_claims, 0) AS hospice_claims,
       COALESCE(cl.inpatient_claims, 0) AS inpatient_claims,
       COALESCE(cl.outpatient_claims, 0) AS outpatient_claims,
       COALESCE(cl.pde_claims, 0) AS pde_claims,
       COALESCE(cl.snf_claims, 0) AS snf_claims,
       COALESCE(cl.medicare_paid_amount, 0.00) AS medicare_paid_amount,
       COALESCE(cl.part_d_plan_paid_amount, 0.00) AS part_d_plan_paid_amount,
       COALESCE(cl.total_paid_amount, 0.00) AS total_paid_amount,
       COALESCE(cl.patient_responsibility_amount, 0.00) AS patient_responsibility_amount,
       cl.first_service_date,
       cl.last_service_date,
       GREATEST(p.loaded_at, cov.last_loaded_at, cl.last_loaded_at) AS last_loaded_at,
       GREATEST(p.last_updated, cov.last_updated, cl.last_updated) AS last_updated
FROM (SELECT patient_id FROM patients
      UNION SELECT patient_id FROM coverages GROUP BY patient_id
      UNION SELECT patient_id FROM claims GROUP BY patient_id) ids
LEFT JOIN patients p ON p.patient_id = ids.patient_id
LEFT JOIN (
  SELECT patient_id,
         array_agg(DISTINCT part ORDER BY part) FILTER (WHERE status = 'active' AND part IS NOT NULL)
           AS coverage_parts,
         max(loaded_at) AS last_loaded_at,
         max(last_updated) AS last_updated
  FROM coverages
  GROUP BY patient_id
) cov ON cov.patient_id = ids.patient_id
LEFT JOIN (
  SELECT c.patient_id,
         count(*) AS claim_count,
         count(*) FILTER (WHERE c.claim_type = 'carrier') AS carrier_claims,
         count(*) FILTER (WHERE c.claim_type = 'dme') AS dme_claims,
         count(*) FILTER (WHERE c.claim_type = 'hha') AS hha_claims,
         count(*) FILTER (WHERE c.claim_type = 'hospice') AS hospice_claims,
         count(*) FILTER (WHERE c.claim_type = 'inpatient') AS inpatient_claims,
         count(*) FILTER (WHERE c.claim_type = 'outpatient') AS outpatient_claims,
         count(*) FILTER (WHERE c.claim_type = 'pde') AS pde_claims,
         count(*) FILTER (WHERE c.claim_type = 'snf') AS snf_claims,
         sum(c.payment_amount) FILTER (WHERE c.claim_type <> 'pde') AS medicare_paid_amount,
         sum(c.payment_amount) FILTER (WHERE c.claim_type = 'pde') AS part_d_plan_paid_amount,
         sum(c.payment_amount) AS total_paid_amount,
         sum(c.patient_responsibility_amount) AS patient_responsibility_amount,
         min(COALESCE(c.billable_start, undated.first_line_date)) AS first_service_date,
         max(COALESCE(c.billable_end, undated.last_line_date, c.billable_start)) AS last_service_date,
         max(c.loaded_at) AS last_loaded_at,
         max(c.last_updated) AS last_updated
  FROM claims c
  LEFT JOIN (
    SELECT l.claim_id,
           min(l.service_start) AS first_line_date,
           max(COALESCE(l.service_end, l.service_start)) AS last_line_date
    FROM claims nd JOIN claim_lines l ON l.claim_id = nd.claim_id
    WHERE nd.billable_start IS NULL
    GROUP BY l.claim_id
  ) undated ON undated.claim_id = c.claim_id
  GROUP BY c.patient_id
) cl ON cl.patient_id = ids.patient_id;

-- Planner statistics. ANALYZE samples a few thousand rows and, because a claim's child rows are
-- written together, sees each claim_id many times: on 2M lines and 11M adjudications of 300,000
-- claims it estimated 103,000 and 46,000 distinct claim_ids. Joins from claims to these tables were
-- then thought 3-6 times bigger than they are and planned as parallel scans (a beneficiary's line
-- detail took 150 ms instead of 3 ms). Fixed ratios instead: about 5 lines and 33 adjudication
-- entries per claim (the BB2 fixtures have 2.8 and 30; the volume this is sized for, 300,000
-- claims with 2M lines, 6.7 lines per claim).
ALTER TABLE claim_lines ALTER COLUMN claim_id SET (n_distinct = -0.2);
ALTER TABLE claim_line_adjudications ALTER COLUMN claim_id SET (n_distinct = -0.03);

-- ---------------------------------------------------------------------------------------------
-- Views: comments
-- ---------------------------------------------------------------------------------------------

COMMENT ON VIEW claims_monthly IS 'Claims and their money per beneficiary, calendar month and claim type: one row per (patient_id, month, claim_type) that has at least one claim.
A claim counts in the month of its service date: billablePeriod.start (the claim from-date; for PDE the fill date), or, for the 2020-era PDEs that carry no billablePeriod, the earliest line date.
Amounts are sums of the claims money columns (see the claims table); a sum is NULL when the claim type has no such amount.';
COMMENT ON COLUMN claims_monthly.patient_id IS 'The beneficiary (BFD bene_id, the Patient id).';
COMMENT ON COLUMN claims_monthly.month IS 'First day of the calendar month of the claim''s service date (billable_start; for 2020-era PDEs without one, the earliest line date).';
COMMENT ON COLUMN claims_monthly.claim_type IS 'carrier | dme | hha | hospice | inpatient | outpatient | pde | snf.';
COMMENT ON COLUMN claims_monthly.claim_count IS 'Number of claims (ExplanationOfBenefit resources) of this type with a service date in this month.';
COMMENT ON COLUMN claims_monthly.submitted_amount IS 'Total charges: sum of claims.submitted_amount.
carrier, DME: nch_carr_clm_sbmtd_chrg_amt, else the sum of line line_sbmtd_chrg_amt.
outpatient, inpatient, SNF, hospice, HHA: total clm_tot_chrg_amt.
PDE: total drugcost, else the sum of line tot_rx_cst_amt.';
COMMENT ON COLUMN claims_monthly.allowed_amount IS 'Allowed charges: sum of claims.allowed_amount.
carrier, DME: nch_carr_clm_alowd_amt, else the sum of line line_alowd_chrg_amt.
Other types: NULL (no such amount).';
COMMENT ON COLUMN claims_monthly.medicare_paid_amount IS 'What was paid for the claims: sum of claims.payment_amount.
carrier, DME, outpatient, inpatient, SNF, hospice, HHA: what Medicare paid, payment.amount (clm_pmt_amt).
PDE: what the Part D plan paid, the sum of line cvrd_d_plan_pd_amt.';
COMMENT ON COLUMN claims_monthly.patient_responsibility_amount IS 'What the beneficiary owed: sum of claims.patient_responsibility_amount.
carrier, DME: sum of line line_bene_ptb_ddctbl_amt + line_coinsrnc_amt.
outpatient: nch_bene_ptb_ddctbl_amt + nch_bene_ptb_coinsrnc_amt + nch_bene_blood_ddctbl_lblty_am.
inpatient, SNF: nch_bene_ip_ddctbl_amt + nch_bene_pta_coinsrnc_lblty_amt + nch_bene_blood_ddctbl_lblty_am.
hospice, HHA: NULL (no such amount).
PDE: sum of line ptnt_pay_amt.';

COMMENT ON VIEW drug_fills IS 'Part D prescription drug events (PDE claims), one row per fill: one row per PDE claim line (a PDE has one line).';
COMMENT ON COLUMN drug_fills.claim_id IS 'The PDE claim (EOB id, e.g. pde--1010252550).';
COMMENT ON COLUMN drug_fills.line_number IS 'The line (item.sequence) of the PDE; always 1 in BB2 data.';
COMMENT ON COLUMN drug_fills.patient_id IS 'The beneficiary (BFD bene_id).';
COMMENT ON COLUMN drug_fills.fill_date IS 'Date the prescription was filled (srvc_dt: billablePeriod.start, equal to item.servicedDate; for 2020-era PDEs without a billablePeriod, item.servicedDate).';
COMMENT ON COLUMN drug_fills.paid_date IS 'Date the plan paid (payment.date, pd_dt); often NULL in BB2 data.';
COMMENT ON COLUMN drug_fills.ndc IS 'National Drug Code, 11 digits without hyphens (productOrService, http://hl7.org/fhir/sid/ndc); placeholders such as 000000000 occur.';
COMMENT ON COLUMN drug_fills.drug_name IS 'The NDC display as BB2 sends it (e.g. "Gabapentin - GABAPENTIN"); NULL when BB2 sent none.';
COMMENT ON COLUMN drug_fills.quantity IS 'Quantity dispensed (item.quantity, qty_dspnsd_num); may be a decimal.';
COMMENT ON COLUMN drug_fills.days_supply IS 'Days supply (supportingInfo dayssupply, days_suply_num).';
COMMENT ON COLUMN drug_fills.fill_number IS 'Fill number (supportingInfo refillnum, fill_num): 0 for the original fill, then the refill number.';
COMMENT ON COLUMN drug_fills.total_cost IS 'Total drug cost of the fill: line tot_rx_cst_amt (claim_lines.submitted_amount).';
COMMENT ON COLUMN drug_fills.plan_paid IS 'What the Part D plan paid for covered drugs: line cvrd_d_plan_pd_amt (claim_lines.paid_amount).';
COMMENT ON COLUMN drug_fills.patient_paid IS 'What the beneficiary paid at the pharmacy: line ptnt_pay_amt (claim_lines.patient_responsibility_amount).';
COMMENT ON COLUMN drug_fills.prescriber_npi IS 'Prescriber identifier (careTeam role prescribing, prscrbr_id); not always a 10-digit NPI; NULL in 2020-era data.';
COMMENT ON COLUMN drug_fills.pharmacy_npi IS 'Pharmacy (service provider) NPI (provider.identifier us-npi); NULL when BB2 sent none or only a prvdr_num.';

COMMENT ON VIEW diagnoses_by_patient IS 'Diagnoses per beneficiary: one row per (patient_id, code, system, role), counting the claims that carry the code and when it was first and last seen.
role is principal when the claim typed the diagnosis principal, else secondary (secondary, other, admitting, external cause of injury, reason for visit, or untyped), so a code can appear in both roles.
Dates are claim service dates (billable_start; for claims without one, the earliest line date). Diagnoses without a code (BB2 sometimes sends an unknown-icd-version coding with no code) are left out.';
COMMENT ON COLUMN diagnoses_by_patient.patient_id IS 'The beneficiary (BFD bene_id).';
COMMENT ON COLUMN diagnoses_by_patient.code IS 'ICD-10-CM or ICD-9-CM diagnosis code, without the dot (e.g. R6889).';
COMMENT ON COLUMN diagnoses_by_patient.system IS 'Code system: http://hl7.org/fhir/sid/icd-10-cm, .../icd-10 or .../icd-9-cm.';
COMMENT ON COLUMN diagnoses_by_patient.display IS 'Description as BB2 sends it (upper case); when claims disagree, the alphabetically last one; NULL when none sent one.';
COMMENT ON COLUMN diagnoses_by_patient.role IS 'principal (the claim typed it principal) or secondary (any other position).';
COMMENT ON COLUMN diagnoses_by_patient.claim_count IS 'Number of distinct claims of this beneficiary carrying this code in this role.';
COMMENT ON COLUMN diagnoses_by_patient.first_seen IS 'Earliest service date among those claims.';
COMMENT ON COLUMN diagnoses_by_patient.last_seen IS 'Latest service date among those claims.';

COMMENT ON VIEW coverage_periods IS 'Medicare coverage per beneficiary and part (A, B, C, D): one row per Coverage resource.
Who had Part D when: WHERE part = ''D'' AND status = ''active''; a NULL period_start means BB2 did not say when it started, a NULL period_end that it has not ended (or BB2 did not say).';
COMMENT ON COLUMN coverage_periods.coverage_id IS 'The Coverage id, e.g. part-d--19990000000001.';
COMMENT ON COLUMN coverage_periods.patient_id IS 'The beneficiary (BFD bene_id).';
COMMENT ON COLUMN coverage_periods.part IS 'A, B, C (Medicare Advantage) or D (prescription drugs).';
COMMENT ON COLUMN coverage_periods.status IS 'active, or cancelled when the Part A/B termination code (a_trm_cd / b_trm_cd) is not 0; Parts C and D are always active.';
COMMENT ON COLUMN coverage_periods.period_start IS 'Coverage start (Coverage.period.start); usually present for A and B, often NULL for C and D.';
COMMENT ON COLUMN coverage_periods.period_end IS 'Coverage end (Coverage.period.end); NULL while it lasts or when BB2 did not say.';
COMMENT ON COLUMN coverage_periods.contract_id IS 'Part C contract (ptc_cntrct_id_NN) or Part D contract (ptdcntrctNN) of the latest month of the reference year that has one; NULL for A and B.';
COMMENT ON COLUMN coverage_periods.plan_id IS 'Part C or D plan benefit package (ptc_pbp_id_NN / ptdpbpidNN) of that month; NULL for A and B.';
COMMENT ON COLUMN coverage_periods.dual_status_code IS 'Medicare-Medicaid dual eligibility code (dual_NN) of the latest month that has one.';
COMMENT ON COLUMN coverage_periods.medicare_status_code IS 'Medicare status code (ms_cd), e.g. 10 aged without ESRD.';
COMMENT ON COLUMN coverage_periods.termination_code IS 'Part A/B termination code (a_trm_cd / b_trm_cd); 0 means not terminated.';
COMMENT ON COLUMN coverage_periods.reference_year IS 'The year the monthly values (contract, plan, dual status) refer to (rfrnc_yr); synthetic data has year 3.';

COMMENT ON VIEW patient_summary IS 'One row per beneficiary seen in patients, coverages or claims: demographics, Medicare parts held, claims by type, what was paid, first and last service date, and data freshness.
Claims with no Patient resource still appear (has_patient_record false, demographics NULL). Counts are 0 and amounts 0.00 for a beneficiary without claims.';
COMMENT ON COLUMN patient_summary.patient_id IS 'The beneficiary (BFD bene_id).';
COMMENT ON COLUMN patient_summary.has_patient_record IS 'True when the Patient resource was loaded (the demographics columns come from it).';
COMMENT ON COLUMN patient_summary.birth_date IS 'Date of birth (Patient.birthDate).';
COMMENT ON COLUMN patient_summary.gender IS 'male, female, other or unknown (Patient.gender).';
COMMENT ON COLUMN patient_summary.race_code IS 'CCW race code (race), e.g. 1 White, 2 Black.';
COMMENT ON COLUMN patient_summary.race_display IS 'Description of race_code as BB2 sends it.';
COMMENT ON COLUMN patient_summary.state IS 'State as BB2 sends it: a USPS code (MO) or, in synthetic data, an SSA numeric code (05).';
COMMENT ON COLUMN patient_summary.postal_code IS 'ZIP code (synthetic data: 99999).';
COMMENT ON COLUMN patient_summary.deceased_at IS 'Date of death as BB2 sends it (Patient.deceasedDateTime); synthetic data sets it even for living beneficiaries.';
COMMENT ON COLUMN patient_summary.coverage_parts IS 'Medicare parts with an active Coverage, sorted (e.g. {A,B,D}); cancelled parts are left out; empty when none.';
COMMENT ON COLUMN patient_summary.claim_count IS 'Number of claims of all types.';
COMMENT ON COLUMN patient_summary.carrier_claims IS 'Number of carrier (Part B professional) claims.';
COMMENT ON COLUMN patient_summary.dme_claims IS 'Number of durable medical equipment claims.';
COMMENT ON COLUMN patient_summary.hha_claims IS 'Number of home health agency claims.';
COMMENT ON COLUMN patient_summary.hospice_claims IS 'Number of hospice claims.';
COMMENT ON COLUMN patient_summary.inpatient_claims IS 'Number of inpatient claims.';
COMMENT ON COLUMN patient_summary.outpatient_claims IS 'Number of outpatient claims.';
COMMENT ON COLUMN patient_summary.pde_claims IS 'Number of Part D prescription drug events (fills).';
COMMENT ON COLUMN patient_summary.snf_claims IS 'Number of skilled nursing facility claims.';
COMMENT ON COLUMN patient_summary.medicare_paid_amount IS 'What Medicare paid on Part A/B claims: sum of claims.payment_amount of every type but PDE, i.e. payment.amount (clm_pmt_amt) of carrier, DME, outpatient, inpatient, SNF, hospice and HHA claims.';
COMMENT ON COLUMN patient_summary.part_d_plan_paid_amount IS 'What Part D plans paid: sum of claims.payment_amount of PDE claims, i.e. of line cvrd_d_plan_pd_amt.';
COMMENT ON COLUMN patient_summary.total_paid_amount IS 'Total paid: medicare_paid_amount + part_d_plan_paid_amount (sum of claims.payment_amount over all claims).';
COMMENT ON COLUMN patient_summary.patient_responsibility_amount IS 'What the beneficiary owed over all claims: sum of claims.patient_responsibility_amount (see that column for the CMS variables per claim type; hospice and HHA claims have none).';
COMMENT ON COLUMN patient_summary.first_service_date IS 'Earliest claim service date (billable_start; for claims without one, the earliest line date); NULL without claims.';
COMMENT ON COLUMN patient_summary.last_service_date IS 'Latest claim thru date (billable_end, else billable_start; for claims without a billing period, the latest line date); NULL without claims.';
COMMENT ON COLUMN patient_summary.last_loaded_at IS 'Data freshness: when bbsync last wrote a patients, coverages or claims row of this beneficiary (max loaded_at).';
COMMENT ON COLUMN patient_summary.last_updated IS 'Data freshness: the newest meta.lastUpdated among those resources (when CMS last loaded them); NULL when none has a usable one.';

-- ---------------------------------------------------------------------------------------------
-- Analytics tables
-- ---------------------------------------------------------------------------------------------

COMMENT ON TABLE patients IS 'One row per beneficiary (Patient resource). Demographics as BB2 sends them, including synthetic oddities (deceased before birth, SSA numeric state codes).';
COMMENT ON COLUMN patients.patient_id IS 'The Patient id: the BFD bene_id (negative for synthetic beneficiaries, e.g. -19990000000001).';
COMMENT ON COLUMN patients.birth_date IS 'Date of birth (Patient.birthDate).';
COMMENT ON COLUMN patients.gender IS 'male, female, other or unknown (Patient.gender).';
COMMENT ON COLUMN patients.state IS 'State as BB2 sends it: a USPS code (MO) or, in synthetic data, an SSA numeric code (05).';
COMMENT ON COLUMN patients.postal_code IS 'ZIP code (Patient.address.postalCode).';
COMMENT ON COLUMN patients.race_code IS 'CCW race code (https://bluebutton.cms.gov/resources/variables/race), e.g. 1 White, 2 Black.';
COMMENT ON COLUMN patients.race_display IS 'Description of race_code as BB2 sends it.';
COMMENT ON COLUMN patients.deceased_at IS 'Date of death as sent (Patient.deceasedDateTime); synthetic data sets it even for living beneficiaries, sometimes before the birth date.';
COMMENT ON COLUMN patients.family_name IS 'Family name (Patient.name.family); needs the profile scope.';
COMMENT ON COLUMN patients.given_name IS 'First given name.';
COMMENT ON COLUMN patients.middle_initial IS 'Second given name (BB2 puts the middle initial there).';
COMMENT ON COLUMN patients.mbi IS 'The current Medicare Beneficiary Identifier (us-mbi identifier flagged current).';
COMMENT ON COLUMN patients.reference_year IS 'Reference year of the monthly values (rfrnc_yr); synthetic data has year 3.';
COMMENT ON COLUMN patients.last_updated IS 'meta.lastUpdated of the Patient resource (when CMS last loaded it); NULL when BB2 sent something that is not a timestamp.';
COMMENT ON COLUMN patients.loaded_at IS 'When bbsync last wrote this row.';

COMMENT ON TABLE coverages IS 'One row per Medicare part of a beneficiary (Coverage resource: part-a, part-b, part-c, part-d).';
COMMENT ON COLUMN coverages.coverage_id IS 'The Coverage id, e.g. part-a--19990000000001.';
COMMENT ON COLUMN coverages.patient_id IS 'The beneficiary (Coverage.beneficiary).';
COMMENT ON COLUMN coverages.part IS 'A, B, C or D, from the id prefix (the only reliable place).';
COMMENT ON COLUMN coverages.status IS 'active, or cancelled when the part termination code (a_trm_cd / b_trm_cd) is not 0.';
COMMENT ON COLUMN coverages.period_start IS 'Coverage.period.start; often NULL for C and D.';
COMMENT ON COLUMN coverages.period_end IS 'Coverage.period.end; NULL while it lasts or when BB2 did not say.';
COMMENT ON COLUMN coverages.subscriber_id IS 'Coverage.subscriberId: the current MBI.';
COMMENT ON COLUMN coverages.medicare_status_code IS 'Medicare status code (ms_cd).';
COMMENT ON COLUMN coverages.termination_code IS 'Part A/B termination code (a_trm_cd / b_trm_cd).';
COMMENT ON COLUMN coverages.contract_id IS 'Part C/D contract of the latest month that has one (ptc_cntrct_id_NN / ptdcntrctNN).';
COMMENT ON COLUMN coverages.plan_id IS 'Part C/D plan benefit package of that month (ptc_pbp_id_NN / ptdpbpidNN).';
COMMENT ON COLUMN coverages.dual_status_code IS 'Medicare-Medicaid dual status code of the latest month that has one (dual_NN).';
COMMENT ON COLUMN coverages.reference_year IS 'Reference year of the monthly values (rfrnc_yr).';
COMMENT ON COLUMN coverages.last_updated IS 'meta.lastUpdated of the Coverage resource; NULL when not a timestamp.';
COMMENT ON COLUMN coverages.loaded_at IS 'When bbsync last wrote this row.';

COMMENT ON TABLE claims IS 'One row per claim (ExplanationOfBenefit resource) of any type. The money columns are conveniences over the lossless claim_line_adjudications and claim_financials; each names its CMS (CCW) variables per claim type. NULL means the claim type has no such amount.';
COMMENT ON COLUMN claims.claim_id IS 'The EOB id: <claim type>-<claim id>, e.g. carrier--10045426206.';
COMMENT ON COLUMN claims.patient_id IS 'The beneficiary (ExplanationOfBenefit.patient).';
COMMENT ON COLUMN claims.claim_type IS 'carrier | dme | hha | hospice | inpatient | outpatient | pde | snf (from the id prefix or the eob-type code).';
COMMENT ON COLUMN claims.claim_number IS 'The CMS claim id (clm_id) or PDE event id (pde_id), as a string (may be negative).';
COMMENT ON COLUMN claims.claim_group IS 'The claim group identifier (identifier claim-group).';
COMMENT ON COLUMN claims.nch_claim_type_code IS 'NCH claim type code (nch_clm_type_cd), e.g. 71 carrier, 60 inpatient; NULL for PDE.';
COMMENT ON COLUMN claims.claim_category IS 'professional | institutional | pharmacy (HL7 claim-type; BFD labels DME institutional and HHA professional).';
COMMENT ON COLUMN claims.status IS 'EOB status (always active in BB2 data).';
COMMENT ON COLUMN claims.outcome IS 'EOB outcome (complete; NULL in older data).';
COMMENT ON COLUMN claims.billable_start IS 'Claim from-date (billablePeriod.start; for PDE the fill date). The date a claim counts in for the views; NULL for 2020-era PDEs.';
COMMENT ON COLUMN claims.billable_end IS 'Claim thru-date (billablePeriod.end).';
COMMENT ON COLUMN claims.received_date IS 'NCH weekly processing date (supportingInfo clmrecvddate, nch_wkly_proc_dt).';
COMMENT ON COLUMN claims.paid_date IS 'PDE paid date (payment.date, pd_dt).';
COMMENT ON COLUMN claims.admission_start IS 'Admission date (supportingInfo admissionperiod start), institutional claims.';
COMMENT ON COLUMN claims.admission_end IS 'Discharge date (supportingInfo admissionperiod end).';
COMMENT ON COLUMN claims.coverage_id IS 'The Coverage billed (insurance.coverage), e.g. part-b--19990000000001.';
COMMENT ON COLUMN claims.part IS 'Part letter of coverage_id: A (inpatient, SNF, hospice), B (carrier, outpatient, HHA, DME), D (PDE).';
COMMENT ON COLUMN claims.provider_npi IS 'Billing provider NPI (carrier carr_clm_blg_npi_num, DME/PDE us-npi) or the institution NPI (contained Organization).';
COMMENT ON COLUMN claims.provider_ccn IS 'Institution CMS Certification Number (contained Organization, PRN).';
COMMENT ON COLUMN claims.provider_name IS 'Provider or institution name as sent.';
COMMENT ON COLUMN claims.prescriber_npi IS 'PDE prescriber (careTeam role prescribing).';
COMMENT ON COLUMN claims.attending_npi IS 'Attending physician of institutional claims (careTeam role attending).';
COMMENT ON COLUMN claims.drg_code IS 'Diagnosis related group (clm_drg_cd), inpatient claims.';
COMMENT ON COLUMN claims.claim_frequency_code IS 'Claim frequency code of the type of bill (supportingInfo typeofbill, clm_freq_cd), e.g. 1 admit through discharge.';
COMMENT ON COLUMN claims.discharge_status IS 'Patient discharge status code (ptnt_dschrg_stus_cd).';
COMMENT ON COLUMN claims.facility_type_code IS 'Facility type code (clm_fac_type_cd), institutional claims.';
COMMENT ON COLUMN claims.days_supply IS 'PDE days supply (supportingInfo dayssupply, days_suply_num).';
COMMENT ON COLUMN claims.fill_number IS 'PDE fill number (supportingInfo refillnum, fill_num).';
COMMENT ON COLUMN claims.payment_amount IS 'What Medicare or the Part D plan paid for the claim.
carrier, DME: payment.amount (clm_pmt_amt).
outpatient: payment.amount (clm_pmt_amt).
inpatient, SNF: payment.amount (clm_pmt_amt).
hospice, HHA: payment.amount (clm_pmt_amt).
PDE: sum of line cvrd_d_plan_pd_amt (Part D plan paid).';
COMMENT ON COLUMN claims.submitted_amount IS 'Total charges.
carrier, DME: nch_carr_clm_sbmtd_chrg_amt, else the sum of line line_sbmtd_chrg_amt.
outpatient: total clm_tot_chrg_amt.
inpatient, SNF: total clm_tot_chrg_amt.
hospice, HHA: total clm_tot_chrg_amt.
PDE: total drugcost, else the sum of line tot_rx_cst_amt.';
COMMENT ON COLUMN claims.allowed_amount IS 'Allowed charges.
carrier, DME: nch_carr_clm_alowd_amt, else the sum of line line_alowd_chrg_amt.
outpatient, inpatient, SNF, hospice, HHA, PDE: NULL.';
COMMENT ON COLUMN claims.patient_responsibility_amount IS 'What the beneficiary owed.
carrier, DME: sum of line line_bene_ptb_ddctbl_amt + line_coinsrnc_amt.
outpatient: nch_bene_ptb_ddctbl_amt + nch_bene_ptb_coinsrnc_amt + nch_bene_blood_ddctbl_lblty_am.
inpatient, SNF: nch_bene_ip_ddctbl_amt + nch_bene_pta_coinsrnc_lblty_amt + nch_bene_blood_ddctbl_lblty_am.
hospice, HHA: NULL.
PDE: sum of line ptnt_pay_amt.';
COMMENT ON COLUMN claims.primary_payer_paid_amount IS 'What a primary payer other than Medicare paid.
carrier, DME: the total entry BFD labels clm_tot_chrg_amt (it holds carr_clm_prmry_pyr_pd_amt).
outpatient: prpayamt.
inpatient, SNF: prpayamt.
hospice, HHA: prpayamt.
PDE: sum of line othr_troop_amt + plro_amt.';
COMMENT ON COLUMN claims.line_count IS 'Number of lines (claim_lines rows).';
COMMENT ON COLUMN claims.last_updated IS 'meta.lastUpdated of the EOB (when CMS last loaded the claim); NULL when not a timestamp.';
COMMENT ON COLUMN claims.loaded_at IS 'When bbsync last wrote this claim and its child rows.';

COMMENT ON TABLE claim_lines IS 'One row per line (item) of a claim. Institutional claims usually carry a revenue center 0001 "Total charge" line that already sums the others: do not add institutional line charges up.';
COMMENT ON COLUMN claim_lines.claim_id IS 'The claim (claims.claim_id).';
COMMENT ON COLUMN claim_lines.line_number IS 'item.sequence.';
COMMENT ON COLUMN claim_lines.product_system IS 'Code system of product_code: https://bluebutton.cms.gov/resources/codesystem/hcpcs (HCPCS/CPT) or http://hl7.org/fhir/sid/ndc (PDE).';
COMMENT ON COLUMN claim_lines.product_code IS 'HCPCS/CPT code, or NDC for PDE (item.productOrService); NULL when BB2 sent none (common on institutional lines).';
COMMENT ON COLUMN claim_lines.product_display IS 'Description of product_code as sent.';
COMMENT ON COLUMN claim_lines.modifiers IS 'HCPCS modifiers (item.modifier), in order.';
COMMENT ON COLUMN claim_lines.revenue_code IS 'Revenue center code (rev_cntr), institutional lines, e.g. 0001 total charge.';
COMMENT ON COLUMN claim_lines.place_of_service IS 'Place of service code (line_place_of_srvc_cd), carrier and DME lines, e.g. 11 office.';
COMMENT ON COLUMN claim_lines.service_start IS 'Line service start (servicedPeriod.start or servicedDate); the claim billable period start when the line has no date.';
COMMENT ON COLUMN claim_lines.service_end IS 'Line service end; the claim billable period end when the line has no date.';
COMMENT ON COLUMN claim_lines.service_dates_from_claim IS '1 when service_start/service_end were taken from the claim billable period (the line has no date of its own), else 0.';
COMMENT ON COLUMN claim_lines.quantity IS 'Units of service, or PDE quantity dispensed (item.quantity).';
COMMENT ON COLUMN claim_lines.submitted_amount IS 'Submitted charges of the line.
carrier, DME: line_sbmtd_chrg_amt.
outpatient, hospice, HHA: rev_cntr_tot_chrg_amt.
inpatient, SNF: rev_cntr_tot_chrg_amt.
PDE: tot_rx_cst_amt.';
COMMENT ON COLUMN claim_lines.allowed_amount IS 'Allowed charges of the line.
carrier, DME: line_alowd_chrg_amt.
outpatient, hospice, HHA, inpatient, SNF, PDE: NULL.';
COMMENT ON COLUMN claim_lines.paid_amount IS 'What was paid for the line.
carrier, DME: line_nch_pmt_amt.
outpatient, hospice, HHA: rev_cntr_pmt_amt_amt.
inpatient, SNF: NULL (paid per claim).
PDE: cvrd_d_plan_pd_amt.';
COMMENT ON COLUMN claim_lines.patient_responsibility_amount IS 'What the beneficiary owed for the line.
carrier, DME: line_bene_ptb_ddctbl_amt + line_coinsrnc_amt.
outpatient: rev_cntr_ptnt_rspnsblty_pmt.
hospice, HHA: rev_cntr_ptnt_rspnsblty_pmt when sent (BFD sends it on outpatient lines only, so usually NULL).
inpatient, SNF: NULL.
PDE: ptnt_pay_amt.';
COMMENT ON COLUMN claim_lines.noncovered_amount IS 'Non-covered charges of the line.
carrier, DME: NULL.
outpatient, hospice, HHA: rev_cntr_ncvrd_chrg_amt.
inpatient, SNF: rev_cntr_ncvrd_chrg_amt.
PDE: NULL.';
COMMENT ON COLUMN claim_lines.last_updated IS 'meta.lastUpdated of the claim.';
COMMENT ON COLUMN claim_lines.loaded_at IS 'When bbsync wrote this row.';

COMMENT ON TABLE claim_line_adjudications IS 'Every adjudication entry of every line, lossless, keyed by the CMS (CCW) variable: the generic CARIN codes repeat within a line, the variable does not. Query amounts by variable, e.g. WHERE variable = ''line_nch_pmt_amt''.';
COMMENT ON COLUMN claim_line_adjudications.claim_id IS 'The claim (claims.claim_id).';
COMMENT ON COLUMN claim_line_adjudications.line_number IS 'The line (claim_lines.line_number).';
COMMENT ON COLUMN claim_line_adjudications.entry_index IS 'Position of the entry within the line adjudication list (0-based).';
COMMENT ON COLUMN claim_line_adjudications.category IS 'The generic CARIN/HL7 code: submitted, eligible, benefit, deductible, coinsurance, paidtoprovider, paidtopatient, paidbypatient, priorpayerpaid, noncovered, discount, drugcost, denialreason.';
COMMENT ON COLUMN claim_line_adjudications.category_system IS 'Code system of category.';
COMMENT ON COLUMN claim_line_adjudications.variable IS 'The CMS (CCW) variable, e.g. line_nch_pmt_amt, rev_cntr_tot_chrg_amt, cvrd_d_plan_pd_amt; for a denial reason, the reason variable.';
COMMENT ON COLUMN claim_line_adjudications.amount IS 'The amount of the CMS variable named in variable (adjudication.amount.value); NULL for reason-only entries.';
COMMENT ON COLUMN claim_line_adjudications.currency IS 'adjudication.amount.currency (USD; NULL in 2020-era PDEs).';
COMMENT ON COLUMN claim_line_adjudications.reason_code IS 'adjudication.reason code (denial reason, or PDE drug coverage status).';
COMMENT ON COLUMN claim_line_adjudications.reason_system IS 'Code system of reason_code.';
COMMENT ON COLUMN claim_line_adjudications.last_updated IS 'meta.lastUpdated of the claim.';
COMMENT ON COLUMN claim_line_adjudications.loaded_at IS 'When bbsync wrote this row.';

COMMENT ON TABLE claim_financials IS 'Claim-level money and counts, lossless: every total entry and every benefitBalance.financial entry of a claim, keyed by the CMS (CCW) variable.';
COMMENT ON COLUMN claim_financials.claim_id IS 'The claim (claims.claim_id).';
COMMENT ON COLUMN claim_financials.entry_index IS 'Position among the claim total and benefitBalance entries (0-based, totals first).';
COMMENT ON COLUMN claim_financials.source IS 'total or benefit_balance.';
COMMENT ON COLUMN claim_financials.category IS 'The generic code of a total entry (submitted, priorpayerpaid, drugcost, ...).';
COMMENT ON COLUMN claim_financials.variable IS 'The CMS (CCW) variable, e.g. clm_tot_chrg_amt, nch_carr_clm_alowd_amt, prpayamt, clm_utlztn_day_cnt. Carrier/DME totals labelled clm_tot_chrg_amt hold carr_clm_prmry_pyr_pd_amt.';
COMMENT ON COLUMN claim_financials.amount IS 'The amount of the CMS variable named in variable (total.amount or financial.usedMoney); NULL for counts.';
COMMENT ON COLUMN claim_financials.count_value IS 'Day counts and other counts (financial.usedUnsignedInt), e.g. clm_utlztn_day_cnt.';
COMMENT ON COLUMN claim_financials.last_updated IS 'meta.lastUpdated of the claim.';
COMMENT ON COLUMN claim_financials.loaded_at IS 'When bbsync wrote this row.';

COMMENT ON TABLE claim_diagnoses IS 'One row per diagnosis of a claim (ICD-10 codes come coded twice; one row is kept, icd-10-cm preferred). PDE claims have none.';
COMMENT ON COLUMN claim_diagnoses.claim_id IS 'The claim (claims.claim_id).';
COMMENT ON COLUMN claim_diagnoses.sequence IS 'diagnosis.sequence.';
COMMENT ON COLUMN claim_diagnoses.code IS 'ICD-10-CM or ICD-9-CM code without the dot; NULL for the odd unknown-icd-version coding without a code.';
COMMENT ON COLUMN claim_diagnoses.system IS 'http://hl7.org/fhir/sid/icd-10-cm, .../icd-10 or .../icd-9-cm.';
COMMENT ON COLUMN claim_diagnoses.display IS 'Description as sent (upper case).';
COMMENT ON COLUMN claim_diagnoses.diagnosis_type IS 'The first type code: principal, admitting, secondary, other, externalcauseofinjury, patientreasonforvisit; NULL when untyped.';
COMMENT ON COLUMN claim_diagnoses.present_on_admission IS 'Present-on-admission indicator (clm_poa_ind_swN), e.g. Y or N.';
COMMENT ON COLUMN claim_diagnoses.last_updated IS 'meta.lastUpdated of the claim.';
COMMENT ON COLUMN claim_diagnoses.loaded_at IS 'When bbsync wrote this row.';

COMMENT ON TABLE claim_procedures IS 'One row per ICD procedure of a claim (inpatient, SNF, some outpatient). HCPCS/CPT services are on claim_lines.product_code.';
COMMENT ON COLUMN claim_procedures.claim_id IS 'The claim (claims.claim_id).';
COMMENT ON COLUMN claim_procedures.sequence IS 'procedure.sequence.';
COMMENT ON COLUMN claim_procedures.code IS 'ICD-10-PCS or ICD-9-CM procedure code.';
COMMENT ON COLUMN claim_procedures.system IS 'http://www.cms.gov/Medicare/Coding/ICD10 (ICD-10-PCS), http://hl7.org/fhir/sid/icd-10 or .../icd-9-cm.';
COMMENT ON COLUMN claim_procedures.display IS 'Description as sent.';
COMMENT ON COLUMN claim_procedures.performed_on IS 'procedure.date (date part); NULL in some older data.';
COMMENT ON COLUMN claim_procedures.last_updated IS 'meta.lastUpdated of the claim.';
COMMENT ON COLUMN claim_procedures.loaded_at IS 'When bbsync wrote this row.';

COMMENT ON TABLE claim_care_team IS 'One row per care team member of a claim (performing, referring, prescribing, attending, ...).';
COMMENT ON COLUMN claim_care_team.claim_id IS 'The claim (claims.claim_id).';
COMMENT ON COLUMN claim_care_team.sequence IS 'careTeam.sequence.';
COMMENT ON COLUMN claim_care_team.role IS 'C4BBClaimCareTeamRole: performing, referring, prescribing, attending, operating, otheroperating, primary, ...';
COMMENT ON COLUMN claim_care_team.provider_id IS 'The provider identifier value; not always a 10-digit NPI; placeholders occur.';
COMMENT ON COLUMN claim_care_team.provider_id_type IS 'Identifier type: npi, UPIN, ...';
COMMENT ON COLUMN claim_care_team.provider_name IS 'Provider name (provider.display), newer data only.';
COMMENT ON COLUMN claim_care_team.qualification_code IS 'Provider specialty or taxonomy (careTeam.qualification).';
COMMENT ON COLUMN claim_care_team.last_updated IS 'meta.lastUpdated of the claim.';
COMMENT ON COLUMN claim_care_team.loaded_at IS 'When bbsync wrote this row.';

-- ---------------------------------------------------------------------------------------------
-- Raw resources
-- ---------------------------------------------------------------------------------------------

COMMENT ON TABLE fhir_resources IS 'Every Patient, Coverage and ExplanationOfBenefit exactly as received (jsonb), for lineage, change detection and replay.';
COMMENT ON COLUMN fhir_resources.resource_type IS 'Patient, Coverage or ExplanationOfBenefit.';
COMMENT ON COLUMN fhir_resources.resource_id IS 'The resource id.';
COMMENT ON COLUMN fhir_resources.patient_id IS 'The beneficiary the resource belongs to.';
COMMENT ON COLUMN fhir_resources.last_updated IS 'The resource meta.lastUpdated; NULL when BB2 sent something that is not a timestamp.';
COMMENT ON COLUMN fhir_resources.content_hash IS 'sha256 of the resource without volatile fields (created, meta.lastUpdated): equal hashes mean nothing changed.';
COMMENT ON COLUMN fhir_resources.resource IS 'The resource as received.';
COMMENT ON COLUMN fhir_resources.normalizer_version IS 'Version of the mapping that produced the normalized rows, so rows can be rebuilt after a change.';
COMMENT ON COLUMN fhir_resources.first_seen_at IS 'When bbsync first stored this resource.';
COMMENT ON COLUMN fhir_resources.loaded_at IS 'When bbsync last wrote it (a changed version).';

COMMENT ON TABLE quarantined_resources IS 'Resources that could not be normalized, kept raw with the reason until a later load succeeds.';
COMMENT ON COLUMN quarantined_resources.quarantine_id IS 'Surrogate key.';
COMMENT ON COLUMN quarantined_resources.resource_type IS 'The resource type as sent.';
COMMENT ON COLUMN quarantined_resources.resource_id IS 'The resource id (or ~hash of the content when it has none).';
COMMENT ON COLUMN quarantined_resources.patient_id IS 'The beneficiary, when it could be read.';
COMMENT ON COLUMN quarantined_resources.source IS 'Where it came from: a file path or a request URL (never with tokens).';
COMMENT ON COLUMN quarantined_resources.reason IS 'Why it was rejected: the resource, the element and the reason.';
COMMENT ON COLUMN quarantined_resources.resource IS 'The resource as received; NULL when it could not be stored (e.g. a NUL character).';
COMMENT ON COLUMN quarantined_resources.first_seen_at IS 'When it was first rejected.';
COMMENT ON COLUMN quarantined_resources.last_seen_at IS 'When it was last rejected.';
COMMENT ON COLUMN quarantined_resources.occurrences IS 'How many times it was rejected.';

-- ---------------------------------------------------------------------------------------------
-- Operational tables (enrollment, sync)
-- ---------------------------------------------------------------------------------------------

COMMENT ON TABLE enrollments IS 'One row per beneficiary who connected bbsync to Blue Button (OAuth), with the token vault. Tokens are stored only as AES-256-GCM ciphertexts that name their key.';
COMMENT ON COLUMN enrollments.enrollment_id IS 'Surrogate key.';
COMMENT ON COLUMN enrollments.patient_id IS 'The BB2 patient id from the token response; one enrollment per patient.';
COMMENT ON COLUMN enrollments.status IS 'active | reauth_required | revoked.';
COMMENT ON COLUMN enrollments.scope IS 'The scopes BB2 granted, space-separated (may lack the demographic scopes).';
COMMENT ON COLUMN enrollments.access_grant_expiration IS 'When the 13-month data access grant ends (NULL: never, e.g. research apps).';
COMMENT ON COLUMN enrollments.refresh_token_ciphertext IS 'The refresh token, encrypted.';
COMMENT ON COLUMN enrollments.access_token_ciphertext IS 'The current access token, encrypted.';
COMMENT ON COLUMN enrollments.access_token_expires_at IS 'When the access token expires.';
COMMENT ON COLUMN enrollments.token_version IS 'Bumped on every token change: a fence against writing over a newer token.';
COMMENT ON COLUMN enrollments.enrolled_at IS 'When the beneficiary connected.';
COMMENT ON COLUMN enrollments.last_refresh_at IS 'When the tokens were last refreshed.';
COMMENT ON COLUMN enrollments.revoked_at IS 'When access was revoked.';
COMMENT ON COLUMN enrollments.last_error_category IS 'Category of the last failure of this enrollment tokens or syncs (see src/errors.ts).';
COMMENT ON COLUMN enrollments.last_error_message IS 'Message of that failure (never tokens or PHI).';
COMMENT ON COLUMN enrollments.last_error_at IS 'When that failure happened.';
COMMENT ON COLUMN enrollments.created_at IS 'When the row was created.';
COMMENT ON COLUMN enrollments.updated_at IS 'When the row was last changed.';

COMMENT ON TABLE authorization_requests IS 'Browser-bound state of authorizations in progress (PKCE verifier and state), short-lived.';
COMMENT ON COLUMN authorization_requests.state_hash IS 'sha256 of the state parameter; the state itself is only in the user signed cookie.';
COMMENT ON COLUMN authorization_requests.code_verifier_ciphertext IS 'The PKCE code verifier, encrypted like tokens.';
COMMENT ON COLUMN authorization_requests.created_at IS 'When the authorization started.';
COMMENT ON COLUMN authorization_requests.expires_at IS 'When it can no longer be completed.';
COMMENT ON COLUMN authorization_requests.used_at IS 'When the callback consumed it.';

COMMENT ON TABLE sync_state IS 'Per enrollment: the sync status operators need at a glance.';
COMMENT ON COLUMN sync_state.enrollment_id IS 'The enrollment.';
COMMENT ON COLUMN sync_state.last_success_at IS 'When its last sync succeeded.';
COMMENT ON COLUMN sync_state.last_attempt_at IS 'When its last sync was attempted.';
COMMENT ON COLUMN sync_state.consecutive_failures IS 'Failed syncs since the last success.';
COMMENT ON COLUMN sync_state.syncs_completed IS 'Completed syncs; every SYNC_FULL_EVERY-th is a full reconcile.';
COMMENT ON COLUMN sync_state.last_full_sync_at IS 'When the last full reconcile finished.';
COMMENT ON COLUMN sync_state.last_rows_written IS 'Analytics rows written by the last successful sync.';
COMMENT ON COLUMN sync_state.resources_held IS 'Resources held for this enrollment patient, by type, after the last success.';

COMMENT ON TABLE sync_cursors IS 'Incremental cursor per enrollment and resource type: the Bundle meta.lastUpdated of the last complete walk, used as _lastUpdated=gt<cursor> next time.';
COMMENT ON COLUMN sync_cursors.enrollment_id IS 'The enrollment.';
COMMENT ON COLUMN sync_cursors.resource_type IS 'Patient, Coverage or ExplanationOfBenefit.';
COMMENT ON COLUMN sync_cursors.cursor IS 'The Bundle meta.lastUpdated of the last complete walk.';
COMMENT ON COLUMN sync_cursors.updated_at IS 'When the cursor last moved.';

COMMENT ON TABLE sync_progress IS 'A walk through one resource type in progress, committed with each page so a retry resumes at the next page.';
COMMENT ON COLUMN sync_progress.enrollment_id IS 'The enrollment.';
COMMENT ON COLUMN sync_progress.resource_type IS 'The resource type being walked.';
COMMENT ON COLUMN sync_progress.job_id IS 'The attempt job id: progress left by an older job is not resumed.';
COMMENT ON COLUMN sync_progress.full IS '1 for a full pull, 0 for an incremental one.';
COMMENT ON COLUMN sync_progress.since IS 'The _lastUpdated lower bound of this walk (NULL on a full pull).';
COMMENT ON COLUMN sync_progress.next_url IS 'The next page to fetch.';
COMMENT ON COLUMN sync_progress.pages_done IS 'Pages loaded so far.';
COMMENT ON COLUMN sync_progress.bundle_last_updated IS 'The newest Bundle meta.lastUpdated seen so far in this walk.';
COMMENT ON COLUMN sync_progress.started_at IS 'When the walk started.';
COMMENT ON COLUMN sync_progress.updated_at IS 'When the last page was committed.';

COMMENT ON TABLE sync_seen IS 'Ids returned during a full walk, to find what BB2 no longer returns (reconcile deletes those).';
COMMENT ON COLUMN sync_seen.enrollment_id IS 'The enrollment.';
COMMENT ON COLUMN sync_seen.resource_type IS 'The resource type.';
COMMENT ON COLUMN sync_seen.resource_id IS 'A resource id BB2 returned.';

COMMENT ON TABLE sync_runs IS 'One row per sync run (scheduled, manual or retry) over many enrollments, with totals.';
COMMENT ON COLUMN sync_runs.run_id IS 'The run id.';
COMMENT ON COLUMN sync_runs.trigger IS 'scheduled | manual | retry.';
COMMENT ON COLUMN sync_runs.requested_by IS 'Who asked for a manual run.';
COMMENT ON COLUMN sync_runs.full IS '1 for a full reconcile, else 0.';
COMMENT ON COLUMN sync_runs.status IS 'fanning_out | running | finished.';
COMMENT ON COLUMN sync_runs.started_at IS 'When the run started.';
COMMENT ON COLUMN sync_runs.finished_at IS 'When the run finished.';
COMMENT ON COLUMN sync_runs.enrollments_total IS 'Enrollments in the run.';
COMMENT ON COLUMN sync_runs.enrollments_ok IS 'Enrollments synced successfully.';
COMMENT ON COLUMN sync_runs.enrollments_failed IS 'Enrollments whose sync failed.';
COMMENT ON COLUMN sync_runs.enrollments_skipped IS 'Enrollments skipped (e.g. re-consent needed).';
COMMENT ON COLUMN sync_runs.resources_changed IS 'Resources inserted or updated.';
COMMENT ON COLUMN sync_runs.rows_written IS 'Analytics rows written.';
COMMENT ON COLUMN sync_runs.resources_removed IS 'Resources deleted because BB2 no longer returns them.';
COMMENT ON COLUMN sync_runs.requests IS 'Requests made to BB2.';

COMMENT ON TABLE sync_attempts IS 'One row per sync of one enrollment (per job), with its outcome.';
COMMENT ON COLUMN sync_attempts.attempt_id IS 'Surrogate key.';
COMMENT ON COLUMN sync_attempts.enrollment_id IS 'The enrollment.';
COMMENT ON COLUMN sync_attempts.run_id IS 'The run it belongs to (NULL once the run is deleted).';
COMMENT ON COLUMN sync_attempts.job_id IS 'The queue job id.';
COMMENT ON COLUMN sync_attempts.status IS 'running | ok | failed | retrying | skipped.';
COMMENT ON COLUMN sync_attempts.full IS '1 for a full reconcile, else 0.';
COMMENT ON COLUMN sync_attempts.started_at IS 'When the attempt started.';
COMMENT ON COLUMN sync_attempts.finished_at IS 'When it finished.';
COMMENT ON COLUMN sync_attempts.duration_ms IS 'How long it took, in milliseconds.';
COMMENT ON COLUMN sync_attempts.requests IS 'Requests made to BB2.';
COMMENT ON COLUMN sync_attempts.retries IS 'Requests retried.';
COMMENT ON COLUMN sync_attempts.resources_changed IS 'Resources inserted or updated.';
COMMENT ON COLUMN sync_attempts.rows_written IS 'Analytics rows written.';
COMMENT ON COLUMN sync_attempts.resources_removed IS 'Resources deleted because BB2 no longer returns them.';
COMMENT ON COLUMN sync_attempts.resources_quarantined IS 'Resources that could not be normalized.';
COMMENT ON COLUMN sync_attempts.counts IS 'Counts by resource type, e.g. {"ExplanationOfBenefit": {"inserted": 3, "unchanged": 40}}.';
COMMENT ON COLUMN sync_attempts.error_category IS 'Category of the failure (see src/errors.ts).';
COMMENT ON COLUMN sync_attempts.error_message IS 'Message of the failure (never tokens or PHI).';

COMMENT ON TABLE bb2_request_counts IS 'Requests to BB2 per minute, endpoint and status: the dashboard error and 429 rates.';
COMMENT ON COLUMN bb2_request_counts.minute IS 'The minute (truncated timestamp).';
COMMENT ON COLUMN bb2_request_counts.endpoint IS 'token | Patient | Coverage | ExplanationOfBenefit | revoke ...';
COMMENT ON COLUMN bb2_request_counts.status IS 'HTTP status; 0 for a request that got no response (network error, timeout).';
COMMENT ON COLUMN bb2_request_counts.count IS 'Number of requests.';

COMMENT ON TABLE audit_log IS 'Who did what in the dashboard and CLI (enroll, revoke, sync now, key rotation).';
COMMENT ON COLUMN audit_log.audit_id IS 'Surrogate key.';
COMMENT ON COLUMN audit_log.at IS 'When it happened.';
COMMENT ON COLUMN audit_log.actor IS 'Who did it (dashboard user, cli, system).';
COMMENT ON COLUMN audit_log.action IS 'What was done.';
COMMENT ON COLUMN audit_log.target IS 'What it was done to (e.g. an enrollment id).';
COMMENT ON COLUMN audit_log.details IS 'Details of the action (never tokens or PHI).';
