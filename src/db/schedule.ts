/**
 * Who a run syncs, and why: BFD's transaction times as learned from BB2, and the one eligibility
 * rule (`addRunMembers`). A scheduled run syncs only enrollments that can have new data: never
 * synced, or with a cursor older than BFD's transaction time (a full reconcile, in turn by a hash
 * of the enrollment id, rides along with those). Every decision is counted on the run
 * (`sync_runs.decisions`) and every member keeps its reason.
 */
import type { Pool, PoolClient } from './client.ts';

type Db = Pool | PoolClient;

/** Why an enrollment is (or is not) in a run. */
export type MemberReason = 'requested' | 'first_sync' | 'new_load' | 'reconcile' | 'all';
/** `up_to_date`: nothing can have changed; `in_run`: still waiting in an unfinished run (scheduled runs). */
export type Decision = MemberReason | 'up_to_date' | 'in_run';

/** Feeding order (and BullMQ priority), lowest first. */
export const REASON_PRIORITY: Record<MemberReason, number> = {
  requested: 1,
  first_sync: 2,
  new_load: 3,
  all: 3,
  reconcile: 4,
};

/** An ISO-8601 instant with a zone, as BB2 writes Bundle.meta.lastUpdated. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** A transaction time from outside, or undefined when it is not a plausible instant. */
export function parseTransactionTime(text: unknown): string | undefined {
  if (typeof text !== 'string' || !INSTANT.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** Remembers a transaction time a probe saw (first and last seen, our clock). */
export async function recordTransactionTime(db: Db, transactionTime: string): Promise<void> {
  await db.query(
    `INSERT INTO bfd_transaction_times (transaction_time) VALUES ($1)
     ON CONFLICT (transaction_time) DO UPDATE SET last_seen_at = now()`,
    [transactionTime],
  );
}

/** The newest transaction time ever seen, or null. */
export async function latestTransactionTime(db: Db): Promise<string | null> {
  const { rows } = await db.query<{ t: string | null }>(
    'SELECT max(transaction_time) AS t FROM bfd_transaction_times',
  );
  return rows[0]?.t ?? null;
}

/** How many distinct loads were seen up to `transactionTime`: the turn of the reconcile rotation. */
export async function loadNumber(db: Db, transactionTime: string | null): Promise<number> {
  if (!transactionTime) return 0;
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM bfd_transaction_times WHERE transaction_time <= $1',
    [transactionTime],
  );
  return rows[0]?.n ?? 0;
}

export interface MemberSelection {
  /** Named enrollments (an operator's "sync now"): all of them, reason `requested`. */
  enrollmentIds?: readonly string[] | undefined;
  /** Include every active enrollment (a manual run of all): the rest get reason `all`. */
  everyone: boolean;
  /** BFD's transaction time to compare cursors with (null: unknown, nobody is new_load). */
  transactionTime: string | null;
  /** Reconcile rotation: an enrollment reconciles when hash(id) mod every = load mod every. */
  reconcileEvery: number;
  /** The load's number in the rotation; null: no reconciles ride along (manual runs). */
  load: number | null;
  /** Every member's sync is a full reconcile. */
  full: boolean;
}

/**
 * Who a run can take, with what the rule reads of them: the named enrollments, every active one
 * (a manual run of all), or for a scheduled run only those that can have new data, read from
 * indexes: no ExplanationOfBenefit cursor yet or a cursor floor older than the transaction time
 * (`sync_state_cursor_floor_idx`: on a night without a load it finds nobody), and enrollments
 * never attempted (no `sync_state` row). The three sets are disjoint.
 */
function candidatesSql(selection: MemberSelection): string {
  const state = 's.enrollment_id, s.syncs_completed, s.cursor_floor, s.last_full_sync_at';
  if (selection.enrollmentIds || selection.everyone) {
    return `SELECT e.enrollment_id, s.syncs_completed, s.cursor_floor, s.last_full_sync_at
              FROM enrollments e LEFT JOIN sync_state s ON s.enrollment_id = e.enrollment_id
             WHERE e.status = 'active' ${selection.enrollmentIds ? 'AND e.enrollment_id = ANY($2::text[])' : ''}`;
  }
  return `SELECT ${state} FROM sync_state s WHERE s.cursor_floor IS NULL
          UNION ALL
          SELECT ${state} FROM sync_state s WHERE s.cursor_floor < $3::timestamptz
          UNION ALL
          SELECT e.enrollment_id, NULL, NULL, NULL FROM enrollments e
           WHERE e.status = 'active' AND NOT EXISTS (SELECT 1 FROM sync_state s WHERE s.enrollment_id = e.enrollment_id)`;
}

/**
 * The eligibility rule, in one place: classifies the run's candidates, adds those with a reason to
 * the run in one statement, ordered as the feeder reads them, and returns the count per decision;
 * active enrollments that were not candidates are `up_to_date`. Meant to run in the transaction
 * that ends the fan-out (see startRun), so the feeder never sees a run's members before all of
 * them are there, and a retried fan-out finds its run no longer `fanning_out` and adds nobody
 * twice (no ON CONFLICT: its speculative insertion was a WAL record and a key probe per member).
 */
export async function addRunMembers(
  db: Db,
  runId: string,
  selection: MemberSelection,
): Promise<Partial<Record<Decision, number>>> {
  const { rows } = await db.query<{ reason: Decision | 'active'; n: number }>(
    `WITH pending AS MATERIALIZED (
       -- Scheduled runs: who an unfinished run still has to sync (its primary key, per run).
       SELECT DISTINCT enrollment_id FROM sync_run_members
        WHERE $5::bigint IS NOT NULL AND outcome IS NULL
          AND run_id = ANY(ARRAY(SELECT run_id FROM sync_runs WHERE status <> 'finished' AND run_id <> $1))
     ), classified AS MATERIALIZED (
       SELECT s.enrollment_id,
              CASE
                WHEN $2::text[] IS NOT NULL THEN 'requested'
                -- A scheduled run leaves out who an unfinished run still has to sync: probing
                -- more often than a load takes to sync never queues anyone twice.
                WHEN p.enrollment_id IS NOT NULL THEN 'in_run'
                WHEN coalesce(s.syncs_completed, 0) = 0 OR s.cursor_floor IS NULL THEN 'first_sync'
                WHEN $3::timestamptz IS NOT NULL AND s.cursor_floor < $3::timestamptz THEN
                  CASE WHEN $5::bigint IS NOT NULL
                            AND ((('x' || substr(md5(s.enrollment_id), 1, 8))::bit(32)::int::bigint + 2147483648) % $4 = $5::bigint % $4
                                 OR s.last_full_sync_at IS NULL)
                       THEN 'reconcile' ELSE 'new_load' END
                WHEN $6::boolean THEN 'all'
                ELSE 'up_to_date'
              END AS reason
         FROM (${candidatesSql(selection)}) s
         JOIN enrollments e ON e.enrollment_id = s.enrollment_id AND e.status = 'active'
         LEFT JOIN pending p ON p.enrollment_id = s.enrollment_id
     ), added AS (
       INSERT INTO sync_run_members (run_id, enrollment_id, reason, priority, full_sync)
       SELECT $1, enrollment_id, reason,
              CASE reason WHEN 'requested' THEN ${REASON_PRIORITY.requested} WHEN 'first_sync' THEN ${REASON_PRIORITY.first_sync}
                          WHEN 'reconcile' THEN ${REASON_PRIORITY.reconcile} ELSE ${REASON_PRIORITY.new_load} END,
              CASE WHEN $7::boolean OR reason = 'reconcile' THEN 1 ELSE 0 END
         FROM classified WHERE reason NOT IN ('up_to_date', 'in_run')
        ORDER BY enrollment_id
     )
     SELECT reason, count(*)::int AS n FROM classified GROUP BY reason
     UNION ALL
     SELECT 'active', count(*)::int FROM enrollments
      WHERE status = 'active' AND ($2::text[] IS NULL OR enrollment_id = ANY($2::text[]))`,
    [
      runId,
      selection.enrollmentIds ?? null,
      selection.transactionTime,
      Math.max(1, selection.reconcileEvery),
      selection.load,
      selection.everyone,
      selection.full,
    ],
  );
  const counts: Partial<Record<Decision, number>> = {};
  let active = 0;
  let classified = 0;
  for (const r of rows) {
    if (r.reason === 'active') active = r.n;
    else {
      counts[r.reason] = r.n;
      classified += r.n;
    }
  }
  if (active > classified) counts.up_to_date = (counts.up_to_date ?? 0) + active - classified;
  return counts;
}

/** Stores what the run planned against and why it holds whom. */
export async function recordRunPlan(
  db: Db,
  runId: string,
  plan: { transactionTime: string | null; decisions: Record<string, unknown>; requests: number },
): Promise<void> {
  await db.query(
    `UPDATE sync_runs SET transaction_time = $2, decisions = $3, requests = requests + $4 WHERE run_id = $1`,
    [runId, plan.transactionTime, JSON.stringify(plan.decisions), plan.requests],
  );
}
