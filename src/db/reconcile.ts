/**
 * Closing a walk, and the reconcile deletes: after a full walk, the claims and coverages BB2 no
 * longer returns are removed for the patient.
 */
import type { Db } from './client.ts';
import { CLAIM_CHILD_TABLES } from '../model/analytics-rows.ts';
import { Statement } from './statement.ts';

/**
 * Ends a resource type's walk in one statement: on a full walk, delete for the patient the
 * claims (with their children) or coverages BB2 did not return (it has no feed of deletions, so
 * absence from a full pull is how a removed claim shows); move the cursor to the walk's bundle
 * time; forget the walk's progress and seen ids. Returns how many resources were removed.
 */
export async function closeWalk(db: Db, c: CloseWalk): Promise<number> {
  const { rows } = await db.query<{ removed: number }>(closeWalkSql(c));
  return rows[0]?.removed ?? 0;
}

export interface CloseWalk {
  enrollmentId: string;
  patientId: string;
  resourceType: string;
  full: boolean;
  cursor: string | null;
}

/**
 * `closeWalk` as one statement's text (parameters written in), to run in the same transaction as
 * the walk's last page; its one row holds `removed`.
 */
export function closeWalkSql(c: CloseWalk): string {
  const w = new Statement();
  const e = w.param(c.enrollmentId);
  const t = w.param(c.resourceType);
  let select = '0';
  if (c.full && (c.resourceType === 'ExplanationOfBenefit' || c.resourceType === 'Coverage')) {
    const [table, key] =
      c.resourceType === 'Coverage' ? ['coverages', 'coverage_id'] : ['claims', 'claim_id'];
    // Every CTE reads the statement's snapshot: `unseen` sees the seen ids deleted further down.
    w.write(
      `SELECT x.${key} AS id FROM ${table} x WHERE x.patient_id = ${w.param(c.patientId)}
          AND NOT EXISTS (SELECT 1 FROM sync_seen s
                           WHERE s.enrollment_id = ${e} AND s.resource_type = ${t} AND s.resource_id = x.${key})`,
    );
    const unseen = `w${w.count - 1}`;
    const victims = c.resourceType === 'Coverage' ? ['coverages'] : [...CLAIM_CHILD_TABLES, 'claims'];
    for (const victim of victims) {
      w.write(`DELETE FROM ${victim} WHERE ${key} IN (SELECT id FROM ${unseen})`);
    }
    w.write(
      `DELETE FROM fhir_resources WHERE resource_type = ${t} AND resource_id IN (SELECT id FROM ${unseen})`,
    );
    select = `(SELECT count(*)::int FROM ${unseen})`;
  }
  // A cursor must be a real instant; BFD's test data says "IGNORED_FIELD" there.
  if (c.cursor && !Number.isNaN(Date.parse(c.cursor))) {
    w.write(
      `INSERT INTO sync_cursors (enrollment_id, resource_type, cursor) VALUES (${e}, ${t}, ${w.param(c.cursor)})
       ON CONFLICT (enrollment_id, resource_type) DO UPDATE SET cursor = excluded.cursor, updated_at = now()`,
    );
  }
  w.write(`DELETE FROM sync_progress WHERE enrollment_id = ${e} AND resource_type = ${t}`);
  w.write(`DELETE FROM sync_seen WHERE enrollment_id = ${e} AND resource_type = ${t}`);
  return w.inline(`${select} AS removed`);
}
