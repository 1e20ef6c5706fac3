ALTER TABLE "sync_run_members" DROP CONSTRAINT "sync_run_members_run_id_sync_runs_run_id_fk";
--> statement-breakpoint
ALTER TABLE "sync_run_members" DROP CONSTRAINT "sync_run_members_enrollment_id_enrollments_enrollment_id_fk";
--> statement-breakpoint
ALTER TABLE "sync_state" ADD COLUMN "cursor_floor" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "sync_state_cursor_floor_idx" ON "sync_state" USING btree ("cursor_floor");--> statement-breakpoint
CREATE FUNCTION bbsync_cursor_instant(cursor text) RETURNS timestamptz LANGUAGE sql STABLE AS $$
  -- A cursor that is not an ISO-8601 instant counts as the oldest possible.
  SELECT CASE WHEN cursor ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$'
              THEN cursor::timestamptz ELSE '-infinity' END
$$;--> statement-breakpoint
CREATE FUNCTION bbsync_sync_cursors_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The floor of each enrollment whose cursors changed: NULL without an ExplanationOfBenefit cursor.
  IF TG_OP = 'DELETE' THEN
    -- Only an update: a cascade from a deleted enrollment must not create its state again.
    UPDATE sync_state s SET cursor_floor = f.floor
      FROM (SELECT d.enrollment_id,
                   CASE WHEN bool_or(c.resource_type = 'ExplanationOfBenefit') THEN min(bbsync_cursor_instant(c.cursor)) END AS floor
              FROM (SELECT DISTINCT enrollment_id FROM changed) d
              LEFT JOIN sync_cursors c ON c.enrollment_id = d.enrollment_id
             GROUP BY d.enrollment_id) f
     WHERE s.enrollment_id = f.enrollment_id AND s.cursor_floor IS DISTINCT FROM f.floor;
  ELSE
    INSERT INTO sync_state AS s (enrollment_id, cursor_floor)
    SELECT c.enrollment_id,
           CASE WHEN bool_or(c.resource_type = 'ExplanationOfBenefit') THEN min(bbsync_cursor_instant(c.cursor)) END
      FROM sync_cursors c WHERE c.enrollment_id IN (SELECT enrollment_id FROM changed)
     GROUP BY c.enrollment_id
    ON CONFLICT (enrollment_id) DO UPDATE SET cursor_floor = excluded.cursor_floor
     WHERE s.cursor_floor IS DISTINCT FROM excluded.cursor_floor;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER sync_cursors_inserted AFTER INSERT ON "sync_cursors" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION bbsync_sync_cursors_changed();--> statement-breakpoint
CREATE TRIGGER sync_cursors_updated AFTER UPDATE ON "sync_cursors" REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION bbsync_sync_cursors_changed();--> statement-breakpoint
CREATE TRIGGER sync_cursors_deleted AFTER DELETE ON "sync_cursors" REFERENCING OLD TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION bbsync_sync_cursors_changed();--> statement-breakpoint
INSERT INTO sync_state AS s (enrollment_id, cursor_floor)
SELECT enrollment_id, CASE WHEN bool_or(resource_type = 'ExplanationOfBenefit') THEN min(bbsync_cursor_instant(cursor)) END
  FROM sync_cursors GROUP BY enrollment_id
ON CONFLICT (enrollment_id) DO UPDATE SET cursor_floor = excluded.cursor_floor;--> statement-breakpoint
COMMENT ON COLUMN sync_state.cursor_floor IS 'The oldest of the enrollment''s cursors as an instant (-infinity when one is not an instant); NULL while it has no ExplanationOfBenefit cursor. Kept by triggers on sync_cursors; a scheduled run reads who is behind BFD''s transaction time from its index.';--> statement-breakpoint
COMMENT ON TABLE sync_run_members IS 'The enrollments a run covers, each with why, its feeding priority and its outcome once known (set once: a job that runs twice counts once). No foreign keys (per-row checks were a third of a million-member fan-out): rows are inserted from enrollments in the statement that adds a run''s members and deleted explicitly with their run (history retention) or their enrollment''s data (purge).';
