DROP INDEX "sync_run_members_outcome_idx";--> statement-breakpoint
CREATE INDEX "sync_run_members_in_flight_idx" ON "sync_run_members" USING btree ("queued_at") WHERE queued_at IS NOT NULL AND outcome IS NULL;--> statement-breakpoint
CREATE INDEX "sync_run_members_outcome_idx" ON "sync_run_members" USING btree ("run_id","outcome") WHERE outcome IS NOT NULL;--> statement-breakpoint
CREATE FUNCTION bbsync_cursor_floors(ids text[]) RETURNS TABLE (enrollment_id text, floor timestamptz)
LANGUAGE sql STABLE AS $$
  -- The oldest cursor of each enrollment, as long as it has a cursor for every kind of walk it
  -- makes: NULL while it has no ExplanationOfBenefit cursor, unless BB2 refuses it EOB (then
  -- its Patient and Coverage cursors are all it has).
  SELECT d.id,
         CASE WHEN bool_or(c.resource_type = 'ExplanationOfBenefit') OR bool_or(e.eob_forbidden_at IS NOT NULL)
              THEN min(bbsync_cursor_instant(c.cursor)) END
    FROM unnest(ids) AS d(id)
    LEFT JOIN enrollments e ON e.enrollment_id = d.id
    LEFT JOIN sync_cursors c ON c.enrollment_id = d.id
   GROUP BY d.id
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION bbsync_sync_cursors_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    -- Only an update: a cascade from a deleted enrollment must not create its state again.
    UPDATE sync_state s SET cursor_floor = f.floor
      FROM bbsync_cursor_floors(ARRAY(SELECT DISTINCT enrollment_id FROM changed)) f
     WHERE s.enrollment_id = f.enrollment_id AND s.cursor_floor IS DISTINCT FROM f.floor;
  ELSE
    INSERT INTO sync_state AS s (enrollment_id, cursor_floor)
    SELECT f.enrollment_id, f.floor FROM bbsync_cursor_floors(ARRAY(SELECT DISTINCT enrollment_id FROM changed)) f
    ON CONFLICT (enrollment_id) DO UPDATE SET cursor_floor = excluded.cursor_floor
     WHERE s.cursor_floor IS DISTINCT FROM excluded.cursor_floor;
  END IF;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE FUNCTION bbsync_eob_forbidden_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE sync_state s SET cursor_floor = f.floor
    FROM bbsync_cursor_floors(ARRAY[NEW.enrollment_id]) f
   WHERE s.enrollment_id = f.enrollment_id AND s.cursor_floor IS DISTINCT FROM f.floor;
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER enrollments_eob_forbidden_changed AFTER UPDATE OF eob_forbidden_at ON "enrollments"
  FOR EACH ROW WHEN (OLD.eob_forbidden_at IS DISTINCT FROM NEW.eob_forbidden_at)
  EXECUTE FUNCTION bbsync_eob_forbidden_changed();--> statement-breakpoint
UPDATE sync_state s SET cursor_floor = f.floor
  FROM bbsync_cursor_floors(ARRAY(SELECT enrollment_id FROM enrollments WHERE eob_forbidden_at IS NOT NULL)) f
 WHERE s.enrollment_id = f.enrollment_id AND s.cursor_floor IS DISTINCT FROM f.floor;--> statement-breakpoint
COMMENT ON COLUMN sync_state.cursor_floor IS 'The oldest of the enrollment''s cursors as an instant (-infinity when one is not an instant); NULL while it has no ExplanationOfBenefit cursor, unless BB2 refuses it ExplanationOfBenefit (eob_forbidden_at: then its Patient and Coverage cursors are all it syncs). Kept by triggers on sync_cursors and on enrollments.eob_forbidden_at; a scheduled run reads who is behind BFD''s transaction time from its index.';
