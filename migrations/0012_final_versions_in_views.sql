-- Claim versions: every view counts only the final version of each claim (claims.is_final). A
-- superseded or cancelled version, or a PDE deletion record, never adds money or counts; every
-- version stays in claims and in the claim_versions view.
CREATE OR REPLACE VIEW claims_monthly AS
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
WHERE c.is_final
GROUP BY 1, 2, 3;
--> statement-breakpoint
CREATE OR REPLACE VIEW drug_fills AS
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
WHERE c.claim_type = 'pde' AND c.is_final AND c.billable_start IS NOT NULL
UNION ALL
SELECT c.claim_id, l.line_number, c.patient_id, l.service_start, c.paid_date, l.product_code,
       l.product_display, l.quantity, c.days_supply, c.fill_number, l.submitted_amount, l.paid_amount,
       l.patient_responsibility_amount, c.prescriber_npi, c.provider_npi
FROM claims c
JOIN claim_lines l ON l.claim_id = c.claim_id
WHERE c.claim_type = 'pde' AND c.is_final AND c.billable_start IS NULL;
--> statement-breakpoint
CREATE OR REPLACE VIEW diagnoses_by_patient AS
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
WHERE dx.code IS NOT NULL AND c.is_final
GROUP BY 1, 2, 3, 5;
--> statement-breakpoint
CREATE OR REPLACE VIEW patient_summary AS
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
  WHERE c.is_final
  GROUP BY c.patient_id
) cl ON cl.patient_id = ids.patient_id;
--> statement-breakpoint
CREATE VIEW claim_versions AS
SELECT c.claim_id,
       c.patient_id,
       c.claim_type,
       c.claim_number,
       c.claim_group,
       c.status,
       c.final_action,
       c.pde_adjustment_code,
       c.is_final,
       CASE
         WHEN c.is_final THEN 'final'
         WHEN c.pde_adjustment_code = 'D' THEN 'pde_deletion'
         ELSE 'superseded_or_cancelled'
       END AS version_role,
       c.billable_start,
       c.billable_end,
       c.payment_amount,
       c.submitted_amount,
       c.last_updated,
       c.loaded_at
FROM claims c;
--> statement-breakpoint
COMMENT ON VIEW claim_versions IS 'Every version of every claim, final or not: one row per claims row. The other views count only rows where is_final is true.
Rule (claims.is_final): a version counts when it is not superseded or cancelled (v2: EOB.status active, BFD''s mapping of the CCW final-action flag; v3: the Final-Action tag) and it is not a PDE deletion record (adjstmt_dltn_cd D). claim_group ties versions together in CCW but is NOT unique per claim in real data (the 52 claims of the sandbox beneficiary share one; BFD samples share 900), so it is shown, never used to pick a version.';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.claim_id IS 'The EOB id of this version (each version of a claim has its own id).';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.patient_id IS 'The beneficiary.';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.claim_type IS 'carrier | dme | hha | hospice | inpatient | outpatient | pde | snf.';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.claim_number IS 'The CMS claim id or PDE event id of this version.';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.claim_group IS 'The claim group identifier (v2 only); shared by the versions of one claim, but also by unrelated claims in real data.';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.status IS 'EOB status: active (final version) or cancelled (superseded or cancelled).';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.final_action IS 'The final-action flag as read (claims.final_action).';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.pde_adjustment_code IS 'PDE adjstmt_dltn_cd: NULL original, A adjustment, D deletion.';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.is_final IS 'True for the version every other view counts (claims.is_final).';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.version_role IS 'final; pde_deletion (an active PDE record that deletes its event: counts zero); superseded_or_cancelled.';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.billable_start IS 'Claim from-date of this version.';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.billable_end IS 'Claim thru-date of this version.';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.payment_amount IS 'What this version says was paid (claims.payment_amount); only the final version''s amount counts.';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.submitted_amount IS 'Total charges of this version (claims.submitted_amount).';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.last_updated IS 'meta.lastUpdated of this version (when CMS last loaded it).';--> statement-breakpoint
COMMENT ON COLUMN claim_versions.loaded_at IS 'When bbsync last wrote this version.';--> statement-breakpoint
COMMENT ON COLUMN claims_monthly.claim_count IS 'Number of claims of this type with a service date in this month, final versions only (claims.is_final; see claim_versions).';--> statement-breakpoint
COMMENT ON VIEW drug_fills IS 'Part D prescription drug events (PDE claims), one row per fill: one row per PDE claim line (a PDE has one line). Final versions only: a superseded event or a deletion record (adjstmt_dltn_cd D) is left out (see claim_versions).';--> statement-breakpoint
COMMENT ON COLUMN patient_summary.claim_count IS 'Number of claims of all types, final versions only (claims.is_final): an adjusted claim counts once, with its final amounts; a cancelled one or a PDE deletion not at all.';
