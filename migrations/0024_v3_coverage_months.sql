-- v3 coverage months. A v3 Coverage (BFD bfd-server-ng) has no monthly series: it is one
-- entitlement range per part, `period` = bene_rng_bgn_dt .. bene_rng_end_dt (the end left out
-- while open; BFD's own fixtures also use 2099-12-31), and `status` is `cancelled` only once that
-- end has passed (BeneficiaryEntitlementPeriod.toFhirPeriod / toFhirStatus). So every month the
-- period touches is an enrolled month, up to the current one: months not yet lived are not member
-- months. They are computed here from the stored coverages row (period_start, period_end), not
-- written per month, so an open range grows by itself as months pass (a stored month list would
-- stop at the last write, or hold decades of future months up to 2099). No raw JSON is read.
-- The same applies to a v2 Coverage without a reference year (no monthly series either).
-- Ranges starting before July 1966 (Medicare's start) start then: a hostile date cannot make
-- thousands of rows.
CREATE OR REPLACE VIEW coverage_months AS
SELECT m.patient_id,
       c.part,
       m.coverage_id,
       m.month,
       m.enrolled,
       m.buyin_code,
       m.hmo_indicator,
       m.contract_id,
       m.plan_id,
       m.part_c_plan_type_code,
       m.part_d_segment_id,
       m.part_d_cost_share_code,
       m.part_d_retiree_subsidy_code,
       m.dual_status_code,
       c.reference_year
FROM coverage_monthly m
JOIN coverages c ON c.coverage_id = m.coverage_id
UNION ALL
SELECT c.patient_id,
       c.part,
       c.coverage_id,
       g.month::date AS month,
       true AS enrolled,
       NULL::text AS buyin_code,
       NULL::text AS hmo_indicator,
       CASE WHEN c.part IN ('C', 'D') THEN c.contract_id END AS contract_id,
       CASE WHEN c.part IN ('C', 'D') THEN c.plan_id END AS plan_id,
       NULL::text AS part_c_plan_type_code,
       NULL::text AS part_d_segment_id,
       NULL::text AS part_d_cost_share_code,
       NULL::text AS part_d_retiree_subsidy_code,
       NULL::text AS dual_status_code,
       c.reference_year
FROM coverages c
CROSS JOIN LATERAL generate_series(
  date_trunc('month', greatest(c.period_start, DATE '1966-07-01')),
  date_trunc('month', least(COALESCE(c.period_end, current_date), current_date)),
  interval '1 month') AS g(month)
WHERE c.reference_year IS NULL AND c.part IS NOT NULL AND c.period_start IS NOT NULL;
--> statement-breakpoint
COMMENT ON VIEW coverage_months IS 'The Medicare coverage of each beneficiary by calendar month: one row per (coverage, month).
v2 Coverage: the monthly series of its reference year (rfrnc_yr), stored in coverage_monthly by the normalizer; months with no monthly value have no row. enrolled: Part A when buyinNN is 1, 3, A or C; Part B when it is 2, 3, B or C (CCW BENE_MDCR_ENTLMT_BUYIN_IND); Part C when ptc_cntrct_id_NN names a contract or hmo_ind_NN is not 0; Part D when ptdcntrctNN names a contract (not 0, N, X, * or blank). Anchor: Tuva''s Medicare LDS connector unpivots the same flags into member months.
v3 Coverage (and a v2 one without a reference year): no monthly series; every month its period touches, from period.start to period.end or the current month, whichever is earlier, is an enrolled month (BFD maps the entitlement range bene_rng_bgn_dt..bene_rng_end_dt to period, status cancelled once it has ended). Computed from coverages.period_start/period_end; contract and plan from the coverage; the monthly codes are NULL. The dual Medicare/Medicaid Coverage (part NULL) has no rows.';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.month IS 'First day of the month (v2: reference year + month number NN of the series; v3: a month of the period).';--> statement-breakpoint
COMMENT ON COLUMN coverage_months.reference_year IS 'The year the v2 series refers to (rfrnc_yr); synthetic sandbox data has year 3. NULL for v3 Coverage.';
