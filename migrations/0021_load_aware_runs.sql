CREATE TABLE "bfd_transaction_times" (
	"transaction_time" timestamp with time zone PRIMARY KEY NOT NULL,
	"first_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sync_run_members" ADD COLUMN "reason" text DEFAULT 'all' NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_run_members" ADD COLUMN "priority" smallint DEFAULT 3 NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_run_members" ADD COLUMN "full_sync" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_run_members" ADD COLUMN "queued_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "transaction_time" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "decisions" jsonb;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "forecast_finish_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "forecast_fits" boolean;--> statement-breakpoint
CREATE INDEX "sync_run_members_unfed_idx" ON "sync_run_members" USING btree ("priority","run_id","enrollment_id") WHERE queued_at IS NULL;--> statement-breakpoint
-- Members added before this migration were enqueued at once by the old fan-out: none is left to feed.
UPDATE "sync_run_members" SET "queued_at" = coalesce("finished_at", now());--> statement-breakpoint
COMMENT ON TABLE bfd_transaction_times IS 'BFD''s transaction times as learned from Blue Button (Bundle.meta.lastUpdated of the scheduled run''s probe search), one row per distinct value: the history of BFD''s data loads as this deployment saw them. A scheduled run syncs only enrollments whose cursor is older than the newest one.';--> statement-breakpoint
COMMENT ON COLUMN bfd_transaction_times.transaction_time IS 'BFD''s transaction time (when its last data load committed), as Blue Button reported it.';--> statement-breakpoint
COMMENT ON COLUMN bfd_transaction_times.first_seen_at IS 'When a probe first saw this transaction time (our clock).';--> statement-breakpoint
COMMENT ON COLUMN bfd_transaction_times.last_seen_at IS 'When a probe last saw this transaction time (our clock).';--> statement-breakpoint
COMMENT ON COLUMN sync_run_members.reason IS 'Why the enrollment is in the run: requested (an operator named it), first_sync (never synced), new_load (its cursor is older than BFD''s transaction time), reconcile (a new load and its turn for a full reconcile), all (a manual run of every active enrollment).';--> statement-breakpoint
COMMENT ON COLUMN sync_run_members.priority IS 'Feeding order, lowest first: 1 requested, 2 first_sync, 3 new_load and all, 4 reconcile. Also the BullMQ job priority.';--> statement-breakpoint
COMMENT ON COLUMN sync_run_members.full_sync IS '1 when this member''s sync is a full reconcile, 0 for an incremental one.';--> statement-breakpoint
COMMENT ON COLUMN sync_run_members.queued_at IS 'When the feeder handed this member''s job to the queue; NULL while the work is held in Postgres waiting for rate budget.';--> statement-breakpoint
COMMENT ON COLUMN sync_runs.transaction_time IS 'BFD''s transaction time the scheduled run planned against (NULL for manual runs, or when no probe answered and none was known).';--> statement-breakpoint
COMMENT ON COLUMN sync_runs.decisions IS 'Why enrollments were or were not included, as counts by reason: the member reasons plus up_to_date (cursor not older than the transaction time) and probe_failed notes.';--> statement-breakpoint
COMMENT ON COLUMN sync_runs.forecast_finish_at IS 'When the feeder expects the run''s remaining work to be done at BB2_MAX_REQUESTS_PER_SECOND and the recent requests per sync; updated as it feeds.';--> statement-breakpoint
COMMENT ON COLUMN sync_runs.forecast_fits IS 'Whether forecast_finish_at is before the next scheduled run; NULL when no schedule is known.';
--> statement-breakpoint
COMMENT ON COLUMN sync_state.syncs_completed IS 'Completed syncs.';
