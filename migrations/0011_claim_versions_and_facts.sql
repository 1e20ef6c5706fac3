ALTER TABLE "claim_lines" ADD COLUMN "rendering_npi" text;--> statement-breakpoint
ALTER TABLE "claims" ADD COLUMN "final_action" boolean;--> statement-breakpoint
ALTER TABLE "claims" ADD COLUMN "pde_adjustment_code" text;--> statement-breakpoint
ALTER TABLE "claims" ADD COLUMN "is_final" boolean GENERATED ALWAYS AS (final_action IS NOT FALSE AND COALESCE(pde_adjustment_code, '') <> 'D') STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "claims" ADD COLUMN "non_payment_reason_code" text;--> statement-breakpoint
ALTER TABLE "claims" ADD COLUMN "payment_denial_code" text;--> statement-breakpoint
ALTER TABLE "claims" ADD COLUMN "is_denied" boolean GENERATED ALWAYS AS (COALESCE(btrim(non_payment_reason_code), '') <> '' OR COALESCE(payment_denial_code, '') = '0') STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "claims" ADD COLUMN "bill_type_code" text;--> statement-breakpoint
ALTER TABLE "claims" ADD COLUMN "admission_type_code" text;--> statement-breakpoint
ALTER TABLE "claims" ADD COLUMN "admission_source_code" text;--> statement-breakpoint
-- Rows written before this migration: status already says which version is final. The PDE code,
-- bill type, admission and rendering NPI columns fill in when the sync rewrites those rows
-- (NORMALIZER_VERSION 2 makes it rewrite unchanged resources once).
UPDATE "claims" SET "final_action" = ("status" = 'active') WHERE "status" IS NOT NULL;--> statement-breakpoint
COMMENT ON COLUMN claims.status IS 'EOB status: active for the final version of a claim, cancelled for a version that was superseded by an adjustment or cancelled (BFD maps the CCW final-action flag to status). v3 marks it with the Final-Action tag instead (see final_action).';--> statement-breakpoint
COMMENT ON COLUMN claims.claim_group IS 'The claim group identifier (identifier claim-group): ties the versions of one claim together in CCW. NOT unique per claim in real data (the 52 claims of the sandbox beneficiary share one value; BFD samples share 900), so never pick one version per claim_group: is_final decides. v2 only: NULL for v3 claims.';--> statement-breakpoint
COMMENT ON COLUMN claims.final_action IS 'CCW final-action flag: true when this is the final (latest accepted) version of the claim, false when it was superseded or cancelled. v2: status = active (BFD TransformerUtils.mapEobCommonClaimHeaderData maps final_action F to active, else cancelled); v3: meta.tag Final-Action (FinalAction / NotFinalAction); NULL when the resource says neither.';--> statement-breakpoint
COMMENT ON COLUMN claims.pde_adjustment_code IS 'PDE adjustment/deletion code (supportingInfo adjstmt_dltn_cd): NULL for an original event, A adjustment, D deletion. A deletion record is active but cancels the event: is_final is false for it. NULL for other claim types.';--> statement-breakpoint
COMMENT ON COLUMN claims.is_final IS 'True for the version of a claim that counts: final_action is not false (v2 status active) and it is not a PDE deletion (pde_adjustment_code D). Every view and bbsync report count only these rows; claim_versions shows all. Source: BFD final_action (status), CCW PDE adjstmt_dltn_cd; AB2D and BCDA return every version with all but the latest cancelled. Computed by Postgres.';--> statement-breakpoint
COMMENT ON COLUMN claims.non_payment_reason_code IS 'Claim Medicare non-payment reason code (clm_mdcr_non_pmt_rsn_cd), institutional claims: set when Medicare paid nothing, e.g. A, B (benefits exhausted), E, N; NULL when Medicare paid.';--> statement-breakpoint
COMMENT ON COLUMN claims.payment_denial_code IS 'Carrier claim payment denial code (carr_clm_pmt_dnl_cd), carrier and DME: 0 denied, 1 paid to the physician/supplier, 2 to the beneficiary, and others.';--> statement-breakpoint
COMMENT ON COLUMN claims.is_denied IS 'True when Medicare denied the claim or paid nothing on it: a non-payment reason is present (institutional) or payment_denial_code is 0 (carrier, DME). Computed by Postgres.';--> statement-breakpoint
COMMENT ON COLUMN claims.bill_type_code IS 'Type of bill, 3 characters: facility type (clm_fac_type_cd) + service classification (clm_srvc_clsfctn_type_cd) + frequency (clm_freq_cd), e.g. 111 hospital inpatient admit through discharge; institutional claims; NULL when a part is missing.';--> statement-breakpoint
COMMENT ON COLUMN claims.admission_type_code IS 'Admission type (supportingInfo admtype, clm_ip_admsn_type_cd; NUBC priority of admission): 1 emergency, 2 urgent, 3 elective, ...; inpatient and SNF claims.';--> statement-breakpoint
COMMENT ON COLUMN claims.admission_source_code IS 'Source of admission (supportingInfo clm_src_ip_admsn_cd; NUBC point of origin), e.g. 1 non-health-care point of origin, 4 transfer from a hospital; inpatient and SNF claims.';--> statement-breakpoint
COMMENT ON COLUMN claim_lines.rendering_npi IS 'Rendering (performing) provider of the line: the careTeam entry named by item.careTeamSequence with role performing (else the first one named). Not always a 10-digit NPI (BB2 sends placeholders and UPINs).';
