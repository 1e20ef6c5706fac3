CREATE TABLE "sync_run_tallies" (
	"run_id" text NOT NULL,
	"shard" smallint NOT NULL,
	"enrollments_ok" integer DEFAULT 0 NOT NULL,
	"enrollments_failed" integer DEFAULT 0 NOT NULL,
	"enrollments_skipped" integer DEFAULT 0 NOT NULL,
	"resources_changed" integer DEFAULT 0 NOT NULL,
	"rows_written" integer DEFAULT 0 NOT NULL,
	"resources_removed" integer DEFAULT 0 NOT NULL,
	"requests" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "sync_run_tallies_run_id_shard_pk" PRIMARY KEY("run_id","shard")
);
--> statement-breakpoint
ALTER TABLE "sync_attempts" DROP CONSTRAINT "sync_attempts_run_id_sync_runs_run_id_fk";
--> statement-breakpoint
-- A run still going when this runs keeps its counters: they become its first tally shard (a
-- running run's counters are the sum of its tallies from now on).
INSERT INTO "sync_run_tallies" ("run_id", "shard", "enrollments_ok", "enrollments_failed", "enrollments_skipped",
                                "resources_changed", "rows_written", "resources_removed", "requests")
SELECT "run_id", 0, "enrollments_ok", "enrollments_failed", "enrollments_skipped",
       "resources_changed", "rows_written", "resources_removed", "requests"
  FROM "sync_runs" WHERE "status" <> 'finished';
--> statement-breakpoint
COMMENT ON TABLE sync_run_tallies IS 'A running run''s counters in shards, one per database session that records outcomes (summed on read; the run''s row holds the sums, exact once it finishes). Operational: read sync_runs instead.';--> statement-breakpoint
COMMENT ON COLUMN sync_run_tallies.run_id IS 'The run (sync_runs.run_id; no foreign key, deleted with the run).';--> statement-breakpoint
COMMENT ON COLUMN sync_run_tallies.shard IS 'The shard: the recording session''s backend pid modulo 32.';--> statement-breakpoint
COMMENT ON COLUMN sync_run_tallies.enrollments_ok IS 'Members that ended ok, counted in this shard.';--> statement-breakpoint
COMMENT ON COLUMN sync_run_tallies.enrollments_failed IS 'Members that failed for good, counted in this shard.';--> statement-breakpoint
COMMENT ON COLUMN sync_run_tallies.enrollments_skipped IS 'Members skipped (an ended grant, a purge), counted in this shard.';--> statement-breakpoint
COMMENT ON COLUMN sync_run_tallies.resources_changed IS 'Resources inserted or changed by the members counted here.';--> statement-breakpoint
COMMENT ON COLUMN sync_run_tallies.rows_written IS 'Analytics rows written by the members counted here.';--> statement-breakpoint
COMMENT ON COLUMN sync_run_tallies.resources_removed IS 'Resources removed by reconciles of the members counted here.';--> statement-breakpoint
COMMENT ON COLUMN sync_run_tallies.requests IS 'BB2 requests made by the members counted here.';--> statement-breakpoint
COMMENT ON COLUMN sync_attempts.run_id IS 'The run it belongs to (no foreign key since migration 0031: deleted before its run by history retention).';
