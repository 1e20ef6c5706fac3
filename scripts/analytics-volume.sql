-- Synthetic volume for checking the analytics views and indexes with EXPLAIN: 10,000
-- beneficiaries, 40,000 coverages, ~300,000 claims, ~2,000,000 lines and their adjudications,
-- diagnoses, procedures, care team and financials, with skewed code frequencies (a few common
-- diagnoses, drugs and HCPCS codes, a long tail), over 2015-2024.
--
-- Only for a scratch database that holds nothing else (it refuses to run on one with claims):
--
--   createdb -h 127.0.0.1 -U postgres bbsync_scratch_volume
--   DATABASE_URL=postgres://postgres@127.0.0.1:5432/bbsync_scratch_volume npx bbsync migrate
--   psql -h 127.0.0.1 -U postgres -d bbsync_scratch_volume -f scripts/analytics-volume.sql
--   psql ... -c 'EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM patient_summary WHERE patient_id = ...'
--   dropdb -h 127.0.0.1 -U postgres bbsync_scratch_volume
--
-- Takes a few minutes and about 4 GB of disk.
\set ON_ERROR_STOP on

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM claims) THEN
    RAISE EXCEPTION 'this database already holds claims: run analytics-volume.sql only on an empty scratch database';
  END IF;
END
$$;

SELECT setseed(0.42);

INSERT INTO patients (patient_id, birth_date, gender, state, postal_code, race_code, race_display,
                      family_name, given_name, mbi, reference_year, last_updated)
SELECT '-' || (20000000000000 + i)::text,
       date '1930-01-01' + (random() * 15000)::int,
       CASE WHEN random() < 0.55 THEN 'female' ELSE 'male' END,
       lpad((1 + (random() * 50)::int)::text, 2, '0'),
       '99999',
       (1 + (random() * 5)::int)::text,
       'Race',
       'Doe', 'Pat', 'MBI' || i, 2024,
       timestamptz '2024-01-01' + random() * interval '300 days'
FROM generate_series(1, 10000) AS i;

INSERT INTO coverages (coverage_id, patient_id, part, status, period_start, period_end, contract_id,
                       plan_id, dual_status_code, reference_year, last_updated)
SELECT 'part-' || lower(p.part) || '-' || pt.patient_id, pt.patient_id, p.part,
       CASE WHEN random() < 0.9 THEN 'active' ELSE 'cancelled' END,
       date '2000-01-01' + (random() * 8000)::int,
       CASE WHEN random() < 0.2 THEN date '2022-01-01' + (random() * 700)::int END,
       CASE WHEN p.part IN ('C', 'D') THEN 'H' || (1000 + (random() * 500)::int) END,
       CASE WHEN p.part IN ('C', 'D') THEN lpad((random() * 20)::int::text, 3, '0') END,
       lpad((random() * 10)::int::text, 2, '0'), 2024, pt.last_updated
FROM patients pt CROSS JOIN (VALUES ('A'), ('B'), ('C'), ('D')) AS p(part);

-- Claims: the type by a realistic mix, the beneficiary uniformly, dates over ten years.
CREATE TEMP TABLE gen_claims AS
SELECT i,
       CASE WHEN r < 0.45 THEN 'carrier' WHEN r < 0.80 THEN 'pde' WHEN r < 0.92 THEN 'outpatient'
            WHEN r < 0.95 THEN 'dme' WHEN r < 0.97 THEN 'inpatient' WHEN r < 0.98 THEN 'snf'
            WHEN r < 0.99 THEN 'hha' ELSE 'hospice' END AS claim_type,
       '-' || (20000000000001 + (random() * 9999)::int)::text AS patient_id,
       date '2015-01-01' + (random() * 3650)::int AS start_date
FROM (SELECT i, random() AS r FROM generate_series(1, 300000) AS i) s;

INSERT INTO claims (claim_id, patient_id, claim_type, claim_number, billable_start, billable_end,
                    part, provider_npi, prescriber_npi, days_supply, fill_number, payment_amount,
                    submitted_amount, allowed_amount, patient_responsibility_amount, line_count,
                    last_updated)
SELECT g.claim_type || '--' || g.i, g.patient_id, g.claim_type, '-' || g.i, g.start_date,
       g.start_date + CASE WHEN g.claim_type IN ('inpatient', 'snf', 'hospice', 'hha')
                           THEN (random() * 20)::int
                           WHEN g.claim_type = 'pde' THEN 0 ELSE (random() * 3)::int END,
       CASE WHEN g.claim_type IN ('inpatient', 'snf', 'hospice') THEN 'A'
            WHEN g.claim_type = 'pde' THEN 'D' ELSE 'B' END,
       (1000000000 + (random() * 50000)::int)::text,
       CASE WHEN g.claim_type = 'pde' THEN (1000000000 + (random() * 20000)::int)::text END,
       CASE WHEN g.claim_type = 'pde' THEN (ARRAY[30, 60, 90])[1 + (random() * 2)::int] END,
       CASE WHEN g.claim_type = 'pde' THEN (random() * 12)::int END,
       round((random() * 500)::numeric, 2),
       round((500 + random() * 1500)::numeric, 2),
       CASE WHEN g.claim_type IN ('carrier', 'dme') THEN round((random() * 800)::numeric, 2) END,
       CASE WHEN g.claim_type IN ('hospice', 'hha') THEN NULL ELSE round((random() * 100)::numeric, 2) END,
       0,
       timestamptz '2024-01-01' + random() * interval '300 days'
FROM gen_claims g;

-- Lines: 1 per PDE, 1-10 per professional claim, 5-35 per outpatient, 10-30 per inpatient/SNF.
CREATE TEMP TABLE gen_lines AS
SELECT c.claim_id, c.claim_type, c.billable_start, c.billable_end, n AS line_number
FROM claims c
CROSS JOIN LATERAL generate_series(1, CASE c.claim_type
    WHEN 'pde' THEN 1
    WHEN 'carrier' THEN 1 + (random() * 9)::int
    WHEN 'dme' THEN 1 + (random() * 3)::int
    WHEN 'outpatient' THEN 5 + (random() * 30)::int
    WHEN 'inpatient' THEN 10 + (random() * 20)::int
    WHEN 'snf' THEN 10 + (random() * 20)::int
    ELSE 3 + (random() * 5)::int END) AS n;

INSERT INTO claim_lines (claim_id, line_number, product_system, product_code, product_display,
                         revenue_code, service_start, service_end, quantity, submitted_amount,
                         allowed_amount, paid_amount, patient_responsibility_amount, last_updated)
SELECT l.claim_id, l.line_number,
       CASE WHEN l.claim_type = 'pde' THEN 'http://hl7.org/fhir/sid/ndc'
            ELSE 'https://bluebutton.cms.gov/resources/codesystem/hcpcs' END,
       CASE WHEN l.claim_type = 'pde' THEN lpad((1 + floor(3000 * random() ^ 3))::int::text, 11, '0')
            ELSE 'H' || lpad((1 + floor(2000 * random() ^ 3))::int::text, 4, '0') END,
       CASE WHEN l.claim_type = 'pde' THEN 'Drug' END,
       CASE WHEN l.claim_type NOT IN ('pde', 'carrier', 'dme') THEN lpad((random() * 999)::int::text, 4, '0') END,
       l.billable_start, l.billable_end, 1 + (random() * 89)::int,
       round((random() * 300)::numeric, 2), round((random() * 200)::numeric, 2),
       round((random() * 150)::numeric, 2), round((random() * 40)::numeric, 2),
       timestamptz '2024-01-01'
FROM gen_lines l;

UPDATE claims c SET line_count = n
FROM (SELECT claim_id, count(*)::int AS n FROM claim_lines GROUP BY 1) l
WHERE l.claim_id = c.claim_id;

-- Adjudications: 6 entries per line (claim_lines' adjudication_* arrays), each naming a CMS
-- variable of its claim type.
UPDATE claim_lines cl
SET adjudication_categories = ARRAY['submitted', 'eligible', 'benefit', 'deductible', 'coinsurance', 'paidtoprovider'],
    adjudication_category_systems = array_fill(NULL::text, ARRAY[6]),
    adjudication_variables =
      CASE WHEN c.claim_type = 'pde'
           THEN ARRAY['tot_rx_cst_amt', 'cvrd_d_plan_pd_amt', 'ptnt_pay_amt', 'othr_troop_amt',
                      'lics_amt', 'gdc_blw_oopt_amt']
           WHEN c.claim_type IN ('carrier', 'dme')
           THEN ARRAY['line_sbmtd_chrg_amt', 'line_alowd_chrg_amt', 'line_nch_pmt_amt',
                      'line_bene_ptb_ddctbl_amt', 'line_coinsrnc_amt', 'line_prvdr_pmt_amt']
           ELSE ARRAY['rev_cntr_rate_amt', 'rev_cntr_tot_chrg_amt', 'rev_cntr_ncvrd_chrg_amt',
                      'rev_cntr_pmt_amt_amt', 'rev_cntr_prvdr_pmt_amt', 'rev_cntr_ptnt_rspnsblty_pmt']
      END,
    -- (`0 * cl.line_number` correlates the series with the line, so each line draws its own.)
    adjudication_amounts = ARRAY(SELECT round((random() * 200)::numeric, 2)
                                 FROM generate_series(1, 6 + 0 * cl.line_number)),
    adjudication_currencies = array_fill('USD'::text, ARRAY[6]),
    adjudication_reason_codes = array_fill(NULL::text, ARRAY[6]),
    adjudication_reason_systems = array_fill(NULL::text, ARRAY[6])
FROM claims c
WHERE c.claim_id = cl.claim_id;

-- (`0 * c.line_count` correlates the series with the claim, so each claim draws its own count.)
-- Diagnoses: 1-8 per non-PDE claim, the first principal, codes skewed.
INSERT INTO claim_diagnoses (claim_id, sequence, code, system, display, diagnosis_type, last_updated)
SELECT c.claim_id, n,
       'D' || lpad((1 + floor(5000 * random() ^ 3))::int::text, 4, '0'),
       'http://hl7.org/fhir/sid/icd-10-cm', 'DIAGNOSIS',
       CASE WHEN n = 1 THEN 'principal' ELSE 'secondary' END, timestamptz '2024-01-01'
FROM claims c CROSS JOIN LATERAL generate_series(1, 1 + (random() * 7)::int + 0 * c.line_count) AS n
WHERE c.claim_type <> 'pde';

INSERT INTO claim_procedures (claim_id, sequence, code, system, display, performed_on, last_updated)
SELECT c.claim_id, n, 'P' || lpad((1 + floor(800 * random() ^ 2))::int::text, 6, '0'),
       'http://www.cms.gov/Medicare/Coding/ICD10', 'PROCEDURE', c.billable_start, timestamptz '2024-01-01'
FROM claims c CROSS JOIN LATERAL generate_series(1, (random() * 5)::int + 0 * c.line_count) AS n
WHERE c.claim_type IN ('inpatient', 'snf', 'outpatient');

INSERT INTO claim_care_team (claim_id, sequence, role, provider_id, provider_id_type, last_updated)
SELECT c.claim_id, n,
       CASE WHEN c.claim_type = 'pde' THEN 'prescribing' WHEN n = 1 THEN 'performing' ELSE 'referring' END,
       (1000000000 + (random() * 50000)::int)::text, 'npi', timestamptz '2024-01-01'
FROM claims c CROSS JOIN LATERAL generate_series(1, 1 + (random() * 2)::int + 0 * c.line_count) AS n;

INSERT INTO claim_financials (claim_id, entry_index, source, variable, amount, last_updated)
SELECT c.claim_id, n - 1, CASE WHEN n = 1 THEN 'total' ELSE 'benefit_balance' END,
       (ARRAY['clm_tot_chrg_amt', 'nch_carr_clm_sbmtd_chrg_amt', 'nch_carr_clm_alowd_amt',
              'nch_clm_prvdr_pmt_amt', 'prpayamt'])[n],
       round((random() * 500)::numeric, 2), timestamptz '2024-01-01'
FROM claims c CROSS JOIN generate_series(1, 5) AS n
WHERE c.claim_type <> 'pde';

VACUUM ANALYZE;

SELECT 'patients' AS t, count(*) FROM patients
UNION ALL SELECT 'coverages', count(*) FROM coverages
UNION ALL SELECT 'claims', count(*) FROM claims
UNION ALL SELECT 'claim_lines', count(*) FROM claim_lines
UNION ALL SELECT 'claim_line_adjudications', count(*) FROM claim_line_adjudications
UNION ALL SELECT 'claim_diagnoses', count(*) FROM claim_diagnoses
UNION ALL SELECT 'claim_procedures', count(*) FROM claim_procedures
UNION ALL SELECT 'claim_care_team', count(*) FROM claim_care_team
UNION ALL SELECT 'claim_financials', count(*) FROM claim_financials;
