ALTER TABLE "claim_care_team" DROP CONSTRAINT "claim_care_team_claim_id_claims_claim_id_fk";
--> statement-breakpoint
ALTER TABLE "claim_diagnoses" DROP CONSTRAINT "claim_diagnoses_claim_id_claims_claim_id_fk";
--> statement-breakpoint
ALTER TABLE "claim_financials" DROP CONSTRAINT "claim_financials_claim_id_claims_claim_id_fk";
--> statement-breakpoint
ALTER TABLE "claim_line_adjudications" DROP CONSTRAINT "claim_line_adjudications_claim_id_claims_claim_id_fk";
--> statement-breakpoint
ALTER TABLE "claim_lines" DROP CONSTRAINT "claim_lines_claim_id_claims_claim_id_fk";
--> statement-breakpoint
ALTER TABLE "claim_procedures" DROP CONSTRAINT "claim_procedures_claim_id_claims_claim_id_fk";
