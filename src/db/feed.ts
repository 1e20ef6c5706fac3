/**
 * The feeder's side of Postgres: runs hold their work as `sync_run_members`; the feeder takes the
 * next members in priority order (marking them queued in the same transaction that holds the
 * feeder lock), and keeps each unfinished run's forecast.
 */
import type { PoolClient, Pool } from './client.ts';

type Db = Pool | PoolClient;

/** One feeder at a time per database, across every worker machine (transaction-scoped). */
const FEEDER_LOCK = 0x62627366; // 'bbsf'

export async function tryFeederLock(client: PoolClient): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [
    FEEDER_LOCK,
  ]);
  return rows[0]?.ok === true;
}

export interface FedMember {
  run_id: string;
  enrollment_id: string;
  priority: number;
  full_sync: number;
}

/**
 * Marks the next members queued and returns them: up to `requested` operator requests (priority
 * 1, fed whatever the budget says) and up to `others` of the rest, in priority, run, id order.
 */
export async function takeUnfedMembers(
  client: PoolClient,
  limits: { requested: number; others: number },
): Promise<FedMember[]> {
  // Each branch reads every running run's members by its own index range (a LATERAL per run): with
  // `run_id = ANY(array)` the index could not give the rows in order, so each tick read and sorted
  // every unfed member (940,831 rows, 4.8 s at 1M members) to return a feed window.
  const { rows } = await client.query<FedMember>(
    `WITH running AS MATERIALIZED (
       -- Never a run still being set up: its syncs would compete with its fan-out for its row.
       SELECT run_id FROM sync_runs WHERE status = 'running'
     ), pick AS (
       (SELECT m.run_id, m.enrollment_id FROM running r CROSS JOIN LATERAL (
          SELECT run_id, enrollment_id FROM sync_run_members
           WHERE queued_at IS NULL AND priority = 1 AND run_id = r.run_id
           ORDER BY enrollment_id LIMIT $1) m
         ORDER BY m.run_id, m.enrollment_id LIMIT $1)
       UNION ALL
       (SELECT m.run_id, m.enrollment_id FROM running r CROSS JOIN LATERAL (
          SELECT run_id, enrollment_id, priority FROM sync_run_members
           WHERE queued_at IS NULL AND priority > 1 AND run_id = r.run_id
           ORDER BY priority, enrollment_id LIMIT $2) m
         ORDER BY m.priority, m.run_id, m.enrollment_id LIMIT $2)
     )
     UPDATE sync_run_members m SET queued_at = now()
       FROM pick WHERE m.run_id = pick.run_id AND m.enrollment_id = pick.enrollment_id
     RETURNING m.run_id, m.enrollment_id, m.priority, m.full_sync`,
    [limits.requested, limits.others],
  );
  return rows.sort((a, b) => a.priority - b.priority);
}

/**
 * BB2 requests per sync lately (the successful ones among the last 500 attempts), or `fallback`
 * before there are any. Read by the primary key's last entries only: a filter by status inside
 * the limit could make the planner scan every attempt by status instead.
 */
export async function requestsPerSync(db: Db, fallback: number): Promise<number> {
  const { rows } = await db.query<{ avg: number | null }>(
    `SELECT avg(requests) FILTER (WHERE status = 'ok')::float8 AS avg FROM (
       SELECT requests, status FROM sync_attempts ORDER BY attempt_id DESC LIMIT 500) a`,
  );
  const avg = rows[0]?.avg;
  return avg && avg > 0 ? avg : fallback;
}

/** How many of the latest attempts recentSyncRate reads (each feeder tick). */
const RATE_SAMPLE = 1000;

/**
 * Syncs finished per second over the last five minutes, or over the time the latest RATE_SAMPLE
 * attempts took when that is shorter (0 when none). A fixed, small read per feeder tick
 * whatever the pace: counting every attempt of five minutes read 20,000 rows a tick at a few
 * hundred syncs a second (tens of ms), and a large limit let the planner choose a full scan.
 */
export async function recentSyncRate(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number; span: number | null }>(
    `SELECT count(*) FILTER (WHERE finished_at > now() - interval '5 minutes')::int AS n,
            extract(epoch FROM now() - min(finished_at))::float8 AS span
       FROM (SELECT finished_at FROM sync_attempts ORDER BY attempt_id DESC LIMIT ${RATE_SAMPLE}) a`,
  );
  const n = rows[0]?.n ?? 0;
  const span = rows[0]?.span ?? 0;
  // The oldest attempt read finished within the five minutes: what was read covers `span` seconds.
  return span > 0 && span < 300 ? n / Math.max(span, 1) : n / 300;
}

export interface RunForecast {
  run_id: string;
  pending: number;
  forecast_finish_at: string;
  forecast_fits: boolean | null;
  /** The previous verdict, to say once when a run stops fitting. */
  was_fitting: boolean | null;
}

/**
 * Updates every unfinished run's forecast: all pending members (runs share the budget) at
 * `syncsPerSecond`, against the next scheduled run (`nextRunAt`, null when none is known).
 */
export async function updateForecasts(
  db: Db,
  syncsPerSecond: number,
  nextRunAt: Date | null,
): Promise<RunForecast[]> {
  const { rows } = await db.query<RunForecast>(
    `WITH open AS (
       SELECT run_id, forecast_fits AS was_fitting,
              greatest(enrollments_total - enrollments_ok - enrollments_failed - enrollments_skipped, 0) AS pending
         -- Not a run being set up: its fan-out holds its row until it commits.
         FROM sync_runs WHERE status = 'running'
     ), eta AS (
       SELECT now() + make_interval(secs => (SELECT sum(pending) FROM open) / $1::float8) AS at
     )
     UPDATE sync_runs r SET forecast_finish_at = eta.at,
            forecast_fits = CASE WHEN $2::timestamptz IS NULL THEN NULL ELSE eta.at <= $2::timestamptz END
       FROM open, eta WHERE r.run_id = open.run_id
     RETURNING r.run_id, open.pending::int AS pending, r.forecast_finish_at, r.forecast_fits, open.was_fitting`,
    [Math.max(syncsPerSecond, 1e-6), nextRunAt],
  );
  return rows;
}

export interface OpenRunForecast {
  run_id: string;
  pending: number;
  forecast_finish_at: string | null;
  forecast_fits: boolean | null;
}

/** Unfinished runs with their forecasts (for /metrics and the overview). */
export async function openRunForecasts(db: Db): Promise<OpenRunForecast[]> {
  const { rows } = await db.query<OpenRunForecast>(
    `SELECT run_id, greatest(enrollments_total - enrollments_ok - enrollments_failed - enrollments_skipped, 0)::int AS pending,
            forecast_finish_at, forecast_fits
       FROM sync_runs WHERE status <> 'finished' ORDER BY started_at LIMIT 50`,
  );
  return rows;
}

/** Run members still held in Postgres, not yet handed to the queue. */
export async function unfedMembers(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM sync_run_members WHERE queued_at IS NULL',
  );
  return rows[0]?.n ?? 0;
}
