/**
 * Run and attempt history retention (RUN_HISTORY_DAYS): finished runs, their members and sync
 * attempts older than the setting are deleted by the janitor in bounded batches (each batch its
 * own short statement), so a million-member run goes away over a few passes without one long
 * delete holding locks or bloating one transaction. The latest runs are always kept.
 */
import type { Pool } from './client.ts';

/** The most recent finished runs are kept whatever their age (the dashboard's run list). */
export const KEEP_LATEST_RUNS = 10;

export interface HistoryPruned {
  attempts: number;
  members: number;
  runs: number;
}

/**
 * One janitor pass of pruning: up to `maxBatches` deletes of at most `batch` rows each, attempts
 * of expired runs (or of none) first, then members of expired runs, then expired runs with no
 * member left. `days` 0: off.
 */
export async function pruneHistory(
  pool: Pool,
  options: { days: number; batch?: number; maxBatches?: number },
): Promise<HistoryPruned> {
  const pruned: HistoryPruned = { attempts: 0, members: 0, runs: 0 };
  if (options.days <= 0) return pruned;
  const batch = options.batch ?? 5_000;
  let left = options.maxBatches ?? 20;
  const expiredRuns = `SELECT run_id FROM sync_runs
     WHERE status = 'finished' AND finished_at < now() - make_interval(days => $1::int)
       AND run_id NOT IN (SELECT run_id FROM sync_runs WHERE status = 'finished' ORDER BY finished_at DESC LIMIT $3)`;
  const runParams = [options.days, batch, KEEP_LATEST_RUNS];
  const steps: [keyof HistoryPruned, string, unknown[]][] = [
    [
      'attempts',
      // Oldest first by id (ids grow with time); an attempt still running, or of a run that is
      // kept, is never touched.
      `DELETE FROM sync_attempts WHERE attempt_id = ANY(ARRAY(
         SELECT attempt_id FROM sync_attempts
          WHERE started_at < now() - make_interval(days => $1::int) AND status <> 'running'
            AND (run_id IS NULL OR run_id = ANY(ARRAY(${expiredRuns})))
          ORDER BY attempt_id LIMIT $2))`,
      runParams,
    ],
    [
      'members',
      `DELETE FROM sync_run_members m USING (
         SELECT run_id, enrollment_id FROM sync_run_members
          WHERE run_id = ANY(ARRAY(${expiredRuns})) LIMIT $2) d
        WHERE m.run_id = d.run_id AND m.enrollment_id = d.enrollment_id`,
      runParams,
    ],
    [
      'runs',
      // With their tallies (no foreign key: src/db/schema/sync.ts); the count is of runs.
      `WITH gone AS (
         DELETE FROM sync_runs WHERE run_id = ANY(ARRAY(
           SELECT r.run_id FROM (${expiredRuns}) r
            WHERE NOT EXISTS (SELECT 1 FROM sync_run_members m WHERE m.run_id = r.run_id) LIMIT $2))
         RETURNING run_id
       ), tallies AS (
         DELETE FROM sync_run_tallies WHERE run_id IN (SELECT run_id FROM gone)
       )
       SELECT run_id FROM gone`,
      runParams,
    ],
  ];
  for (const [what, sql, params] of steps) {
    while (left > 0) {
      left--;
      const { rowCount } = await pool.query(sql, params);
      pruned[what] += rowCount ?? 0;
      if ((rowCount ?? 0) < batch) break;
    }
  }
  return pruned;
}
