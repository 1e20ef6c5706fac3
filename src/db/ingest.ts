/**
 * The write path for normalized resources: one transaction per batch (a page of a Bundle, or a
 * chunk of a file), idempotent, and cheap when nothing changed.
 *
 * For each resource in the batch, against what `fhir_resources` holds:
 * - new: its rows are inserted;
 * - changed (different content hash, or written by an older normalizer): its rows are replaced,
 *   a claim together with all of its child rows;
 * - unchanged (same content hash, ignoring `created` and `meta.lastUpdated`): nothing is written;
 * - stale (its meta.lastUpdated is older than the stored one): nothing is written.
 *
 * Two round trips whatever the batch size: one opens the transaction, locks the batch's patients
 * and reads what is stored; one script (copy.ts, `runScript`) carries the deletes of replaced
 * rows, one statement for the Patient and Coverage upserts, quarantine and whatever the caller
 * commits with the batch (its paging progress), COPY for claims, their children and the raw
 * resources (measured 2.7x cheaper per row than json_to_recordset), and COMMIT. Values are written
 * into the script as literals, so no bind-parameter limit applies.
 */
import { getTableConfig } from 'drizzle-orm/pg-core';

import {
  ANALYTICS_TABLES,
  CLAIM_CHILD_TABLES,
  type AnalyticsRows,
  type AnalyticsTable,
} from '../model/analytics-rows.ts';
import type { NormalizedResource, QuarantineEntry } from '../model/resources.ts';
import { ANALYTICS_TABLE_DEFINITIONS } from './analytics-tables.ts';
import type { Db, Pool, PoolClient } from './client.ts';
import { EnrollmentNotActiveError } from '../errors.ts';
import { encodeRows, runScript, type ScriptStep } from './copy.ts';
import { literal, Statement } from './statement.ts';
import { withTransaction } from './transaction.ts';

export interface IngestOutcome {
  inserted: number;
  updated: number;
  unchanged: number;
  stale: number;
  /** Analytics rows written (inserted or updated), by table; raw resources are not counted. */
  rowsWritten: Record<AnalyticsTable, number>;
}

export interface IngestOptions {
  /**
   * More writes to commit with the batch, in its transaction: the sync records its paging progress
   * here, so progress and data commit together or not at all. Each call of `w.write()` adds one.
   */
  alsoWrite?: (w: Statement) => void;
  /**
   * One more statement (text with its values written in), run after the batch's writes and before
   * COMMIT: the sync closes a walk together with its last page this way. `onRows` gets its rows.
   */
  finalStatement?: { sql: string; onRows?: (rows: (string | null)[][]) => void };
  /** The normalizer version the batch was mapped with (rows written by an older one are rewritten). */
  normalizerVersion: number;
  /**
   * Let COMMIT return before the WAL is flushed (synchronous_commit off). Safe for data that is
   * fetched again when lost: if Postgres itself crashes, the last few hundred milliseconds of
   * pages roll back together with the progress that recorded them, and the sync repeats them.
   * Never used for tokens.
   */
  asyncCommit?: boolean;
  /**
   * The enrollment the batch is synced for: once the batch holds its patients' locks, it reads
   * this enrollment's row FOR SHARE and writes nothing unless it is still `active` (throwing
   * EnrollmentNotActiveError). A purge takes the same locks (db/purge.ts), so a sync in flight
   * can never write a beneficiary's data back after it was deleted.
   */
  activeEnrollment?: string;
  /**
   * Rewrite only resources stored with the same content hash (`bbsync renormalize`): one deleted
   * (a purge, a reconcile) or replaced (a sync) since it was read is left as it now is, never
   * written back. The batch's other counts then leave such resources out.
   */
  rewriteOnly?: boolean;
}

/**
 * Patient and Coverage rows are upserted on their primary key; a Coverage's months (deleted first)
 * and the claim tables are COPYed.
 */
const UPSERT_KEYS: Partial<Record<AnalyticsTable, string>> = {
  patients: 'patient_id',
  coverages: 'coverage_id',
};

interface TableWriter {
  columns: string[];
  /** For upserted tables: `INSERT ... SELECT FROM json_to_recordset(<rows>) ... ON CONFLICT DO UPDATE`. */
  upsert: ((rowsParam: string) => string) | undefined;
}

/**
 * Built once per table from the schema. `loaded_at` is left to its default, now(); generated
 * columns (claims.is_final, is_denied) are computed by Postgres and never written.
 */
const WRITERS = new Map<string, TableWriter>(
  ANALYTICS_TABLES.map((name) => {
    const config = getTableConfig(ANALYTICS_TABLE_DEFINITIONS[name]);
    const columns = config.columns.filter((c) => c.name !== 'loaded_at' && c.generated === undefined);
    const names = columns.map((c) => c.name);
    const key = UPSERT_KEYS[name];
    const typed = columns.map((c) => `${c.name} ${c.getSQLType()}`).join(', ');
    const updates = names
      .filter((n) => n !== key)
      .map((n) => `${n} = excluded.${n}`)
      .join(', ');
    const upsert = key
      ? (rowsParam: string) =>
          `INSERT INTO ${name} (${names.join(', ')})
           SELECT ${names.join(', ')} FROM json_to_recordset(${rowsParam}::json) AS r(${typed})
           ON CONFLICT (${key}) DO UPDATE SET ${updates}, loaded_at = now()`
      : undefined;
    return [name, { columns: names, upsert }];
  }),
);

function zeroCounts(): IngestOutcome['rowsWritten'] {
  return Object.fromEntries(ANALYTICS_TABLES.map((t) => [t, 0])) as IngestOutcome['rowsWritten'];
}

export function emptyOutcome(): IngestOutcome {
  return { inserted: 0, updated: 0, unchanged: 0, stale: 0, rowsWritten: zeroCounts() };
}

export function addOutcome(into: IngestOutcome, from: IngestOutcome): IngestOutcome {
  into.inserted += from.inserted;
  into.updated += from.updated;
  into.unchanged += from.unchanged;
  into.stale += from.stale;
  for (const t of ANALYTICS_TABLES) into.rowsWritten[t] += from.rowsWritten[t];
  return into;
}

export function totalRowsWritten(outcome: IngestOutcome): number {
  return ANALYTICS_TABLES.reduce((n, t) => n + outcome.rowsWritten[t], 0);
}

/** Within a batch, a resource seen twice counts once: the one with the newer meta.lastUpdated wins. */
function dedupe(batch: readonly NormalizedResource[]): NormalizedResource[] {
  const byKey = new Map<string, NormalizedResource>();
  for (const r of batch) {
    const key = `${r.resourceType}/${r.resourceId}`;
    const prev = byKey.get(key);
    if (!prev || !(prev.lastUpdated && r.lastUpdated && r.lastUpdated < prev.lastUpdated)) byKey.set(key, r);
  }
  return [...byKey.values()];
}

export async function ingestBatch(
  pool: Pool,
  batch: readonly NormalizedResource[],
  options: IngestOptions,
): Promise<IngestOutcome> {
  // BEGIN rides in the first round trip (beginAndReadStored) and COMMIT is writeBatch's last
  // statement, so the helper only rolls back and releases.
  return withTransaction(
    pool,
    async (client) => {
      const resources = dedupe(batch);
      const stored = await beginAndReadStored(client, resources, options);
      const kept = options.rewriteOnly
        ? resources.filter(
            (r) => stored.get(`${r.resourceType}/${r.resourceId}`)?.content_hash === r.contentHash,
          )
        : resources;
      return writeBatch(client, kept, stored, options);
    },
    { begin: null },
  );
}

interface StoredState {
  content_hash: string;
  last_updated: string | null;
  normalizer_version: number;
  first_seen_at: string;
}

/**
 * One round trip: BEGIN, the per-patient locks, and what is stored for the batch. Sent as one
 * simple-query string (values written in with statement.ts's `literal`), whose last statement takes its snapshot
 * after the locks are held. The locks serialize writers of the same patient (an import racing a
 * sync); they are taken in sorted order, so two batches never wait on each other in a cycle.
 */
async function beginAndReadStored(
  client: PoolClient,
  resources: readonly NormalizedResource[],
  options: Pick<IngestOptions, 'asyncCommit' | 'activeEnrollment'>,
): Promise<Map<string, StoredState>> {
  const statements = ['BEGIN'];
  const lit = (v: string) => client.escapeLiteral(v);
  if (options.asyncCommit) statements.push('SET LOCAL synchronous_commit TO off');
  if (resources.length > 0) {
    const patients = [...new Set(resources.map((r) => r.patientId))].sort();
    statements.push(
      `SELECT pg_advisory_xact_lock(hashtextextended('bbsync:patient:' || p, 0)) FROM (VALUES ${patients
        .map((p) => `(${literal(p)})`)
        .join(', ')}) AS v(p)`,
    );
  }
  // After the patient locks, in the order a purge takes them.
  if (options.activeEnrollment !== undefined) {
    statements.push(
      `SELECT coalesce((SELECT status FROM enrollments WHERE enrollment_id = ${lit(options.activeEnrollment)} FOR SHARE), 'missing') AS enrollment_status`,
    );
  }
  if (resources.length > 0) {
    statements.push(
      `SELECT f.resource_type, f.resource_id, f.content_hash, f.last_updated, f.normalizer_version, f.first_seen_at
         FROM fhir_resources f
        WHERE (f.resource_type, f.resource_id) IN (VALUES ${resources
          .map((r) => `(${literal(r.resourceType)}, ${literal(r.resourceId)})`)
          .join(', ')})`,
    );
  }
  const results = (await client.query(statements.join(';\n'))) as unknown as
    { rows: (StoredState & { resource_type: string; resource_id: string })[] }[] | { rows: unknown[] };
  const all = Array.isArray(results) ? results : [results];
  if (options.activeEnrollment !== undefined) {
    const checked = all[all.length - (resources.length > 0 ? 2 : 1)]!.rows[0] as {
      enrollment_status: string;
    };
    if (checked.enrollment_status !== 'active') {
      throw new EnrollmentNotActiveError(options.activeEnrollment, checked.enrollment_status);
    }
  }
  const stored = new Map<string, StoredState>();
  if (resources.length > 0) {
    const last = all[all.length - 1]! as {
      rows: (StoredState & { resource_type: string; resource_id: string })[];
    };
    for (const s of last.rows) stored.set(`${s.resource_type}/${s.resource_id}`, s);
  }
  return stored;
}

/** Classifies the batch against what is stored and writes what changed, inside the transaction. */
async function writeBatch(
  client: PoolClient,
  resources: readonly NormalizedResource[],
  stored: Map<string, StoredState>,
  options: IngestOptions,
): Promise<IngestOutcome> {
  const outcome = emptyOutcome();
  const toWrite: NormalizedResource[] = [];
  for (const r of resources) {
    const prev = stored.get(`${r.resourceType}/${r.resourceId}`);
    if (!prev) {
      outcome.inserted++;
      toWrite.push(r);
    } else if (prev.content_hash === r.contentHash && prev.normalizer_version >= options.normalizerVersion) {
      outcome.unchanged++;
    } else if (
      r.lastUpdated &&
      prev.last_updated &&
      Date.parse(r.lastUpdated) < Date.parse(prev.last_updated)
    ) {
      outcome.stale++;
    } else {
      outcome.updated++;
      toWrite.push(r);
    }
  }

  // One script, one round trip: delete what is replaced, upsert the Patient and Coverage rows
  // together with the quarantine entries these resources resolve and the caller's writes, COPY the
  // claim tables and the raw resources, COMMIT.
  const script: ScriptStep[] = [];
  const del = replacedRowsDelete(toWrite, stored);
  if (del) script.push({ sql: del });

  const rowsOf = (table: AnalyticsTable) => {
    const rows: object[] = [];
    for (const r of toWrite) for (const row of r.rows[table] as AnalyticsRows[typeof table]) rows.push(row);
    return rows;
  };
  const w = new Statement();
  for (const table of ANALYTICS_TABLES) {
    const writer = WRITERS.get(table)!;
    if (!writer.upsert) continue;
    const rows = rowsOf(table);
    if (rows.length === 0) continue;
    w.write(writer.upsert(w.param(JSON.stringify(rows))));
    outcome.rowsWritten[table] += rows.length;
  }
  // Every resource that normalized resolves its quarantine entry, written or not: a claim fixed
  // upstream may come back exactly as it was stored before it went bad (unchanged).
  if (resources.length > 0) {
    w.write(
      `DELETE FROM quarantined_resources q
        USING unnest(${w.param(resources.map((r) => r.resourceType))}::text[], ${w.param(resources.map((r) => r.resourceId))}::text[])
          AS k(resource_type, resource_id)
        WHERE q.resource_type = k.resource_type AND q.resource_id = k.resource_id`,
    );
  }
  options.alsoWrite?.(w);
  if (!w.empty) script.push({ sql: w.inline() });

  for (const table of ANALYTICS_TABLES) {
    const writer = WRITERS.get(table)!;
    if (writer.upsert) continue;
    const rows = rowsOf(table) as Record<string, unknown>[];
    if (rows.length === 0) continue;
    script.push({ copy: table, columns: writer.columns, text: encodeRows(writer.columns, rows) });
    outcome.rowsWritten[table] += rows.length;
  }
  if (toWrite.length > 0) {
    const now = new Date().toISOString();
    const raw = toWrite.map((r) => ({
      resource_type: r.resourceType,
      resource_id: r.resourceId,
      patient_id: r.patientId,
      last_updated: r.lastUpdated,
      content_hash: r.contentHash,
      resource: r.json,
      normalizer_version: options.normalizerVersion,
      // A rewritten resource keeps the time we first saw it.
      first_seen_at: stored.get(`${r.resourceType}/${r.resourceId}`)?.first_seen_at ?? now,
    }));
    script.push({ copy: 'fhir_resources', columns: RAW_COLUMNS, text: encodeRows(RAW_COLUMNS, raw) });
  }
  if (options.finalStatement) script.push({ sql: options.finalStatement.sql });
  script.push({ sql: 'COMMIT' });
  const results = await runScript(client, script);
  // The final statement's result is the one before COMMIT's.
  if (options.finalStatement) options.finalStatement.onRows?.(results.at(-2)?.rows ?? []);
  return outcome;
}

/**
 * The deletes that go before the writes (a delete and an insert of the same keys cannot share one
 * statement): a replaced claim with all its child rows, a replaced raw resource, and the months of
 * every Coverage written (its coverages row is upserted, its months are COPYed anew). Undefined
 * when there is nothing to delete.
 */
function replacedRowsDelete(
  toWrite: readonly NormalizedResource[],
  stored: ReadonlyMap<string, StoredState>,
): string | undefined {
  const replaced = toWrite.filter((r) => stored.has(`${r.resourceType}/${r.resourceId}`));
  const coverageIds = toWrite.filter((r) => r.resourceType === 'Coverage').map((r) => r.resourceId);
  if (replaced.length === 0 && coverageIds.length === 0) return undefined;
  const del = new Statement();
  if (coverageIds.length > 0) {
    del.write(`DELETE FROM coverage_monthly WHERE coverage_id = ANY(${del.param(coverageIds)}::text[])`);
  }
  if (replaced.length > 0) {
    const claimIds = del.param(
      replaced.filter((r) => r.resourceType === 'ExplanationOfBenefit').map((r) => r.resourceId),
    );
    for (const table of [...CLAIM_CHILD_TABLES, 'claims']) {
      del.write(`DELETE FROM ${table} WHERE claim_id = ANY(${claimIds}::text[])`);
    }
    del.write(
      `DELETE FROM fhir_resources f USING unnest(${del.param(replaced.map((r) => r.resourceType))}::text[],
              ${del.param(replaced.map((r) => r.resourceId))}::text[]) AS k(resource_type, resource_id)
        WHERE f.resource_type = k.resource_type AND f.resource_id = k.resource_id`,
    );
  }
  return del.inline();
}

const RAW_COLUMNS = [
  'resource_type',
  'resource_id',
  'patient_id',
  'last_updated',
  'content_hash',
  'resource',
  'normalizer_version',
  'first_seen_at',
];

/** Keeps resources that could not be normalized, raw and with the reason, for operators. */
export async function quarantine(client: Db, entries: readonly QuarantineEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const w = new Statement();
  quarantineWrite(w, entries);
  await client.query(w.text(), w.values);
}

/** The quarantine upsert as one write of a Statement (to commit it with other writes). */
export function quarantineWrite(w: Statement, entries: readonly QuarantineEntry[]): void {
  if (entries.length === 0) return;
  const rows = JSON.stringify(
    dedupeQuarantine(entries).map((e) => ({
      resource_type: e.resourceType,
      resource_id: e.resourceId,
      patient_id: e.patientId ?? null,
      source: e.source,
      reason: e.reason,
      resource: e.json ?? null,
    })),
  );
  w.write(
    `INSERT INTO quarantined_resources (resource_type, resource_id, patient_id, source, reason, resource)
     SELECT r.resource_type, r.resource_id, r.patient_id, r.source, r.reason, r.resource::jsonb
       FROM json_to_recordset(${w.param(rows)}::json)
         AS r(resource_type text, resource_id text, patient_id text, source text, reason text, resource text)
     ON CONFLICT (resource_type, resource_id) DO UPDATE SET
       patient_id = coalesce(excluded.patient_id, quarantined_resources.patient_id),
       source = excluded.source, reason = excluded.reason, resource = excluded.resource,
       last_seen_at = now(), occurrences = quarantined_resources.occurrences + 1`,
  );
}

function dedupeQuarantine(entries: readonly QuarantineEntry[]): QuarantineEntry[] {
  const byKey = new Map<string, QuarantineEntry>();
  for (const e of entries) byKey.set(`${e.resourceType}/${e.resourceId}`, e);
  return [...byKey.values()];
}
