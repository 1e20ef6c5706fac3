CREATE OR REPLACE FUNCTION bbsync_sync_cursors_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- An INSERT ... ON CONFLICT DO UPDATE fires both the insert and the update statement trigger,
  -- one of them with an empty transition table: that one has nothing to recompute.
  IF NOT EXISTS (SELECT 1 FROM changed) THEN
    RETURN NULL;
  END IF;
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
$$;
