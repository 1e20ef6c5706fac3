DROP INDEX "claim_diagnoses_code_idx";--> statement-breakpoint
DROP INDEX "claim_lines_product_idx";--> statement-breakpoint
DROP INDEX "claim_procedures_code_idx";--> statement-breakpoint
CREATE INDEX "claim_diagnoses_code_idx" ON "claim_diagnoses" USING btree ("code" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "claim_lines_product_idx" ON "claim_lines" USING btree ("product_code" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "claim_procedures_code_idx" ON "claim_procedures" USING btree ("code" text_pattern_ops);