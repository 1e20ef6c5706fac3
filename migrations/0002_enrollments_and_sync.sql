CREATE TABLE "audit_log" (
	"audit_id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target" text,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "authorization_requests" (
	"state_hash" text PRIMARY KEY NOT NULL,
	"code_verifier_ciphertext" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "bb2_request_counts" (
	"minute" timestamp with time zone NOT NULL,
	"endpoint" text NOT NULL,
	"status" integer NOT NULL,
	"count" integer NOT NULL,
	CONSTRAINT "bb2_request_counts_minute_endpoint_status_pk" PRIMARY KEY("minute","endpoint","status")
);
--> statement-breakpoint
CREATE TABLE "enrollments" (
	"enrollment_id" text PRIMARY KEY NOT NULL,
	"patient_id" text NOT NULL,
	"status" text NOT NULL,
	"scope" text NOT NULL,
	"access_grant_expiration" timestamp with time zone,
	"refresh_token_ciphertext" text,
	"access_token_ciphertext" text,
	"access_token_expires_at" timestamp with time zone,
	"token_version" integer DEFAULT 0 NOT NULL,
	"enrolled_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_refresh_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"last_error_category" text,
	"last_error_message" text,
	"last_error_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_attempts" (
	"attempt_id" bigserial PRIMARY KEY NOT NULL,
	"enrollment_id" text NOT NULL,
	"run_id" text,
	"job_id" text NOT NULL,
	"status" text NOT NULL,
	"full" smallint DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"duration_ms" integer,
	"requests" integer DEFAULT 0 NOT NULL,
	"retries" integer DEFAULT 0 NOT NULL,
	"resources_changed" integer DEFAULT 0 NOT NULL,
	"rows_written" integer DEFAULT 0 NOT NULL,
	"resources_removed" integer DEFAULT 0 NOT NULL,
	"resources_quarantined" integer DEFAULT 0 NOT NULL,
	"counts" jsonb,
	"error_category" text,
	"error_message" text
);
--> statement-breakpoint
CREATE TABLE "sync_cursors" (
	"enrollment_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"cursor" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_cursors_enrollment_id_resource_type_pk" PRIMARY KEY("enrollment_id","resource_type")
);
--> statement-breakpoint
CREATE TABLE "sync_progress" (
	"enrollment_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"job_id" text NOT NULL,
	"full" smallint NOT NULL,
	"since" text,
	"next_url" text,
	"pages_done" integer DEFAULT 0 NOT NULL,
	"bundle_last_updated" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sync_progress_enrollment_id_resource_type_pk" PRIMARY KEY("enrollment_id","resource_type")
);
--> statement-breakpoint
CREATE TABLE "sync_runs" (
	"run_id" text PRIMARY KEY NOT NULL,
	"trigger" text NOT NULL,
	"requested_by" text,
	"full" smallint DEFAULT 0 NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"enrollments_total" integer DEFAULT 0 NOT NULL,
	"enrollments_ok" integer DEFAULT 0 NOT NULL,
	"enrollments_failed" integer DEFAULT 0 NOT NULL,
	"enrollments_skipped" integer DEFAULT 0 NOT NULL,
	"resources_changed" integer DEFAULT 0 NOT NULL,
	"rows_written" integer DEFAULT 0 NOT NULL,
	"resources_removed" integer DEFAULT 0 NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_seen" (
	"enrollment_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"resource_id" text NOT NULL,
	CONSTRAINT "sync_seen_enrollment_id_resource_type_resource_id_pk" PRIMARY KEY("enrollment_id","resource_type","resource_id")
);
--> statement-breakpoint
CREATE TABLE "sync_state" (
	"enrollment_id" text PRIMARY KEY NOT NULL,
	"last_success_at" timestamp with time zone,
	"last_attempt_at" timestamp with time zone,
	"consecutive_failures" integer DEFAULT 0 NOT NULL,
	"syncs_completed" integer DEFAULT 0 NOT NULL,
	"last_full_sync_at" timestamp with time zone,
	"last_rows_written" integer,
	"resources_held" jsonb
);
--> statement-breakpoint
ALTER TABLE "sync_attempts" ADD CONSTRAINT "sync_attempts_enrollment_id_enrollments_enrollment_id_fk" FOREIGN KEY ("enrollment_id") REFERENCES "public"."enrollments"("enrollment_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_attempts" ADD CONSTRAINT "sync_attempts_run_id_sync_runs_run_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."sync_runs"("run_id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_cursors" ADD CONSTRAINT "sync_cursors_enrollment_id_enrollments_enrollment_id_fk" FOREIGN KEY ("enrollment_id") REFERENCES "public"."enrollments"("enrollment_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_progress" ADD CONSTRAINT "sync_progress_enrollment_id_enrollments_enrollment_id_fk" FOREIGN KEY ("enrollment_id") REFERENCES "public"."enrollments"("enrollment_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_seen" ADD CONSTRAINT "sync_seen_enrollment_id_enrollments_enrollment_id_fk" FOREIGN KEY ("enrollment_id") REFERENCES "public"."enrollments"("enrollment_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_state" ADD CONSTRAINT "sync_state_enrollment_id_enrollments_enrollment_id_fk" FOREIGN KEY ("enrollment_id") REFERENCES "public"."enrollments"("enrollment_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "enrollments_patient_idx" ON "enrollments" USING btree ("patient_id");--> statement-breakpoint
CREATE INDEX "enrollments_status_idx" ON "enrollments" USING btree ("status");--> statement-breakpoint
CREATE INDEX "sync_attempts_enrollment_idx" ON "sync_attempts" USING btree ("enrollment_id","started_at");--> statement-breakpoint
CREATE INDEX "sync_attempts_run_idx" ON "sync_attempts" USING btree ("run_id","status");--> statement-breakpoint
CREATE INDEX "sync_runs_started_idx" ON "sync_runs" USING btree ("started_at");