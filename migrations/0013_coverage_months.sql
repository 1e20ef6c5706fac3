-- Coverage months: BB2's Coverage carries monthly series for its reference year (rfrnc_yr):
-- buyinNN (Medicare entitlement/buy-in), hmo_ind_NN, ptc_cntrct_id_NN / ptc_pbp_id_NN (Part C),
-- ptdcntrctNN / ptdpbpidNN / sgmtidNN / cstshrNN / rdsindNN (Part D) and dual_NN. coverages keeps
-- only the latest month; these views read every month from the stored raw Coverage resource
-- (fhir_resources), so they are always exactly what BB2 sent. Part D also repeats each contract
-- under a URL with the year and month (.../ptdcntrct01/2018-1): those copies are skipped.
-- v2 only: v3 Coverage has no monthly series.
CREATE VIEW coverage_months AS
WITH monthly AS (
  SELECT f.resource_id AS coverage_id,
         m[1] AS series,
         m[2]::int AS month_number,
         COALESCE(e->'valueCoding'->>'code', e->>'valueCode', e->>'valueString') AS code
  FROM fhir_resources f
  CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(f.resource->'extension') = 'array'
                                                THEN f.resource->'extension' ELSE '[]'::jsonb END) e
  CROSS JOIN LATERAL regexp_match(e->>'url',
    '^https://bluebutton\.cms\.gov/resources/variables/(buyin|hmo_ind_|ptc_cntrct_id_|ptc_pbp_id_|ptc_plan_type_cd_|ptdcntrct|ptdpbpid|sgmtid|cstshr|rdsind|dual_)(0[1-9]|1[0-2])$') m
  WHERE f.resource_type = 'Coverage'
),
pivot AS (
  SELECT coverage_id,
         month_number,
         max(code) FILTER (WHERE series = 'buyin') AS buyin_code,
         max(code) FILTER (WHERE series = 'hmo_ind_') AS hmo_indicator,
         max(code) FILTER (WHERE series = 'ptc_cntrct_id_') AS part_c_contract_id,
         max(code) FILTER (WHERE series = 'ptc_pbp_id_') AS part_c_plan_id,
         max(code) FILTER (WHERE series = 'ptc_plan_type_cd_') AS part_c_plan_type_code,
         max(code) FILTER (WHERE series = 'ptdcntrct') AS part_d_contract_id,
         max(code) FILTER (WHERE series = 'ptdpbpid') AS part_d_plan_id,
         max(code) FILTER (WHERE series = 'sgmtid') AS part_d_segment_id,
         max(code) FILTER (WHERE series = 'cstshr') AS part_d_cost_share_code,
         max(code) FILTER (WHERE series = 'rdsind') AS part_d_retiree_subsidy_code,
         max(code) FILTER (WHERE series = 'dual_') AS dual_status_code
  FROM monthly
  GROUP BY coverage_id, month_number
)
SELECT c.patient_id,
       c.part,
       c.coverage_id,
       make_date(c.reference_year, p.month_number, 1) AS month,
       CASE c.part
         WHEN 'A' THEN p.buyin_code IN ('1', '3', 'A', 'C')
         WHEN 'B' THEN p.buyin_code IN ('2', '3', 'B', 'C')
         WHEN 'C' THEN COALESCE(p.part_c_contract_id, '') NOT IN ('', '0', 'N', 'X', '*')
                       OR COALESCE(p.hmo_indicator, '0') NOT IN ('', '0')
         WHEN 'D' THEN COALESCE(p.part_d_contract_id, '') NOT IN ('', '0', 'N', 'X', '*')
         ELSE false
       END AS enrolled,
       p.buyin_code,
       p.hmo_indicator,
       CASE c.part WHEN 'C' THEN p.part_c_contract_id WHEN 'D' THEN p.part_d_contract_id END AS contract_id,
       CASE c.part WHEN 'C' THEN p.part_c_plan_id WHEN 'D' THEN p.part_d_plan_id END AS plan_id,
       p.part_c_plan_type_code,
       p.part_d_segment_id,
       p.part_d_cost_share_code,
       p.part_d_retiree_subsidy_code,
       p.dual_status_code,
       c.reference_year
FROM pivot p
JOIN coverages c ON c.coverage_id = p.coverage_id
WHERE c.reference_year IS NOT NULL AND c.reference_year >= 1 AND c.part IS NOT NULL;
--> statement-breakpoint
CREATE VIEW member_months AS
SELECT patient_id,
       month,
       bool_or(enrolled) FILTER (WHERE part = 'A') IS TRUE AS part_a,
       bool_or(enrolled) FILTER (WHERE part = 'B') IS TRUE AS part_b,
       bool_or(enrolled) FILTER (WHERE part = 'C') IS TRUE AS part_c,
       bool_or(enrolled) FILTER (WHERE part = 'D') IS TRUE AS part_d,
       max(contract_id) FILTER (WHERE part = 'C' AND enrolled) AS part_c_contract_id,
       max(plan_id) FILTER (WHERE part = 'C' AND enrolled) AS part_c_plan_id,
       max(contract_id) FILTER (WHERE part = 'D' AND enrolled) AS part_d_contract_id,
       max(plan_id) FILTER (WHERE part = 'D' AND enrolled) AS part_d_plan_id,
       max(dual_status_code) AS dual_status_code
FROM coverage_months
GROUP BY patient_id, month
HAVING bool_or(enrolled);
--> statement-breakpoint
CREATE VIEW enrollment_spans AS
SELECT patient_id,
       part,
       contract_id,
       plan_id,
       min(month) AS span_start,
       (max(month) + interval '1 month' - interval '1 day')::date AS span_end,
       count(*)::int AS month_count
FROM (
  SELECT patient_id, part, contract_id, plan_id, month,
         (extract(year FROM month) * 12 + extract(month FROM month))::int
           - row_number() OVER (PARTITION BY patient_id, part, contract_id, plan_id ORDER BY month)::int AS island
  FROM coverage_months
  WHERE enrolled
) m
GROUP BY patient_id, part, contract_id, plan_id, island;
--> statement-breakpoint
COMMENT ON VIEW coverage_months IS 'The monthly Medicare series of each Coverage resource: one row per (coverage, calendar month of its reference year) that carries a monthly value. Read from the stored raw Coverage (fhir_resources), which BB2 sends per reference year (rfrnc_yr); v2 only (v3 Coverage has no monthly series).
enrolled: Part A when buyinNN is 1, 3, A or C; Part B when it is 2, 3, B or C (CCW BENE_MDCR_ENTLMT_BUYIN_IND); Part C when ptc_cntrct_id_NN names a contract or hmo_ind_NN is not 0; Part D when ptdcntrctNN names a contract (not 0, N, X, * or blank). Anchor: Tuva''s Medicare LDS connector unpivots the same flags into member months.';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.patient_id IS 'The beneficiary.';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.part IS 'A, B, C or D (coverages.part).';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.coverage_id IS 'The Coverage resource the month comes from.';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.month IS 'First day of the month (reference year + month number NN of the series).';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.enrolled IS 'True when the month counts as enrolled in this part (rule in the view comment).';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.buyin_code IS 'Medicare entitlement/buy-in indicator of the month (buyinNN): 0 not entitled, 1 A only, 2 B only, 3 A and B, A/B/C the same with state buy-in. On Part A and B coverage.';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.hmo_indicator IS 'HMO indicator of the month (hmo_ind_NN): 0 not an HMO member; Part C coverage.';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.contract_id IS 'Part C contract (ptc_cntrct_id_NN) or Part D contract (ptdcntrctNN) of the month; NULL for A and B.';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.plan_id IS 'Part C (ptc_pbp_id_NN) or Part D (ptdpbpidNN) plan benefit package of the month.';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.part_c_plan_type_code IS 'Part C plan type of the month (ptc_plan_type_cd_NN).';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.part_d_segment_id IS 'Part D segment (sgmtidNN).';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.part_d_cost_share_code IS 'Part D cost-sharing group / low income subsidy code of the month (cstshrNN).';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.part_d_retiree_subsidy_code IS 'Part D retiree drug subsidy indicator (rdsindNN).';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.dual_status_code IS 'Medicare-Medicaid dual status code of the month (dual_NN).';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.reference_year IS 'The year the series refers to (rfrnc_yr); synthetic sandbox data has year 3.';--> statement-breakpoint
COMMENT ON VIEW member_months IS 'Member months, the denominator of per-member-per-month figures: one row per (beneficiary, month) enrolled in at least one Medicare part, with the parts held that month (coverage_months where enrolled).';--> statement-breakpoint
COMMENT ON COLUMN member_months.patient_id IS 'The beneficiary.';--> statement-breakpoint
COMMENT ON COLUMN member_months.month IS 'First day of the month.';--> statement-breakpoint
COMMENT ON COLUMN member_months.part_a IS 'Enrolled in Part A this month.';--> statement-breakpoint
COMMENT ON COLUMN member_months.part_b IS 'Enrolled in Part B this month.';--> statement-breakpoint
COMMENT ON COLUMN member_months.part_c IS 'Enrolled in Part C (Medicare Advantage) this month.';--> statement-breakpoint
COMMENT ON COLUMN member_months.part_d IS 'Enrolled in Part D this month.';--> statement-breakpoint
COMMENT ON COLUMN member_months.part_c_contract_id IS 'Part C contract of the month, when enrolled.';--> statement-breakpoint
COMMENT ON COLUMN member_months.part_c_plan_id IS 'Part C plan benefit package of the month, when enrolled.';--> statement-breakpoint
COMMENT ON COLUMN member_months.part_d_contract_id IS 'Part D contract of the month, when enrolled.';--> statement-breakpoint
COMMENT ON COLUMN member_months.part_d_plan_id IS 'Part D plan benefit package of the month, when enrolled.';--> statement-breakpoint
COMMENT ON COLUMN member_months.dual_status_code IS 'Medicare-Medicaid dual status code of the month (dual_NN), highest value among the parts.';--> statement-breakpoint
COMMENT ON VIEW enrollment_spans IS 'Enrollment spans: contiguous enrolled months (coverage_months where enrolled) merged per beneficiary, part, contract and plan; a change of contract or plan, or a gap, starts a new span. The input of Tuva''s eligibility table.';--> statement-breakpoint
COMMENT ON COLUMN enrollment_spans.patient_id IS 'The beneficiary.';--> statement-breakpoint
COMMENT ON COLUMN enrollment_spans.part IS 'A, B, C or D.';--> statement-breakpoint
COMMENT ON COLUMN enrollment_spans.contract_id IS 'Part C or D contract of the span; NULL for A and B.';--> statement-breakpoint
COMMENT ON COLUMN enrollment_spans.plan_id IS 'Part C or D plan benefit package of the span.';--> statement-breakpoint
COMMENT ON COLUMN enrollment_spans.span_start IS 'First day of the first month.';--> statement-breakpoint
COMMENT ON COLUMN enrollment_spans.span_end IS 'Last day of the last month.';--> statement-breakpoint
COMMENT ON COLUMN enrollment_spans.month_count IS 'Number of months in the span.';
