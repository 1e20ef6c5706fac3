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
