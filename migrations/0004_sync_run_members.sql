CREATE TABLE "sync_run_members" (
	"run_id" text NOT NULL,
	"enrollment_id" text NOT NULL,
	"outcome" text,
	"finished_at" timestamp with time zone,
	CONSTRAINT "sync_run_members_run_id_enrollment_id_pk" PRIMARY KEY("run_id","enrollment_id")
);
--> statement-breakpoint
ALTER TABLE "sync_run_members" ADD CONSTRAINT "sync_run_members_run_id_sync_runs_run_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."sync_runs"("run_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_run_members" ADD CONSTRAINT "sync_run_members_enrollment_id_enrollments_enrollment_id_fk" FOREIGN KEY ("enrollment_id") REFERENCES "public"."enrollments"("enrollment_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sync_run_members_outcome_idx" ON "sync_run_members" USING btree ("run_id","outcome");