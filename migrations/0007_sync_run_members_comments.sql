COMMENT ON TABLE sync_run_members IS 'The enrollments a sync run covers, each with its final outcome once known; setting an outcome is idempotent, so a job that runs twice counts once.';--> statement-breakpoint
COMMENT ON COLUMN sync_run_members.run_id IS 'The run (sync_runs.run_id).';--> statement-breakpoint
COMMENT ON COLUMN sync_run_members.enrollment_id IS 'The enrollment synced in this run.';--> statement-breakpoint
COMMENT ON COLUMN sync_run_members.outcome IS 'NULL while pending; then ok | failed | skipped.';--> statement-breakpoint
COMMENT ON COLUMN sync_run_members.finished_at IS 'When the outcome was recorded.';
