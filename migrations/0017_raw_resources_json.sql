-- Raw resources are stored as json (the text as BB2 sent it, checked to be JSON) instead of jsonb:
-- jsonb parses every 20-30 KB document into its binary form on the way in, which cost Postgres
-- ~0.75 ms of CPU per EOB against ~0.2 ms for json (measured with COPY, issue 17). Nothing reads
-- the raw store in bulk except coverage_months, which now uses the json functions; cast
-- `resource::jsonb` for jsonb operators.
--
-- A column a view reads cannot change type, and dropping coverage_months would take the views
-- built on it (member_months, enrollment_spans, and any later ones) with it. So the view is first
-- pointed at an empty stand-in of the same shape (CREATE OR REPLACE keeps its columns, comments
-- and dependents), the column changes type, and the view is pointed back at it.
CREATE OR REPLACE VIEW coverage_months AS
WITH monthly AS (
  SELECT f.resource_id AS coverage_id,
         m[1] AS series,
         m[2]::int AS month_number,
         COALESCE(e->'valueCoding'->>'code', e->>'valueCode', e->>'valueString') AS code
  FROM (SELECT NULL::text AS resource_id, NULL::text AS resource_type, NULL::jsonb AS resource WHERE false) f
  CROSS JOIN LATERAL jsonb_array_elements(f.resource) e
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
ALTER TABLE "fhir_resources" ALTER COLUMN "resource" SET DATA TYPE json;--> statement-breakpoint
-- A type change rewrites the column with the default compression: lz4 again where available (0001).
DO $$
BEGIN
  ALTER TABLE fhir_resources ALTER COLUMN resource SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
  RAISE NOTICE 'lz4 is not available on this server; fhir_resources.resource keeps the default compression';
END
$$;
--> statement-breakpoint
CREATE OR REPLACE VIEW coverage_months AS
WITH monthly AS (
  SELECT f.resource_id AS coverage_id,
         m[1] AS series,
         m[2]::int AS month_number,
         COALESCE(e->'valueCoding'->>'code', e->>'valueCode', e->>'valueString') AS code
  FROM fhir_resources f
  CROSS JOIN LATERAL json_array_elements(CASE WHEN json_typeof(f.resource->'extension') = 'array'
                                               THEN f.resource->'extension' ELSE '[]'::json END) e
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
COMMENT ON TABLE fhir_resources IS 'Every Patient, Coverage and ExplanationOfBenefit exactly as received (json: the text BB2 sent), for lineage, change detection and replay.';--> statement-breakpoint
COMMENT ON COLUMN fhir_resources.resource IS 'The resource as received, as json (not jsonb: cheaper to write; cast resource::jsonb for jsonb operators).';
