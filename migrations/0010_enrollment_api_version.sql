ALTER TABLE "enrollments" ADD COLUMN "api_version" text DEFAULT 'v2' NOT NULL;--> statement-breakpoint
ALTER TABLE "enrollments" ADD COLUMN "samhsa_shared" boolean;--> statement-breakpoint
COMMENT ON COLUMN enrollments.api_version IS 'The Blue Button API version (v2 or v3) that issued this enrollment''s tokens; they are refreshed, revoked and used with that version only (BB2_API_VERSION decides it for new enrollments).';--> statement-breakpoint
COMMENT ON COLUMN enrollments.samhsa_shared IS 'v3: whether the beneficiary shared SAMHSA (42 CFR Part 2) data on the consent page, read from the _security:not=42CFRPart2 filter BB2 adds to EOB searches when they did not; NULL until known, and for v2.';
