/**
 * Read models only /metrics needs: the last clean run and sync durations as histograms.
 * The counts it shares with the dashboard (enrollments, requests) are in db/dashboard.ts.
 */
import type { Db } from './client.ts';

/** The finish time of the newest finished run in which no enrollment failed (undefined: none yet). */
export async function lastSuccessfulRunAt(db: Db): Promise<string | undefined> {
  const { rows } = await db.query<{ finished_at: string }>(
    `SELECT finished_at FROM sync_runs WHERE status = 'finished' AND enrollments_failed = 0 AND finished_at IS NOT NULL
      ORDER BY finished_at DESC LIMIT 1`,
  );
  return rows[0]?.finished_at;
}

export interface DurationHistogram {
  /** Cumulative counts per upper bound (seconds), in the order of `bounds`. */
  buckets: { le: number; count: number }[];
  count: number;
  sumSeconds: number;
}

/**
 * Durations of the sync attempts that finished in the last `hours`, per attempt status, as a
 * cumulative histogram. Only attempts of runs that started in the window or the day before are
 * read (the run index keeps this cheap however long sync_attempts grows).
 */
export async function attemptDurations(
  db: Db,
  hours: number,
  bounds: readonly number[],
): Promise<Map<string, DurationHistogram>> {
  const { rows } = await db.query<{ status: string; le: number; n: number; total: number; sum_ms: number }>(
    `WITH a AS (
       SELECT a.status, a.duration_ms FROM sync_attempts a
        WHERE a.run_id IN (SELECT run_id FROM sync_runs WHERE started_at >= now() - make_interval(hours => $1 + 24))
          AND a.finished_at >= now() - make_interval(hours => $1) AND a.duration_ms IS NOT NULL
     )
     SELECT a.status, b.le, count(*) FILTER (WHERE a.duration_ms <= b.le * 1000)::int AS n,
            (SELECT count(*) FROM a a2 WHERE a2.status = a.status)::int AS total,
            (SELECT coalesce(sum(duration_ms), 0) FROM a a2 WHERE a2.status = a.status)::bigint AS sum_ms
       FROM a CROSS JOIN unnest($2::float8[]) AS b(le)
      GROUP BY a.status, b.le ORDER BY a.status, b.le`,
    [hours, bounds],
  );
  const out = new Map<string, DurationHistogram>();
  for (const r of rows) {
    let h = out.get(r.status);
    if (!h) out.set(r.status, (h = { buckets: [], count: r.total, sumSeconds: r.sum_ms / 1000 }));
    h.buckets.push({ le: r.le, count: r.n });
  }
  return out;
}
