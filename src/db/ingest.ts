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
 * Rows go in with COPY (claims and their children, raw resources: after deleting what they
 * replace) or, for the few Patient and Coverage rows, one upsert statement whose rows travel as a
 * single JSON parameter. Either way a batch never meets Postgres's 65,535 bind-parameter limit,
 * and the number of statements per batch is fixed whatever its size.
 */
import { createHash } from 'node:crypto';

import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';

import { ANALYTICS_TABLES, CLAIM_CHILD_TABLES, type AnalyticsRows } from '../fhir/rows.ts';
import type { NormalizeError } from '../errors.ts';
import type { NormalizedResource } from '../fhir/normalize.ts';
import type { Pool, PoolClient } from './client.ts';
import { copyRows } from './copy.ts';
import * as schema from './schema.ts';

export interface IngestOutcome {
  inserted: number;
  updated: number;
  unchanged: number;
  stale: number;
  /** Analytics rows written (inserted or updated), by table; raw resources are not counted. */
  rowsWritten: Record<(typeof ANALYTICS_TABLES)[number], number>;
}

export interface IngestOptions {
  /**
   * Runs inside the batch's transaction after the rows are written and before COMMIT: the sync
   * records its paging progress here, so progress and data commit together or not at all.
   */
  inTransaction?: (client: PoolClient, outcome: IngestOutcome) => Promise<void>;
  /** The normalizer version the batch was mapped with (rows written by an older one are rewritten). */
  normalizerVersion: number;
  /**
   * Let COMMIT return before the WAL is flushed (synchronous_commit off). Safe for data that is
   * fetched again when lost: if Postgres itself crashes, the last few hundred milliseconds of
   * pages roll back together with the progress that recorded them, and the sync repeats them.
   * Never used for tokens.
   */
  asyncCommit?: boolean;
}

const TABLES: Record<(typeof ANALYTICS_TABLES)[number], PgTable> = {
  patients: schema.patients,
  coverages: schema.coverages,
  claims: schema.claims,
  claim_lines: schema.claimLines,
  claim_line_adjudications: schema.claimLineAdjudications,
  claim_financials: schema.claimFinancials,
  claim_diagnoses: schema.claimDiagnoses,
  claim_procedures: schema.claimProcedures,
  claim_care_team: schema.claimCareTeam,
};

/** Patient and Coverage rows are upserted on their primary key; the claim tables are COPYed. */
const UPSERT_KEYS: Partial<Record<(typeof ANALYTICS_TABLES)[number], string>> = {
  patients: 'patient_id',
  coverages: 'coverage_id',
};

interface TableWriter {
  columns: string[];
  /** For upserted tables: `INSERT ... SELECT FROM json_to_recordset($1) ... ON CONFLICT DO UPDATE`. */
  upsertSql: string | undefined;
}

/** Built once per table from the schema. `loaded_at` is left to its default, now(). */
const WRITERS = new Map<string, TableWriter>(
  ANALYTICS_TABLES.map((name) => {
    const config = getTableConfig(TABLES[name]);
    const columns = config.columns.filter((c) => c.name !== 'loaded_at');
    const names = columns.map((c) => c.name);
    const key = UPSERT_KEYS[name];
    const upsertSql = key
      ? `INSERT INTO ${name} (${names.join(', ')})
         SELECT ${names.join(', ')} FROM json_to_recordset($1::json)
           AS r(${columns.map((c) => `${c.name} ${c.getSQLType()}`).join(', ')})
         ON CONFLICT (${key}) DO UPDATE SET ${names
           .filter((n) => n !== key)
           .map((n) => `${n} = excluded.${n}`)
           .join(', ')}, loaded_at = now()`
      : undefined;
    return [name, { columns: names, upsertSql }];
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

interface StoredState {
  content_hash: string;
  last_updated: string | null;
  normalizer_version: number;
  first_seen_at: string;
}

export async function ingestBatch(
  pool: Pool,
  batch: readonly NormalizedResource[],
  options: IngestOptions,
): Promise<IngestOutcome> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    if (options.asyncCommit) await client.query('SET LOCAL synchronous_commit TO off');
    const outcome = await ingestInTransaction(client, batch, options.normalizerVersion);
    await options.inTransaction?.(client, outcome);
    await client.query('COMMIT');
    return outcome;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** The body of `ingestBatch`, for callers that already hold a transaction. */
export async function ingestInTransaction(
  client: PoolClient,
  batch: readonly NormalizedResource[],
  normalizerVersion: number,
): Promise<IngestOutcome> {
  const outcome = emptyOutcome();
  const resources = dedupe(batch);
  if (resources.length === 0) return outcome;

  // Serialize writers of the same patient (an import racing a sync), so the check below and the
  // writes after it see the same state. Sorted, so two batches never wait on each other in a cycle.
  const patientIds = [...new Set(resources.map((r) => r.patientId))].sort();
  await client.query(
    `SELECT pg_advisory_xact_lock(hashtextextended('bbsync:patient:' || p, 0)) FROM unnest($1::text[]) AS p`,
    [patientIds],
  );

  const { rows: storedRows } = await client.query<
    StoredState & { resource_type: string; resource_id: string }
  >(
    `SELECT f.resource_type, f.resource_id, f.content_hash, f.last_updated, f.normalizer_version, f.first_seen_at
       FROM fhir_resources f
       JOIN unnest($1::text[], $2::text[]) AS k(resource_type, resource_id) USING (resource_type, resource_id)`,
    [resources.map((r) => r.resourceType), resources.map((r) => r.resourceId)],
  );
  const stored = new Map(storedRows.map((s) => [`${s.resource_type}/${s.resource_id}`, s]));

  const toWrite: NormalizedResource[] = [];
  for (const r of resources) {
    const prev = stored.get(`${r.resourceType}/${r.resourceId}`);
    if (!prev) {
      outcome.inserted++;
      toWrite.push(r);
    } else if (prev.content_hash === r.contentHash && prev.normalizer_version >= normalizerVersion) {
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
  if (toWrite.length === 0) return outcome;

  // A claim's children are replaced with it; raw resources being replaced are deleted too, so
  // everything below is a plain insert. New claims have nothing to delete.
  const replaced = toWrite.filter((r) => stored.has(`${r.resourceType}/${r.resourceId}`));
  await deleteClaims(
    client,
    replaced.filter((r) => r.resourceType === 'ExplanationOfBenefit').map((r) => r.resourceId),
  );
  if (replaced.length > 0) {
    await client.query(
      `DELETE FROM fhir_resources f USING unnest($1::text[], $2::text[]) AS k(resource_type, resource_id)
        WHERE f.resource_type = k.resource_type AND f.resource_id = k.resource_id`,
      [replaced.map((r) => r.resourceType), replaced.map((r) => r.resourceId)],
    );
  }

  for (const table of ANALYTICS_TABLES) {
    const rows: object[] = [];
    for (const r of toWrite) for (const row of r.rows[table] as AnalyticsRows[typeof table]) rows.push(row);
    if (rows.length === 0) continue;
    const writer = WRITERS.get(table)!;
    if (writer.upsertSql) await client.query(writer.upsertSql, [JSON.stringify(rows)]);
    else await copyRows(client, table, writer.columns, rows as Record<string, unknown>[]);
    outcome.rowsWritten[table] += rows.length;
  }

  await copyRows(
    client,
    'fhir_resources',
    RAW_COLUMNS,
    toWrite.map((r) => ({
      resource_type: r.resourceType,
      resource_id: r.resourceId,
      patient_id: r.patientId,
      last_updated: r.lastUpdated,
      content_hash: r.contentHash,
      resource: r.json,
      normalizer_version: normalizerVersion,
      // A rewritten resource keeps the time we first saw it.
      first_seen_at:
        stored.get(`${r.resourceType}/${r.resourceId}`)?.first_seen_at ?? new Date().toISOString(),
    })),
  );
  await client.query(
    `DELETE FROM quarantined_resources q
      USING unnest($1::text[], $2::text[]) AS k(resource_type, resource_id)
      WHERE q.resource_type = k.resource_type AND q.resource_id = k.resource_id`,
    [toWrite.map((r) => r.resourceType), toWrite.map((r) => r.resourceId)],
  );
  return outcome;
}

/**
 * Deletes claims with all of their child rows (the children have no foreign key to cascade from:
 * see the note in schema.ts). Inside the caller's transaction.
 */
export async function deleteClaims(client: PoolClient | Pool, claimIds: readonly string[]): Promise<number> {
  if (claimIds.length === 0) return 0;
  for (const table of CLAIM_CHILD_TABLES) {
    await client.query(`DELETE FROM ${table} WHERE claim_id = ANY($1::text[])`, [claimIds]);
  }
  const { rowCount } = await client.query('DELETE FROM claims WHERE claim_id = ANY($1::text[])', [claimIds]);
  return rowCount ?? 0;
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

export interface QuarantineEntry {
  resourceType: string;
  resourceId: string;
  patientId: string | undefined;
  source: string;
  reason: string;
  /** The raw resource when it can be stored (JSON text), else undefined. */
  json: string | undefined;
}

/** Keeps resources that could not be normalized, raw and with the reason, for operators. */
export async function quarantine(
  client: PoolClient | Pool,
  entries: readonly QuarantineEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  await client.query(
    `INSERT INTO quarantined_resources (resource_type, resource_id, patient_id, source, reason, resource)
     SELECT r.resource_type, r.resource_id, r.patient_id, r.source, r.reason, r.resource::jsonb
       FROM json_to_recordset($1::json) AS r(resource_type text, resource_id text, patient_id text, source text, reason text, resource text)
     ON CONFLICT (resource_type, resource_id) DO UPDATE SET
       patient_id = coalesce(excluded.patient_id, quarantined_resources.patient_id),
       source = excluded.source, reason = excluded.reason, resource = excluded.resource,
       last_seen_at = now(), occurrences = quarantined_resources.occurrences + 1`,
    [
      JSON.stringify(
        dedupeQuarantine(entries).map((e) => ({
          resource_type: e.resourceType,
          resource_id: e.resourceId,
          patient_id: e.patientId ?? null,
          source: e.source,
          reason: e.reason,
          resource: e.json ?? null,
        })),
      ),
    ],
  );
}

function dedupeQuarantine(entries: readonly QuarantineEntry[]): QuarantineEntry[] {
  const byKey = new Map<string, QuarantineEntry>();
  for (const e of entries) byKey.set(`${e.resourceType}/${e.resourceId}`, e);
  return [...byKey.values()];
}

/** A rejected resource, kept raw for operators. Resources without an id get one from their content. */
export function quarantineEntry(resource: unknown, err: NormalizeError, source: string): QuarantineEntry {
  let json: string | undefined = JSON.stringify(resource);
  const id = err.resourceId || `~${createHash('sha256').update(json).digest('hex').slice(0, 16)}`;
  // Postgres cannot store NUL characters in jsonb; keep the reason without the body then.
  if (json.includes('\\u0000')) json = undefined;
  const patient =
    (resource as { patient?: { reference?: unknown }; beneficiary?: { reference?: unknown } }) ?? {};
  const ref = patient.patient?.reference ?? patient.beneficiary?.reference;
  return {
    resourceType: err.resourceType,
    resourceId: id,
    patientId:
      err.resourceType === 'Patient'
        ? err.resourceId || undefined
        : typeof ref === 'string' && ref.startsWith('Patient/')
          ? ref.slice('Patient/'.length)
          : undefined,
    source,
    reason: err.message,
    json,
  };
}
