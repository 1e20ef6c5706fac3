/**
 * The first round trip of a batch write (ingest.ts): BEGIN, the batches' patient locks, the check
 * that their enrollments are still active, each batch's locked read, and what `fhir_resources`
 * holds for their resources, from which ingest.ts decides what to write.
 */
import { EnrollmentNotActiveError } from '../errors.ts';
import type { NormalizedResource } from '../model/resources.ts';
import type { PoolClient } from './client.ts';
import { literal } from './statement.ts';

/** What the first round trip needs of a batch (a subset of ingest.ts's options). */
export interface StoredReadBatch {
  resources: readonly NormalizedResource[];
  options: {
    alsoLock?: readonly string[];
    activeEnrollment?: string;
    lockedRead?: string;
  };
}

export interface StoredState {
  content_hash: string;
  last_updated: string | null;
  normalizer_version: number;
  /** first_seen_at in microseconds since 2000-01-01 (a binary timestamptz), as text. */
  first_seen_us: string;
}

/**
 * One round trip: BEGIN, the per-patient locks, and what is stored for the batches. Sent as one
 * simple-query string (values written in with statement.ts's `literal`), whose last statement takes its snapshot
 * after the locks are held. The locks serialize writers of the same patient (an import racing a
 * sync); they are taken in sorted order, so two transactions never wait on each other in a cycle.
 * `reads` holds each batch's `lockedRead` first row.
 */
export async function beginAndReadStored(
  client: PoolClient,
  items: readonly StoredReadBatch[],
  shared: { asyncCommit?: boolean },
): Promise<{ stored: Map<string, StoredState>; reads: (Record<string, unknown> | undefined)[] }> {
  const statements = ['BEGIN'];
  if (shared.asyncCommit) statements.push('SET LOCAL synchronous_commit TO off');
  const patientSet = new Set<string>();
  const enrollmentSet = new Set<string>();
  const idsByType = new Map<string, string[]>();
  for (const { resources, options } of items) {
    for (const p of options.alsoLock ?? []) patientSet.add(p);
    for (const r of resources) {
      patientSet.add(r.patientId);
      const ids = idsByType.get(r.resourceType);
      if (ids) ids.push(r.resourceId);
      else idsByType.set(r.resourceType, [r.resourceId]);
    }
    if (options.activeEnrollment !== undefined) enrollmentSet.add(options.activeEnrollment);
  }
  const patients = [...patientSet].sort();
  if (patients.length > 0) {
    statements.push(
      `SELECT pg_advisory_xact_lock(hashtextextended('bbsync:patient:' || p, 0)) FROM (VALUES ${valuesList(patients)}) AS v(p)`,
    );
  }
  // After the patient locks, in the order a purge takes them (one enrollment per purge; sorted here).
  let checkAt: number | undefined;
  if (enrollmentSet.size > 0) {
    checkAt =
      statements.push(
        `SELECT v.e AS enrollment_id,
                coalesce((SELECT status FROM enrollments WHERE enrollment_id = v.e FOR SHARE), 'missing') AS enrollment_status
           FROM (VALUES ${valuesList([...enrollmentSet].sort())}) AS v(e)`,
      ) - 1;
  }
  const readAt: (number | undefined)[] = [];
  for (const { options } of items) {
    readAt.push(options.lockedRead === undefined ? undefined : statements.push(options.lockedRead) - 1);
  }
  let storedAt: number | undefined;
  if (idsByType.size > 0) storedAt = statements.push(storedReadSql(idsByType)) - 1;
  const results = (await client.query(statements.join(';\n'))) as unknown as
    { rows: Record<string, unknown>[] }[] | { rows: Record<string, unknown>[] };
  const all = Array.isArray(results) ? results : [results];
  if (checkAt !== undefined) {
    for (const row of all[checkAt]!.rows) {
      const status = row.enrollment_status as string;
      if (status !== 'active') throw new EnrollmentNotActiveError(row.enrollment_id as string, status);
    }
  }
  const stored = new Map<string, StoredState>();
  if (storedAt !== undefined) {
    for (const s of all[storedAt]!.rows as unknown as (StoredState & {
      resource_type: string;
      resource_id: string;
    })[]) {
      stored.set(`${s.resource_type}/${s.resource_id}`, s);
    }
  }
  const reads: (Record<string, unknown> | undefined)[] = [];
  for (const at of readAt) reads.push(at === undefined ? undefined : all[at]!.rows[0]);
  return { stored, reads };
}

/** `('a'), ('b'), ...` */
function valuesList(values: readonly string[]): string {
  let list = '';
  for (const v of values) list += `${list ? ', ' : ''}(${literal(v)})`;
  return list;
}

/**
 * What `fhir_resources` holds for the given resources: for each resource type, one index scan of
 * the primary key with the type's ids as one array. A VALUES list of (type, id) pairs, joined,
 * took Postgres about twice as long to parse, plan and run: 0.45–0.59 ms against 0.24–0.35 for
 * 30 EOBs (pgbench; docs/performance.md, session 15).
 */
function storedReadSql(idsByType: ReadonlyMap<string, readonly string[]>): string {
  let sql = '';
  for (const [type, ids] of idsByType) {
    if (sql) sql += '\nUNION ALL\n';
    sql += `SELECT f.resource_type, f.resource_id, f.content_hash, f.last_updated, f.normalizer_version,
                (extract(epoch FROM f.first_seen_at - timestamptz '2000-01-01 00:00:00+00') * 1000000)::int8 AS first_seen_us
           FROM fhir_resources f
          WHERE f.resource_type = ${literal(type)} AND f.resource_id = ANY(${literal(ids)}::text[])`;
  }
  return sql;
}
