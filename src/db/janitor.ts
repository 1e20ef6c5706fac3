/**
 * What the janitor reads and closes: attempts and runs left `running` by a process that died
 * (or whose last write failed), so nothing waits on them forever (`bbsync sync --wait` included).
 */
import type { Pool } from './client.ts';
import { memberOutcomeWrite } from './runs.ts';
import { Statement } from './statement.ts';

/**
 * Closes attempts still `running` whose enrollment's sync lock nobody holds: the session that
 * took the lock (and started the attempt) is gone, so the attempt can never finish. An attempt
 * is started after its lock is taken and finished before it is released, so a running attempt
 * without a lock holder is abandoned. Returns the attempts closed.
 */
export async function closeAbandonedAttempts(
  pool: Pool,
): Promise<{ attempt_id: number; enrollment_id: string }[]> {
  const { rows } = await pool.query<{ attempt_id: number; enrollment_id: string }>(
    `UPDATE sync_attempts a SET status = 'failed', finished_at = now(),
            duration_ms = (extract(epoch from now() - a.started_at) * 1000)::int,
            error_category = 'internal',
            error_message = 'abandoned: the process running this attempt stopped before recording its outcome (closed by the janitor)'
      WHERE a.status = 'running'
        AND NOT EXISTS (
          SELECT 1 FROM pg_locks l
           WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended('bbsync:sync:' || a.enrollment_id, 0))
     RETURNING a.attempt_id, a.enrollment_id`,
  );
  return rows;
}

export interface OpenMember {
  run_id: string;
  enrollment_id: string;
}

/**
 * Members of unfinished runs still waiting for an outcome whose job the feeder handed to the queue
 * more than `olderThanMs` ago, longest-queued first. Members still held in Postgres for rate
 * budget (`queued_at` NULL) have no job yet and are not orphans.
 */
export async function openMembers(pool: Pool, olderThanMs: number, limit = 1000): Promise<OpenMember[]> {
  const { rows } = await pool.query<OpenMember>(
    `SELECT m.run_id, m.enrollment_id FROM sync_run_members m JOIN sync_runs r USING (run_id)
      WHERE r.status = 'running' AND m.outcome IS NULL
        AND m.queued_at < now() - make_interval(secs => $1::double precision / 1000)
      ORDER BY m.queued_at LIMIT $2`,
    [olderThanMs, limit],
  );
  return rows;
}

/**
 * Gives a member whose job is gone the outcome its attempts tell: `ok` when its last attempt in
 * the run succeeded, else `failed`. Once per member (a recorded outcome is never changed).
 */
export async function closeOrphanMember(pool: Pool, member: OpenMember): Promise<void> {
  const { rows } = await pool.query<{ status: string }>(
    `SELECT status FROM sync_attempts WHERE run_id = $1 AND enrollment_id = $2 ORDER BY attempt_id DESC LIMIT 1`,
    [member.run_id, member.enrollment_id],
  );
  const outcome = rows[0]?.status === 'ok' ? 'ok' : rows[0]?.status === 'skipped' ? 'skipped' : 'failed';
  const w = new Statement();
  memberOutcomeWrite(w, member.run_id, member.enrollment_id, outcome, {
    requests: 0,
    resourcesChanged: 0,
    rowsWritten: 0,
    resourcesRemoved: 0,
  });
  await pool.query(w.text(), w.values);
}
