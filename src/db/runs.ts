/**
 * Sync runs and their members: a run is one request to sync many enrollments (scheduled, manual
 * or a retry); each member's outcome is recorded once and the run finishes with its last member.
 */
import type { Db, Pool, PoolClient } from './client.ts';
import { prepared, Statement } from './statement.ts';
import { withTransaction } from './transaction.ts';

export type RunTrigger = 'scheduled' | 'manual' | 'retry';
export type MemberOutcome = 'ok' | 'failed' | 'skipped';

export interface SyncRun {
  run_id: string;
  trigger: RunTrigger;
  requested_by: string | null;
  full_sync: number;
  status: 'fanning_out' | 'running' | 'finished';
  started_at: string;
  finished_at: string | null;
  enrollments_total: number;
  enrollments_ok: number;
  enrollments_failed: number;
  enrollments_skipped: number;
  resources_changed: number;
  rows_written: number;
  resources_removed: number;
  requests: number;
  /** BFD's transaction time a scheduled run planned against. */
  transaction_time?: string | null;
  /** Counts by decision: member reasons, `up_to_date`, `probe_failed`. */
  decisions?: Record<string, number | string> | null;
  forecast_finish_at?: string | null;
  forecast_fits?: boolean | null;
}

export async function createRun(
  db: Db,
  run: { runId: string; trigger: RunTrigger; requestedBy?: string; full: boolean },
): Promise<void> {
  await db.query(
    `INSERT INTO sync_runs (run_id, trigger, requested_by, full_sync, status) VALUES ($1, $2, $3, $4, 'fanning_out')
     ON CONFLICT (run_id) DO NOTHING`,
    [run.runId, run.trigger, run.requestedBy ?? null, run.full ? 1 : 0],
  );
}

/**
 * Active enrollments whose data access grant has ended become `expired` (a THIRTEEN_MONTH grant
 * past access_grant_expiration: BB2 would only answer "User access has timed out"), so no run
 * calls BB2 for them and none counts them as failed or ok. Returns how many.
 */
export async function expireEndedGrants(db: Db): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE enrollments SET status = 'expired', updated_at = now(), last_error_at = now(),
            last_error_category = 'reauth_required',
            last_error_message = 'the data access grant has ended (access_grant_expiration): the beneficiary must connect again'
      WHERE status = 'active' AND access_grant_expiration <= now()`,
  );
  return rowCount ?? 0;
}

/** Records that BB2 refused ExplanationOfBenefit to this enrollment's token (see EobForbiddenError). */
export async function markEobForbidden(db: Db, enrollmentId: string): Promise<void> {
  await db.query(
    `UPDATE enrollments SET eob_forbidden_at = coalesce(eob_forbidden_at, now()), updated_at = now()
      WHERE enrollment_id = $1`,
    [enrollmentId],
  );
}

/** An operator's clearing of the condition: the next sync asks for ExplanationOfBenefit again. */
export async function clearEobForbidden(db: Db, enrollmentId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE enrollments SET eob_forbidden_at = NULL, updated_at = now() WHERE enrollment_id = $1 AND eob_forbidden_at IS NOT NULL',
    [enrollmentId],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * Ends the fan-out: the run's total is its member count, and its counters are recomputed from the
 * members (some may already have finished). The run row is locked first, so a member finishing at
 * the same moment adds its count after this, never lost under it. A run of nobody finishes at once.
 */
export async function finishFanOut(pool: Pool, runId: string): Promise<SyncRun> {
  return withTransaction(pool, (client) => endFanOut(client, runId));
}

/**
 * In a fan-out's transaction: locks the run's row (a second copy of the same start-run job waits
 * here) and returns the run when its fan-out already ended, else undefined.
 */
export async function fanOutDone(client: PoolClient, runId: string): Promise<SyncRun | undefined> {
  const { rows } = await client.query<SyncRun>('SELECT * FROM sync_runs WHERE run_id = $1 FOR UPDATE', [
    runId,
  ]);
  return rows[0] && rows[0].status !== 'fanning_out' ? rows[0] : undefined;
}

/** finishFanOut in the caller's transaction (startRun: with the members it adds). */
export async function endFanOut(client: PoolClient, runId: string): Promise<SyncRun> {
  await client.query('SELECT 1 FROM sync_runs WHERE run_id = $1 FOR UPDATE', [runId]);
  const { rows } = await client.query<SyncRun>(
    `UPDATE sync_runs r SET
         enrollments_total = m.total,
         enrollments_ok = m.ok, enrollments_failed = m.failed, enrollments_skipped = m.skipped,
         status = CASE WHEN m.total = m.ok + m.failed + m.skipped THEN 'finished' ELSE 'running' END,
         finished_at = CASE WHEN m.total = m.ok + m.failed + m.skipped THEN now() END
       FROM (SELECT count(*)::int AS total,
                    count(*) FILTER (WHERE outcome = 'ok')::int AS ok,
                    count(*) FILTER (WHERE outcome = 'failed')::int AS failed,
                    count(*) FILTER (WHERE outcome = 'skipped')::int AS skipped
               FROM sync_run_members WHERE run_id = $1) m
       WHERE r.run_id = $1 RETURNING r.*`,
    [runId],
  );
  return rows[0]!;
}

export interface AttemptTotals {
  requests: number;
  resourcesChanged: number;
  rowsWritten: number;
  resourcesRemoved: number;
}

/**
 * Records an enrollment's final outcome in its run, once: a second call for the same member does
 * nothing. The run finishes with its last member.
 */
export async function recordMemberOutcome(
  db: Db,
  runId: string,
  enrollmentId: string,
  outcome: MemberOutcome,
  totals: AttemptTotals,
): Promise<void> {
  const w = new Statement();
  await queryRecordingOutcome(db, w, memberOutcomeWrite(w, runId, enrollmentId, outcome, totals));
}

/** How many counter shards a run has (sync_run_tallies): more than the sessions that write them. */
export const RUN_TALLY_SHARDS = 32;

/** The run's counters, each the sum over its tally shards, named as on its row (`t`: sync_run_tallies). */
const TALLY_SUMS = `coalesce(sum(t.enrollments_ok), 0)::int AS enrollments_ok,
       coalesce(sum(t.enrollments_failed), 0)::int AS enrollments_failed,
       coalesce(sum(t.enrollments_skipped), 0)::int AS enrollments_skipped, coalesce(sum(t.requests), 0)::int AS requests,
       coalesce(sum(t.resources_changed), 0)::int AS resources_changed, coalesce(sum(t.rows_written), 0)::int AS rows_written,
       coalesce(sum(t.resources_removed), 0)::int AS resources_removed`;

/** The counters TALLY_SUMS adds up. */
type TallySums = Pick<
  SyncRun,
  | 'enrollments_ok'
  | 'enrollments_failed'
  | 'enrollments_skipped'
  | 'requests'
  | 'resources_changed'
  | 'rows_written'
  | 'resources_removed'
>;

/**
 * recordMemberOutcome as writes of a Statement: the member's outcome, its counts added to this
 * session's tally shard, and the run finished when this outcome is its last. Returns what
 * queryRecordingOutcome needs to finish the run once the statement has committed.
 *
 * Why the counters are not added to the run's row: every outcome then waited for the one before
 * it on that row's lock (and on the MultiXacts the attempts' key-share locks made of it): at a few
 * hundred syncs a second most syncs spent their time there (docs/scale.md). A shard per session
 * means a session only ever waits on itself.
 *
 * Why finishing is exact: tallies only grow, and a member counts once (its outcome is set only
 * while NULL). This statement sees the committed tallies without its own addition, so when they
 * and this one reach the total, every other member's outcome is committed and in those sums: the
 * run's final counters are those sums plus this one. Two last outcomes committing at the same
 * time each see the other missing and neither finishes; each checks again once committed
 * (finishRunIfLast), and the feeder's tick (refreshRunCounters) is the backstop.
 */
export function memberOutcomeWrite(
  w: Statement,
  runId: string,
  enrollmentId: string,
  outcome: MemberOutcome,
  totals: AttemptTotals,
): OutcomeWrite {
  const run = w.param(runId);
  const result = w.param(outcome);
  const member = `member_${w.values.length}`;
  w.write(
    `UPDATE sync_run_members SET outcome = ${result}, finished_at = now()
      WHERE run_id = ${run} AND enrollment_id = ${w.param(enrollmentId)} AND outcome IS NULL
     RETURNING run_id AS ${member}`,
  );
  const memberCte = `w${w.count - 1}`;
  const ok = `CASE WHEN ${result} = 'ok' THEN 1 ELSE 0 END`;
  const failed = `CASE WHEN ${result} = 'failed' THEN 1 ELSE 0 END`;
  const skipped = `CASE WHEN ${result} = 'skipped' THEN 1 ELSE 0 END`;
  const requests = `${w.param(totals.requests)}::int`;
  const changed = `${w.param(totals.resourcesChanged)}::int`;
  const rows = `${w.param(totals.rowsWritten)}::int`;
  const removed = `${w.param(totals.resourcesRemoved)}::int`;
  // Only when the member update changed a row (it is the only row source of both).
  w.write(
    `INSERT INTO sync_run_tallies AS t (run_id, shard, enrollments_ok, enrollments_failed, enrollments_skipped,
                                        requests, resources_changed, rows_written, resources_removed)
     SELECT ${member}, (pg_backend_pid() % ${RUN_TALLY_SHARDS})::smallint, ${ok}, ${failed}, ${skipped},
            ${requests}, ${changed}, ${rows}, ${removed}
       FROM ${memberCte}
     ON CONFLICT (run_id, shard) DO UPDATE SET
       enrollments_ok = t.enrollments_ok + excluded.enrollments_ok,
       enrollments_failed = t.enrollments_failed + excluded.enrollments_failed,
       enrollments_skipped = t.enrollments_skipped + excluded.enrollments_skipped,
       requests = t.requests + excluded.requests, resources_changed = t.resources_changed + excluded.resources_changed,
       rows_written = t.rows_written + excluded.rows_written, resources_removed = t.resources_removed + excluded.resources_removed`,
  );
  // The committed tallies, without this outcome's (one row, zeros when the member update changed
  // nothing): read once, for the run's finish and for members_left.
  w.write(
    `SELECT ${TALLY_SUMS} FROM sync_run_tallies t WHERE t.run_id = (SELECT ${member} FROM ${memberCte})`,
  );
  const sums = `w${w.count - 1}`;
  // Locks the run's row only when the WHERE holds: for the last outcome, not for the others.
  w.write(
    `UPDATE sync_runs r SET status = 'finished', finished_at = now(),
       enrollments_ok = s.enrollments_ok + ${ok}, enrollments_failed = s.enrollments_failed + ${failed},
       enrollments_skipped = s.enrollments_skipped + ${skipped}, requests = s.requests + ${requests},
       resources_changed = s.resources_changed + ${changed}, rows_written = s.rows_written + ${rows},
       resources_removed = s.resources_removed + ${removed}
      FROM ${memberCte} CROSS JOIN ${sums} s
     WHERE r.run_id = ${memberCte}.${member} AND r.status = 'running'
       AND s.enrollments_ok + s.enrollments_failed + s.enrollments_skipped + 1 >= r.enrollments_total`,
  );
  // How many members are left by this statement's count (its own outcome counted), for
  // finishRunIfLast: a row only when the outcome counted and the run is running.
  w.write(
    `SELECT r.enrollments_total - (s.enrollments_ok + s.enrollments_failed + s.enrollments_skipped) - 1 AS members_left
       FROM ${memberCte} JOIN sync_runs r ON r.run_id = ${memberCte}.${member} CROSS JOIN ${sums} s
      WHERE r.status = 'running'`,
  );
  return { runId, left: `w${w.count - 1}` };
}

/** A memberOutcomeWrite in a statement: its run, and the write that gives its `members_left`. */
export interface OutcomeWrite {
  runId: string;
  left: string;
}

/**
 * An outcome recorded with fewer members than this left to finish (by the count its statement
 * saw) checks, once committed, whether its run is done (finishRunIfLast). More syncs than this
 * finishing at the same moment across a deployment leave the last ones to the feeder's tick.
 */
const LAST_FEW = 64;

/** The select list item that returns a memberOutcomeWrite's `members_left` (its CTE `left`). */
export function membersLeftSelect(left: string): string {
  return `(SELECT members_left FROM ${left}) AS members_left`;
}

/**
 * Sends a statement whose writes may record an outcome (`outcome`, from memberOutcomeWrite) with
 * `select` as its select list, then, once it has committed, finishes the run if that outcome was
 * its last (finishRunIfLast). `db` is a pool or a connection outside a transaction.
 */
export async function queryRecordingOutcome(
  db: Db,
  w: Statement,
  outcome: OutcomeWrite | undefined,
  select = '1',
): Promise<void> {
  const list = outcome ? `${select}, ${membersLeftSelect(outcome.left)}` : select;
  const { rows } = await db.query<{ members_left?: number | null }>(prepared(w.text(list), w.values));
  if (outcome) await finishRunIfLast(db, outcome.runId, rows[0]?.members_left);
}

/** A run's counters set from TALLY_SUMS read as `s` (finishRunIfLast, refreshRunCounters). */
const COUNTERS_FROM_SUMS = `enrollments_ok = s.enrollments_ok, enrollments_failed = s.enrollments_failed,
       enrollments_skipped = s.enrollments_skipped, requests = s.requests,
       resources_changed = s.resources_changed, rows_written = s.rows_written,
       resources_removed = s.resources_removed`;

const FINISH_RUN_IF_DONE = `UPDATE sync_runs r SET status = 'finished', finished_at = now(), ${COUNTERS_FROM_SUMS}
  FROM (SELECT ${TALLY_SUMS} FROM sync_run_tallies t WHERE t.run_id = $1) s
 WHERE r.run_id = $1 AND r.status = 'running'
   AND s.enrollments_ok + s.enrollments_failed + s.enrollments_skipped >= r.enrollments_total`;

/**
 * After a statement that recorded an outcome (memberOutcomeWrite) has committed: when it saw
 * fewer than LAST_FEW members left, finishes the run if every member now has its outcome. Two
 * last outcomes committing together each see the other missing, and neither statement finishes
 * the run; each checks again after its commit, and the later check sees both. Without it the run
 * stayed `running` until the feeder's next tick (SYNC_FEED_INTERVAL_MS, 5 s), and whoever waited
 * for it (`bbsync sync --wait`, the bench) with it. `db` is a pool (or a connection outside a
 * transaction), so the statement before has committed.
 */
export async function finishRunIfLast(db: Db, runId: string, membersLeft: unknown): Promise<void> {
  if (membersLeft === null || membersLeft === undefined || Number(membersLeft) >= LAST_FEW) return;
  // The outcome is committed: a failure here must not fail the sync that recorded it (its job
  // would be retried and its attempt marked failed). The feeder's tick finishes the run instead.
  await db.query(prepared(FINISH_RUN_IF_DONE, [runId])).catch(() => undefined);
}

/**
 * Sets every running run's counters from its tallies, and finishes a run whose members have all
 * finished (when its last two outcomes committed together, neither could tell it was last). The
 * feeder calls this each tick, so a running run's counters on its row are at most a tick old;
 * getRun reads them live.
 */
export async function refreshRunCounters(db: Db): Promise<SyncRun[]> {
  const DONE = 's.enrollments_ok + s.enrollments_failed + s.enrollments_skipped';
  const { rows } = await db.query<SyncRun>(
    `UPDATE sync_runs r SET ${COUNTERS_FROM_SUMS},
            status = CASE WHEN ${DONE} >= r.enrollments_total THEN 'finished' ELSE r.status END,
            finished_at = CASE WHEN ${DONE} >= r.enrollments_total THEN now() ELSE r.finished_at END
       FROM (SELECT r0.run_id, ${TALLY_SUMS}
               FROM sync_runs r0 LEFT JOIN sync_run_tallies t ON t.run_id = r0.run_id
              WHERE r0.status = 'running' GROUP BY r0.run_id) s
      WHERE r.run_id = s.run_id AND r.status = 'running'
        AND (s.enrollments_ok, s.enrollments_failed, s.enrollments_skipped, s.requests, s.resources_changed,
             s.rows_written, s.resources_removed)
            IS DISTINCT FROM (r.enrollments_ok, r.enrollments_failed, r.enrollments_skipped, r.requests,
                              r.resources_changed, r.rows_written, r.resources_removed)
     RETURNING r.*`,
  );
  return rows;
}

/** A run, with a running run's counters summed from its tallies (its row's may be a tick old). */
export async function getRun(db: Db, runId: string): Promise<SyncRun | undefined> {
  const { rows } = await db.query<SyncRun & { live: TallySums | null }>(
    `SELECT r.*, CASE WHEN r.status = 'running' THEN (
              SELECT row_to_json(x) FROM (SELECT ${TALLY_SUMS} FROM sync_run_tallies t WHERE t.run_id = r.run_id) x)
            END AS live
       FROM sync_runs r WHERE r.run_id = $1`,
    [runId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { live, ...run } = row;
  return live ? { ...run, ...live } : run;
}

/** Polls a run until it finishes (or `timeoutMs` passes), reporting each change of progress. */
export async function waitForRun(
  db: Db,
  runId: string,
  options: { timeoutMs?: number; intervalMs?: number; onPoll?: (run: SyncRun) => Promise<void> | void } = {},
): Promise<SyncRun> {
  const deadline = Date.now() + (options.timeoutMs ?? Infinity);
  for (;;) {
    const run = await getRun(db, runId);
    if (!run) throw new Error(`no run ${runId}`);
    await options.onPoll?.(run);
    if (run.status === 'finished') return run;
    if (Date.now() > deadline)
      throw new Error(`run ${runId} did not finish in time (${JSON.stringify(run)})`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
}

export interface FailureGroup {
  category: string;
  count: number;
  enrollments: { enrollment_id: string; message: string | null }[];
}

/** A run's failed enrollments grouped by error category (the last failed attempt of each). */
export async function runFailures(db: Db, runId: string, perGroup = 20): Promise<FailureGroup[]> {
  const { rows } = await db.query<{ category: string; enrollment_id: string; message: string | null }>(
    `SELECT DISTINCT ON (m.enrollment_id) coalesce(a.error_category, 'internal') AS category, m.enrollment_id,
            a.error_message AS message
       FROM sync_run_members m
       LEFT JOIN sync_attempts a ON a.run_id = m.run_id AND a.enrollment_id = m.enrollment_id AND a.status = 'failed'
      WHERE m.run_id = $1 AND m.outcome = 'failed'
      ORDER BY m.enrollment_id, a.attempt_id DESC`,
    [runId],
  );
  const groups = new Map<string, FailureGroup>();
  for (const r of rows) {
    let g = groups.get(r.category);
    if (!g) groups.set(r.category, (g = { category: r.category, count: 0, enrollments: [] }));
    g.count++;
    if (g.enrollments.length < perGroup)
      g.enrollments.push({ enrollment_id: r.enrollment_id, message: r.message });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}
