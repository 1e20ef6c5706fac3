/**
 * Closing a walk, and the reconcile deletes: after a full walk, the claims and coverages BB2 no
 * longer returns are removed for the patient.
 */
import type { Db } from './client.ts';
import { CLAIM_CHILD_TABLES } from '../model/analytics-rows.ts';
import { Statement } from './statement.ts';
import { cursorWrites } from './walks.ts';

/**
 * Ends a resource type's walk in one statement: on a full walk, delete for the patient the
 * claims (with their children) or coverages BB2 did not return (it has no feed of deletions, so
 * absence from a full pull is how a removed claim shows); move the cursor to the walk's bundle
 * time; forget the walk's progress and seen ids.
 *
 * One answer can be wrong (a 200 with an empty Bundle, a BFD outage that returns nothing): a full
 * walk that would remove all of a patient's resources of the type, or more than `maxDeleteShare`
 * of them, removes nothing. It is recorded in sync_state.reconcile_suspect, and the next full walk
 * removes them only if it finds the same again (which confirms it).
 */
export async function closeWalk(db: Db, c: CloseWalk): Promise<WalkClosed> {
  const { rows } = await db.query<{ removed: number; suspect_unseen: number | null; held: number | null }>(
    closeWalkSql(c),
  );
  return walkClosed([rows[0]?.removed ?? 0, rows[0]?.suspect_unseen ?? null, rows[0]?.held ?? null]);
}

export interface CloseWalk {
  enrollmentId: string;
  patientId: string;
  resourceType: string;
  full: boolean;
  /**
   * The walk's new cursor; null leaves the cursor as it is (a sync moves it with the walk's last
   * page instead: IngestOptions `cursor`).
   */
  cursor: string | null;
  /** Default 0.5: a full walk removing more than half, or all, waits for confirmation. */
  maxDeleteShare?: number;
  /**
   * The ids a full walk's last page returned, when the walk closes in that page's transaction:
   * counted as seen without being written to sync_seen first (they would be deleted at once).
   */
  lastPageSeen?: readonly string[];
  /**
   * The walk wrote no progress and no seen ids (its last page was its first, and it did not
   * resume an earlier attempt's walk): there is nothing of it to forget. Only the sync holding
   * the enrollment's lock writes them, so none can appear meanwhile.
   */
  nothingToForget?: boolean;
  /**
   * No removal was held back for the enrollment when its sync began (sync_state.reconcile_suspect
   * was empty, and only the sync holding the enrollment's lock writes it): a close that finds
   * nothing unseen has none to clear. Unset: not known, and such a close clears it.
   */
  noneHeld?: boolean;
}

export interface WalkClosed {
  removed: number;
  /** Set when the walk removed nothing because it would have removed too much. */
  suspect?: { unseen: number; held: number };
}

/** closeWalkSql's one row (as text or numbers) as a WalkClosed. */
export function walkClosed(row: readonly (string | number | null | undefined)[]): WalkClosed {
  const removed = Number(row[0] ?? 0);
  if (row[1] === null || row[1] === undefined) return { removed };
  return { removed, suspect: { unseen: Number(row[1]), held: Number(row[2] ?? 0) } };
}

/**
 * `closeWalk` as one statement's text (parameters written in), to run in the same transaction as
 * the walk's last page; its one row holds `removed`, `suspect_unseen` and `held` (see walkClosed).
 */
export function closeWalkSql(c: CloseWalk, known: { nothingUnseen?: boolean } = {}): string {
  const w = new Statement();
  const e = w.param(c.enrollmentId);
  const t = w.param(c.resourceType);
  let select = '0 AS removed, NULL::int AS suspect_unseen, NULL::int AS held';
  if (reconciles(c) && known.nothingUnseen) {
    // Nothing to remove, so nothing to hold: only a removal held back earlier is cleared. The
    // deletes below, never run in this case, cost more to plan than the rest of the close.
    w.write(
      `UPDATE sync_state s SET reconcile_suspect = nullif(s.reconcile_suspect - ${t}::text, '{}'::jsonb)
        WHERE s.enrollment_id = ${e} AND s.reconcile_suspect ? ${t}::text`,
    );
  } else if (reconciles(c)) {
    const [table, key] = reconciledTable(c);
    // Every CTE reads the statement's snapshot: `unseen` sees the seen ids deleted further down.
    w.write(unseenSelect(w, c, `x.${key} AS id`));
    const unseen = `w${w.count - 1}`;
    const patient = w.param(c.patientId);
    const share = w.param(c.maxDeleteShare ?? 0.5);
    w.write(
      `SELECT u.n AS unseen, h.n AS held,
              (u.n > 0 AND (u.n >= h.n OR u.n > h.n * ${share}::numeric)
                AND NOT coalesce((SELECT s.reconcile_suspect ? ${t}::text FROM sync_state s WHERE s.enrollment_id = ${e}), false)
              ) AS hold
         FROM (SELECT count(*)::int AS n FROM ${unseen}) u,
              (SELECT count(*)::int AS n FROM ${table} WHERE patient_id = ${patient}) h`,
    );
    const verdict = `w${w.count - 1}`;
    // A one-time filter: when nothing is unseen (every first sync, most full ones) or the removal
    // is held, no delete below reads its table at all. Without `unseen > 0` each delete still ran
    // its scan for an empty array, and the planner, not knowing the array's size, often chose a
    // sequential scan: every full walk's close read the whole claim tables.
    const allowed = `(SELECT NOT hold AND unseen > 0 FROM ${verdict})`;
    const victims = c.resourceType === 'Coverage' ? ['coverages'] : [...CLAIM_CHILD_TABLES, 'claims'];
    // `= ANY(ARRAY(...))`, not `IN (SELECT ...)`: the array is computed once and each table is
    // reached through its index on the key; the semi-join plan scanned whole child tables.
    for (const victim of victims) {
      w.write(`DELETE FROM ${victim} WHERE ${key} = ANY(ARRAY(SELECT id FROM ${unseen})) AND ${allowed}`);
    }
    w.write(
      `DELETE FROM fhir_resources WHERE resource_type = ${t} AND resource_id = ANY(ARRAY(SELECT id FROM ${unseen})) AND ${allowed}`,
    );
    // Only when there is something to record or to clear: otherwise every full walk's close wrote
    // a new version of the enrollment's sync_state row with the same NULL in it.
    w.write(
      `UPDATE sync_state s SET reconcile_suspect = CASE
          WHEN v.hold THEN coalesce(s.reconcile_suspect, '{}'::jsonb)
                           || jsonb_build_object(${t}::text, jsonb_build_object('unseen', v.unseen, 'held', v.held, 'at', now()))
          ELSE nullif(coalesce(s.reconcile_suspect, '{}'::jsonb) - ${t}::text, '{}'::jsonb) END
         FROM ${verdict} v
        WHERE s.enrollment_id = ${e} AND (v.hold OR s.reconcile_suspect ? ${t}::text)`,
    );
    select = `CASE WHEN v.hold THEN 0 ELSE v.unseen END AS removed,
              CASE WHEN v.hold THEN v.unseen END AS suspect_unseen, v.held AS held FROM ${verdict} v`;
  }
  cursorWrites(w, [c]);
  if (!c.nothingToForget) {
    w.write(`DELETE FROM sync_progress WHERE enrollment_id = ${e} AND resource_type = ${t}`);
    w.write(`DELETE FROM sync_seen WHERE enrollment_id = ${e} AND resource_type = ${t}`);
  }
  return w.inline(select);
}

/**
 * closeWalkSql, or undefined when the close has nothing to do: no cursor to move, nothing of the
 * walk to forget, and nothing to remove or clear (a walk that does not reconcile, or one that
 * found nothing unseen while no removal was held back). Most walks of a first sync close so, and
 * their last page's transaction then carries no statement for the close: one statement fewer per
 * walk, each costing Postgres more to plan than to run (docs/performance.md, session 15).
 */
export function closeWalkStatement(
  c: CloseWalk,
  known: { nothingUnseen?: boolean } = {},
): string | undefined {
  const idle =
    c.cursor === null &&
    c.nothingToForget === true &&
    (!reconciles(c) || (known.nothingUnseen === true && c.noneHeld === true));
  return idle ? undefined : closeWalkSql(c, known);
}

/** Whether closing this walk reconciles: a full walk of claims or coverages. */
function reconciles(c: CloseWalk): boolean {
  return c.full && (c.resourceType === 'ExplanationOfBenefit' || c.resourceType === 'Coverage');
}

function reconciledTable(c: CloseWalk): [table: string, key: string] {
  return c.resourceType === 'Coverage' ? ['coverages', 'coverage_id'] : ['claims', 'claim_id'];
}

/**
 * The patient's stored claims (or coverages) the walk has not returned: not in sync_seen, nor
 * among the last page's ids. `what` is the select list.
 */
function unseenSelect(w: Statement, c: CloseWalk, what: string): string {
  const [table, key] = reconciledTable(c);
  const lastPage = c.lastPageSeen?.length ? ` AND x.${key} <> ALL(${w.param(c.lastPageSeen)}::text[])` : '';
  return `SELECT ${what} FROM ${table} x WHERE x.patient_id = ${w.param(c.patientId)}
          AND NOT EXISTS (SELECT 1 FROM sync_seen s
                           WHERE s.enrollment_id = ${w.param(c.enrollmentId)} AND s.resource_type = ${w.param(c.resourceType)}
                             AND s.resource_id = x.${key})${lastPage}`;
}

/**
 * For a walk whose close reconciles: one statement counting what it would find unseen (column
 * `unseen`), to run before the last page's writes in the same transaction, once the patient's
 * lock is held. The page's writes add only resources it returned (which count as seen), and
 * every other writer of the patient waits on that lock, so a count of 0 still holds at the
 * close: `closeWalkSql(c, { nothingUnseen: true })` then leaves out the deletes. Undefined for a
 * walk that does not reconcile.
 */
export function unseenCountSql(c: CloseWalk): string | undefined {
  if (!reconciles(c)) return undefined;
  const w = new Statement();
  return w.inlineSql(unseenSelect(w, c, 'count(*)::int AS unseen'));
}
