CREATE TABLE "quality_results" (
	"run_id" integer NOT NULL,
	"check_name" text NOT NULL,
	"kind" text NOT NULL,
	"failures" integer NOT NULL,
	"checked" integer NOT NULL,
	CONSTRAINT "quality_results_run_id_check_name_pk" PRIMARY KEY("run_id","check_name")
);
--> statement-breakpoint
CREATE TABLE "quality_runs" (
	"run_id" bigserial PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"structural_failures" integer NOT NULL,
	"logical_failures" integer NOT NULL
);
--> statement-breakpoint
COMMENT ON TABLE quality_runs IS 'One row per run of bbsync quality (the data quality checks of src/db/quality.ts), kept as history.';--> statement-breakpoint
COMMENT ON COLUMN quality_runs.run_id IS 'The run.';--> statement-breakpoint
COMMENT ON COLUMN quality_runs.started_at IS 'When the checks ran.';--> statement-breakpoint
COMMENT ON COLUMN quality_runs.structural_failures IS 'Rows failing a structural check (orphan child rows, line counts that disagree, claims without a date): should be 0.';--> statement-breakpoint
COMMENT ON COLUMN quality_runs.logical_failures IS 'Rows failing a logical check (implausible claims: negative payments, line totals that do not add up, claims outside coverage, versions without a final one); a claims analyst reviews these.';--> statement-breakpoint
COMMENT ON TABLE quality_results IS 'The result of each check in each quality run.';--> statement-breakpoint
COMMENT ON COLUMN quality_results.run_id IS 'The run (quality_runs.run_id).';--> statement-breakpoint
COMMENT ON COLUMN quality_results.check_name IS 'The check, e.g. orphan_claim_lines, negative_paid_final_claims (bbsync quality --help lists them).';--> statement-breakpoint
COMMENT ON COLUMN quality_results.kind IS 'structural or logical.';--> statement-breakpoint
COMMENT ON COLUMN quality_results.failures IS 'Rows failing the check.';--> statement-breakpoint
COMMENT ON COLUMN quality_results.checked IS 'Rows the check looked at.';
