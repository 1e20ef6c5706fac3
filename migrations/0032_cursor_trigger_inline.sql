-- The sync_cursors statement triggers compute the floor in their own statements instead of calling
-- bbsync_cursor_floors(): called with ARRAY(SELECT ... FROM changed), a sub-select, the SQL
-- function cannot be inlined, so every walk's close (one cursor upsert) planned and ran the
-- function's query on its own: 0.8 ms of the upsert's 0.97 ms (pgbench, one enrollment's cursor
-- per statement; 0.25 ms with the query written in here, where PL/pgSQL keeps its plan). The
-- floor is the same expression as bbsync_cursor_floors() (0029), which the enrollments trigger
-- still calls for one enrollment at a time.
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
      FROM (SELECT d.id AS enrollment_id,
                   CASE WHEN bool_or(c.resource_type = 'ExplanationOfBenefit') OR bool_or(e.eob_forbidden_at IS NOT NULL)
                        THEN min(bbsync_cursor_instant(c.cursor)) END AS floor
              FROM (SELECT DISTINCT enrollment_id AS id FROM changed) d
              LEFT JOIN enrollments e ON e.enrollment_id = d.id
              LEFT JOIN sync_cursors c ON c.enrollment_id = d.id
             GROUP BY d.id) f
     WHERE s.enrollment_id = f.enrollment_id AND s.cursor_floor IS DISTINCT FROM f.floor;
  ELSE
    INSERT INTO sync_state AS s (enrollment_id, cursor_floor)
    SELECT d.id,
           CASE WHEN bool_or(c.resource_type = 'ExplanationOfBenefit') OR bool_or(e.eob_forbidden_at IS NOT NULL)
                THEN min(bbsync_cursor_instant(c.cursor)) END
      FROM (SELECT DISTINCT enrollment_id AS id FROM changed) d
      LEFT JOIN enrollments e ON e.enrollment_id = d.id
      LEFT JOIN sync_cursors c ON c.enrollment_id = d.id
     GROUP BY d.id
    ON CONFLICT (enrollment_id) DO UPDATE SET cursor_floor = excluded.cursor_floor
     WHERE s.cursor_floor IS DISTINCT FROM excluded.cursor_floor;
  END IF;
  RETURN NULL;
END
$$;
