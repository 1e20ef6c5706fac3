CREATE TABLE "coverage_monthly" (
	"coverage_id" text NOT NULL,
	"patient_id" text NOT NULL,
	"month" date NOT NULL,
	"enrolled" boolean NOT NULL,
	"buyin_code" text,
	"hmo_indicator" text,
	"contract_id" text,
	"plan_id" text,
	"part_c_plan_type_code" text,
	"part_d_segment_id" text,
	"part_d_cost_share_code" text,
	"part_d_retiree_subsidy_code" text,
	"dual_status_code" text,
	"last_updated" timestamp with time zone,
	"loaded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "coverage_monthly_coverage_id_month_pk" PRIMARY KEY("coverage_id","month")
);
--> statement-breakpoint
ALTER TABLE "coverage_monthly" ADD CONSTRAINT "coverage_monthly_coverage_id_coverages_coverage_id_fk" FOREIGN KEY ("coverage_id") REFERENCES "public"."coverages"("coverage_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "coverage_monthly_patient_idx" ON "coverage_monthly" USING btree ("patient_id","month");--> statement-breakpoint
-- Backfill from the raw store, once: the view as it stands (0017) reads every stored v2 Coverage's
-- monthly series from fhir_resources. From here on the normalizer writes these rows with their
-- Coverage, in the same page transaction.
INSERT INTO coverage_monthly (coverage_id, patient_id, month, enrolled, buyin_code, hmo_indicator, contract_id,
                              plan_id, part_c_plan_type_code, part_d_segment_id, part_d_cost_share_code,
                              part_d_retiree_subsidy_code, dual_status_code, last_updated)
SELECT m.coverage_id, m.patient_id, m.month, m.enrolled, m.buyin_code, m.hmo_indicator, m.contract_id,
       m.plan_id, m.part_c_plan_type_code, m.part_d_segment_id, m.part_d_cost_share_code,
       m.part_d_retiree_subsidy_code, m.dual_status_code, c.last_updated
FROM coverage_months m
JOIN coverages c ON c.coverage_id = m.coverage_id
-- The old view also gave every Coverage one row with no month (regexp_match in FROM yields a NULL
-- row for each extension that is not a monthly one): not a month, not kept.
WHERE m.month IS NOT NULL;
--> statement-breakpoint
-- Same columns, same meaning; the raw JSON is no longer read, so a patient filter is an index lookup.
-- CREATE OR REPLACE keeps the view's comments and its dependents (member_months, enrollment_spans,
-- tuva_input.eligibility).
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
JOIN coverages c ON c.coverage_id = m.coverage_id;
--> statement-breakpoint
COMMENT ON VIEW coverage_months IS 'The monthly Medicare series of each Coverage resource: one row per (coverage, calendar month of its reference year) that carries a monthly value. Reads coverage_monthly (written by the normalizer with each Coverage) joined to coverages; v2 only (v3 Coverage has no monthly series).
enrolled: Part A when buyinNN is 1, 3, A or C; Part B when it is 2, 3, B or C (CCW BENE_MDCR_ENTLMT_BUYIN_IND); Part C when ptc_cntrct_id_NN names a contract or hmo_ind_NN is not 0; Part D when ptdcntrctNN names a contract (not 0, N, X, * or blank). Anchor: Tuva''s Medicare LDS connector unpivots the same flags into member months.';--> statement-breakpoint
COMMENT ON TABLE coverage_monthly IS 'One row per Coverage and calendar month that carries a monthly value, written by the normalizer together with its Coverage (same transaction; replaced when the Coverage changes, deleted with it). v2 Coverage: the monthly series of its reference year (rfrnc_yr): buyinNN, hmo_ind_NN, ptc_cntrct_id_NN, ptc_pbp_id_NN, ptc_plan_type_cd_NN, ptdcntrctNN, ptdpbpidNN, sgmtidNN, cstshrNN, rdsindNN, dual_NN; months with none of them have no row. Part D''s copies under year-month URLs (.../ptdcntrct01/2018-1) are skipped. Read it through the view coverage_months.';--> statement-breakpoint
COMMENT ON COLUMN coverage_monthly.coverage_id IS 'The Coverage resource the month comes from (coverages.coverage_id).';--> statement-breakpoint
COMMENT ON COLUMN coverage_monthly.patient_id IS 'The beneficiary.';--> statement-breakpoint
COMMENT ON COLUMN coverage_monthly.month IS 'First day of the month (reference year + month number NN of the series).';--> statement-breakpoint
COMMENT ON COLUMN coverage_monthly.enrolled IS 'True when the month counts as enrolled in the coverage''s part: Part A when buyinNN is 1, 3, A or C; Part B when it is 2, 3, B or C; Part C when ptc_cntrct_id_NN names a contract or hmo_ind_NN is not 0; Part D when ptdcntrctNN names a contract (not 0, N, X, * or blank).';--> statement-breakpoint
COMMENT ON COLUMN coverage_monthly.buyin_code IS 'Medicare entitlement/buy-in indicator of the month (buyinNN): 0 not entitled, 1 A only, 2 B only, 3 A and B, A/B/C the same with state buy-in.';--> statement-breakpoint
COMMENT ON COLUMN coverage_monthly.hmo_indicator IS 'HMO indicator of the month (hmo_ind_NN): 0 not an HMO member.';--> statement-breakpoint
COMMENT ON COLUMN coverage_monthly.contract_id IS 'Part C contract (ptc_cntrct_id_NN) or Part D contract (ptdcntrctNN) of the month, by the coverage''s part; NULL for A and B.';--> statement-breakpoint
COMMENT ON COLUMN coverage_monthly.plan_id IS 'Part C (ptc_pbp_id_NN) or Part D (ptdpbpidNN) plan benefit package of the month.';--> statement-breakpoint
COMMENT ON COLUMN coverage_monthly.part_c_plan_type_code IS 'Part C plan type of the month (ptc_plan_type_cd_NN).';--> statement-breakpoint
COMMENT ON COLUMN coverage_monthly.part_d_segment_id IS 'Part D segment (sgmtidNN).';--> statement-breakpoint
COMMENT ON COLUMN coverage_monthly.part_d_cost_share_code IS 'Part D cost-sharing group / low income subsidy code of the month (cstshrNN).';--> statement-breakpoint
COMMENT ON COLUMN coverage_monthly.part_d_retiree_subsidy_code IS 'Part D retiree drug subsidy indicator (rdsindNN).';--> statement-breakpoint
COMMENT ON COLUMN coverage_monthly.dual_status_code IS 'Medicare-Medicaid dual status code of the month (dual_NN).';--> statement-breakpoint
COMMENT ON COLUMN coverage_monthly.last_updated IS 'meta.lastUpdated of the source Coverage.';--> statement-breakpoint
COMMENT ON COLUMN coverage_monthly.loaded_at IS 'When bbsync wrote the row.';
