-- Scheduled runs now leave out enrollments still waiting in an unfinished run (decision in_run).
COMMENT ON COLUMN sync_runs.decisions IS 'Why enrollments were or were not included, as counts by reason: the member reasons plus up_to_date (cursor not older than the transaction time), in_run (a scheduled run left them to the unfinished run that still has to sync them) and probe_failed notes.';
