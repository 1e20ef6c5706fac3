-- BB2 v3 loads into the same tables (docs/v3.md). These descriptions say which columns only one
-- API version fills and where v3 takes each value from.
COMMENT ON COLUMN claims.claim_id IS 'The EOB id. v2: <claim type>-<claim id>, e.g. carrier--10045426206. v3: the bare claim unique id, e.g. 3351266481402 (v2 and v3 ids of one claim differ).';--> statement-breakpoint
COMMENT ON COLUMN claims.claim_type IS 'carrier | dme | hha | hospice | inpatient | outpatient | pde | snf (v2: the id prefix or the eob-type code; v3: the EOB-TYPE code).';--> statement-breakpoint
COMMENT ON COLUMN claims.claim_number IS 'The CMS claim id (v2: clm_id or pde_id, may be negative; v3: the identifier of type uc, equal to claim_id). The two versions number a claim differently: never join on it across versions.';--> statement-breakpoint
COMMENT ON COLUMN claims.claim_group IS 'The claim group identifier (identifier claim-group). v2 only: NULL for v3 claims.';--> statement-breakpoint
COMMENT ON COLUMN claims.nch_claim_type_code IS 'Claim type code, e.g. 71 carrier, 60 inpatient (v2: nch_clm_type_cd, NULL for PDE; v3: CLM-TYPE-CD, which also has PDE codes and the shared-system codes 1xxx for phase 1 and 2xxx for later phases).';--> statement-breakpoint
COMMENT ON COLUMN claims.outcome IS 'EOB outcome: complete; v3 claims from the shared systems (FISS, MCS, VMS) can be partial or queued (still processing). NULL in older v2 data.';--> statement-breakpoint
COMMENT ON COLUMN claims.coverage_id IS 'The Coverage billed (insurance.coverage), e.g. part-b--19990000000001. v2 only: v3 names the coverage only by display (Part A), so NULL.';--> statement-breakpoint
COMMENT ON COLUMN claims.part IS 'Medicare part billed: A (inpatient, SNF, hospice), B (carrier, outpatient, HHA, DME), D (PDE). v2: the part letter of coverage_id; v3: insurance.coverage.display (Part A).';--> statement-breakpoint
COMMENT ON COLUMN claims.provider_npi IS 'Billing provider NPI (v2: carrier carr_clm_blg_npi_num, DME/PDE us-npi, or the contained Organization; v3: the us-npi identifier of the contained Practitioner or Organization at provider.reference).';--> statement-breakpoint
COMMENT ON COLUMN claims.provider_ccn IS 'Institution CMS Certification Number (contained Organization, PRN). v2 only: NULL for v3 claims.';--> statement-breakpoint
COMMENT ON COLUMN claims.drg_code IS 'Diagnosis related group, inpatient claims (v2: clm_drg_cd; v3: supportingInfo drg).';--> statement-breakpoint
COMMENT ON COLUMN claims.claim_frequency_code IS 'Claim frequency code of the type of bill (v2: supportingInfo typeofbill, clm_freq_cd, e.g. 1 admit through discharge; v3: the CLM-BILL-FREQ-CD coding of supportingInfo typeofbill, as sent).';--> statement-breakpoint
COMMENT ON COLUMN claims.facility_type_code IS 'Facility type code, institutional claims (v2: clm_fac_type_cd; v3: the CLM-BILL-FAC-TYPE-CD coding of supportingInfo typeofbill).';--> statement-breakpoint
COMMENT ON COLUMN claims.allowed_amount IS 'Allowed charges.
carrier, DME: nch_carr_clm_alowd_amt, else the sum of line line_alowd_chrg_amt (v3: total CLM_ALOWD_CHRG_AMT, else line CLM_LINE_ALOWD_CHRG_AMT).
outpatient, inpatient, SNF, hospice, HHA: v2 NULL; v3 total CLM_ALOWD_CHRG_AMT (filled by v3 only).
PDE: NULL.';--> statement-breakpoint
COMMENT ON COLUMN claim_lines.paid_amount IS 'What was paid for the line.
carrier, DME: line_nch_pmt_amt (v3: CLM_LINE_CVRD_PD_AMT).
outpatient, hospice, HHA: rev_cntr_pmt_amt_amt (v3: CLM_LINE_CVRD_PD_AMT).
inpatient, SNF: v2 NULL (paid per claim); v3 CLM_LINE_CVRD_PD_AMT (filled by v3 only).
PDE: cvrd_d_plan_pd_amt (v3: CLM_LINE_CVRD_PD_AMT or benefit).';--> statement-breakpoint
COMMENT ON COLUMN claim_line_adjudications.variable IS 'The CMS variable of the amount. v2: the CCW variable, e.g. line_nch_pmt_amt, rev_cntr_tot_chrg_amt, cvrd_d_plan_pd_amt (for a denial reason, the reason variable). v3: the IDR name from https://bluebutton.cms.gov/fhir/CodeSystem/Adjudication, e.g. CLM_LINE_CVRD_PD_AMT (docs/v3.md maps one to the other).';--> statement-breakpoint
COMMENT ON COLUMN claim_financials.entry_index IS 'Position among the claim entries (0-based): totals first, then v2 benefitBalance or v3 header adjudication entries.';--> statement-breakpoint
COMMENT ON COLUMN claim_financials.source IS 'total; benefit_balance (v2 only); adjudication (v3 only: the claim-level adjudication entries that carry an amount or a whole count, where v3 moved what v2 had in benefitBalance).';--> statement-breakpoint
COMMENT ON COLUMN claim_financials.variable IS 'The CMS variable. v2: the CCW variable, e.g. clm_tot_chrg_amt, nch_carr_clm_alowd_amt, prpayamt, clm_utlztn_day_cnt (carrier/DME totals labelled clm_tot_chrg_amt hold carr_clm_prmry_pyr_pd_amt). v3: the IDR name, e.g. CLM_SBMT_CHRG_AMT, CLM_INSTNL_CVRD_DAY_CNT.';--> statement-breakpoint
COMMENT ON COLUMN claim_financials.count_value IS 'Day counts and other counts: v2 financial.usedUnsignedInt (clm_utlztn_day_cnt), v3 adjudication.value when a whole number (CLM_INSTNL_CVRD_DAY_CNT). v3 rates such as the DRG weight stay in the raw resource.';--> statement-breakpoint
COMMENT ON COLUMN claim_diagnoses.present_on_admission IS 'Present-on-admission indicator, e.g. Y, N or X (v2: the clm_poa_ind_swN extension; v3: diagnosis.onAdmission).';--> statement-breakpoint
COMMENT ON COLUMN patients.race_code IS 'CCW race code (https://bluebutton.cms.gov/resources/variables/race), e.g. 1 White, 2 Black. v2 only: v3 codes race with US Core OMB categories, so NULL (race_display holds the text).';--> statement-breakpoint
COMMENT ON COLUMN patients.race_display IS 'Race as text: v2 the description of race_code; v3 the us-core-race text.';--> statement-breakpoint
COMMENT ON COLUMN patients.mbi IS 'The current Medicare Beneficiary Identifier (v2: the us-mbi identifier flagged current; v3: the us-mbi identifier without period.end).';--> statement-breakpoint
COMMENT ON COLUMN patients.reference_year IS 'Reference year of the monthly values (rfrnc_yr); synthetic data has year 3. v2 only.';--> statement-breakpoint
COMMENT ON COLUMN coverages.part IS 'A, B, C or D, from the id prefix (the only reliable place). NULL for v3''s dual Medicare/Medicaid Coverage (id dual-<beneficiary>).';--> statement-breakpoint
COMMENT ON COLUMN coverages.medicare_status_code IS 'Medicare status code (v2: ms_cd; v3: BENE-MDCR-STUS-CD).';--> statement-breakpoint
COMMENT ON COLUMN coverages.termination_code IS 'Part A/B termination code (a_trm_cd / b_trm_cd). v2 only.';--> statement-breakpoint
COMMENT ON COLUMN coverages.contract_id IS 'Part C/D contract (v2: of the latest month that has one, ptc_cntrct_id_NN / ptdcntrctNN; v3: BENE-CNTRCT-NUM).';--> statement-breakpoint
COMMENT ON COLUMN coverages.plan_id IS 'Part C/D plan benefit package (v2: of that month, ptc_pbp_id_NN / ptdpbpidNN; v3: BENE-PBP-NUM).';--> statement-breakpoint
COMMENT ON COLUMN coverages.dual_status_code IS 'Medicare-Medicaid dual status code (v2: of the latest month that has one, dual_NN; v3: BENE-DUAL-STUS-CD of the dual Coverage).';--> statement-breakpoint
COMMENT ON COLUMN coverages.reference_year IS 'Reference year of the monthly values (rfrnc_yr). v2 only.';
