/**
 * The write path for normalized resources: each batch (a page of a Bundle, or a chunk of a file) in
 * one transaction, alone or with other batches (`ingestBatches`), idempotent, and cheap when
 * nothing changed.
 *
 * For each resource in the batch, against what `fhir_resources` holds:
 * - new: its rows are inserted;
 * - changed (different content hash, or written by an older normalizer): its rows are replaced,
 *   a claim together with all of its child rows;
 * - unchanged (same content hash, ignoring `created` and `meta.lastUpdated`): nothing is written;
 * - stale (its meta.lastUpdated is older than the stored one): nothing is written.
 *
 * Two round trips whatever the batch size or the number of batches: one (ingest-stored.ts) opens
 * the transaction, locks the batches' patients and reads what is stored; one script (copy.ts, `runScript`) carries the deletes of replaced
 * rows, one statement for the Patient and Coverage upserts, quarantine and whatever the caller
 * commits with the batch (its paging progress), COPY for claims, their children and the raw
 * resources (cheaper per row than json_to_recordset; the raw resources in COPY's binary format),
 * and COMMIT. Values are written into the
 * script as literals, so no bind-parameter limit applies. Figures: docs/performance.md#figures-behind-the-code.
 */
import {
  ANALYTICS_TABLES,
  CLAIM_CHILD_TABLES,
  type AnalyticsRows,
  type AnalyticsTable,
} from '../model/analytics-rows.ts';
import type { NormalizedResource } from '../model/resources.ts';
import type { Pool, PoolClient } from './client.ts';
import { encodeRows, runScript, type ScriptStep } from './copy.ts';
import { COPY_TABLES, pgMicros, RAW_COLUMNS, rawHead, rawTails, WRITERS } from './copy-rows.ts';
import { checkCombinable } from './batch-sharing.ts';
import { beginAndReadStored, type StoredState } from './ingest-stored.ts';
import { Statement } from './statement.ts';
import { withTransaction } from './transaction.ts';
import { cursorWrites, type WalkCursor } from './walks.ts';

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
   * A walk's new cursor, moved in the batch's transaction. The cursors of batches written together
   * go in one statement, so sync_cursors' triggers run once for them (db/walks.ts `cursorWrites`).
   */
  cursor?: WalkCursor;
  /**
   * One more statement (text with its values written in), run after the batch's writes and before
   * COMMIT: the sync closes a walk together with its last page this way. `onRows` gets its rows.
   * A function is given the first row of `lockedRead` and returns the statement, or undefined when
   * that row shows none is needed.
   */
  finalStatement?:
    FinalStatement | ((read: Record<string, unknown> | undefined) => FinalStatement | undefined);
  /**
   * One more query for the first round trip, run once the batch's patients are locked and before
   * anything is written: its first row goes to `finalStatement` when that is a function (the sync
   * asks whether a walk's close will find anything to remove, so the close can leave its deletes
   * out).
   */
  lockedRead?: string;
  /** Patients to lock besides the batch's own (a walk's last page may hold no resources). */
  alsoLock?: readonly string[];
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
   * The walk (resource type) of `activeEnrollment`'s sync that this batch is a page of. Pages of
   * one sync's different walks may share a transaction although they lock the same patient: they
   * hold different resource types and write different walks' progress (`mayShareTransaction`).
   */
  walk?: string;
  /**
   * Rewrite only resources stored with the same content hash (`bbsync renormalize`): one deleted
   * (a purge, a reconcile) or replaced (a sync) since it was read is left as it now is, never
   * written back. The batch's other counts then leave such resources out.
   */
  rewriteOnly?: boolean;
}

/** A statement (text with its values written in) run just before COMMIT; `onRows` gets its rows. */
export interface FinalStatement {
  sql: string;
  onRows?: (rows: (string | null)[][]) => void;
}

/*
 * The functions called for every batch use loops rather than callbacks: a closure made per call is
 * compiled again after each full garbage collection (docs/performance.md, "Closures compiled
 * again").
 */

function zeroCounts(): IngestOutcome['rowsWritten'] {
  const counts = {} as IngestOutcome['rowsWritten'];
  for (const t of ANALYTICS_TABLES) counts[t] = 0;
  return counts;
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
  let n = 0;
  for (const t of ANALYTICS_TABLES) n += outcome.rowsWritten[t];
  return n;
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
  return (await ingestBatches(pool, [{ batch, options }]))[0]!;
}

/** One batch of `ingestBatches`: its resources and its own options. */
export interface BatchWrite {
  batch: readonly NormalizedResource[];
  options: IngestOptions;
}

/**
 * Several batches in one transaction, each with its own options and outcome: they share BEGIN, the
 * locks, the stored-state read, one COPY per table and COMMIT, so a group of pages costs Postgres
 * and this process about the statements and round trips of one (the worker writes the pages that
 * waited for a connection together, db/write-queue.ts). All or nothing: if one batch fails (an
 * enrollment no longer active, a bad row), none is written. The batches must not share a patient
 * (different walks of one sync may: batch-sharing.ts `mayShareTransaction`), and must agree on `normalizerVersion`,
 * `asyncCommit` and `rewriteOnly`.
 */
export async function ingestBatches(pool: Pool, writes: readonly BatchWrite[]): Promise<IngestOutcome[]> {
  if (writes.length === 0) return [];
  checkCombinable(writes);
  // BEGIN rides in the first round trip (beginAndReadStored) and COMMIT is writeBatches' last
  // statement, so the helper only rolls back and releases.
  return withTransaction(
    pool,
    async (client) => {
      const items: BatchItem[] = [];
      for (const { batch, options } of writes) items.push({ resources: dedupe(batch), options });
      const { stored, reads } = await beginAndReadStored(client, items, writes[0]!.options);
      const shared = writes[0]!.options;
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        if (shared.rewriteOnly) {
          item.resources = item.resources.filter(
            (r) => stored.get(`${r.resourceType}/${r.resourceId}`)?.content_hash === r.contentHash,
          );
        }
        const { finalStatement } = item.options;
        item.final = typeof finalStatement === 'function' ? finalStatement(reads[i]) : finalStatement;
      }
      return writeBatches(client, items, stored, shared);
    },
    { begin: null },
  );
}

interface BatchItem {
  resources: NormalizedResource[];
  options: IngestOptions;
  final?: FinalStatement | undefined;
}

/** Classifies each batch against what is stored and writes what changed, inside the transaction. */
async function writeBatches(
  client: PoolClient,
  items: readonly BatchItem[],
  stored: Map<string, StoredState>,
  shared: Pick<IngestOptions, 'normalizerVersion'>,
): Promise<IngestOutcome[]> {
  const outcomes: IngestOutcome[] = [];
  const toWrites: NormalizedResource[][] = [];
  for (const item of items) {
    const { outcome, toWrite } = classify(item.resources, stored, shared.normalizerVersion);
    outcomes.push(outcome);
    toWrites.push(toWrite);
  }
  const allToWrite = toWrites.length === 1 ? toWrites[0]! : toWrites.flat();

  // One script, one round trip: delete what is replaced, upsert the Patient and Coverage rows
  // together with the quarantine entries these resources resolve and the callers' writes, COPY the
  // claim tables and the raw resources, each batch's final statement, COMMIT.
  const script: ScriptStep[] = [];
  const del = replacedRowsDelete(allToWrite, stored);
  if (del) script.push({ sql: del });
  const w = upsertsAndQuarantine(items, toWrites, outcomes);
  const cursors: WalkCursor[] = [];
  for (const item of items) {
    item.options.alsoWrite?.(w);
    if (item.options.cursor) cursors.push(item.options.cursor);
  }
  cursorWrites(w, cursors);
  if (!w.empty) script.push({ sql: w.inline() });
  script.push(...copySteps(toWrites, outcomes));
  if (allToWrite.length > 0) script.push(rawStep(allToWrite, stored, shared.normalizerVersion));
  const finalAt: (number | undefined)[] = [];
  for (const item of items) {
    finalAt.push(item.final ? script.push({ sql: item.final.sql }) - 1 : undefined);
  }
  script.push({ sql: 'COMMIT' });
  const results = await runScript(client, script);
  for (let i = 0; i < items.length; i++) {
    const at = finalAt[i];
    if (at !== undefined) items[i]!.final!.onRows?.(results[at]?.rows ?? []);
  }
  return outcomes;
}

/** Counts each resource as new, changed, unchanged or stale; the new and changed ones are written. */
function classify(
  resources: readonly NormalizedResource[],
  stored: ReadonlyMap<string, StoredState>,
  normalizerVersion: number,
): { outcome: IngestOutcome; toWrite: NormalizedResource[] } {
  const outcome = emptyOutcome();
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
  return { outcome, toWrite };
}

/**
 * One statement: the upserts of the Patient and Coverage rows written (counted into each batch's
 * outcome), and the quarantine entries the batches resolve. The callers add their own writes to it.
 */
function upsertsAndQuarantine(
  items: readonly BatchItem[],
  toWrites: readonly (readonly NormalizedResource[])[],
  outcomes: IngestOutcome[],
): Statement {
  const w = new Statement();
  for (const table of ANALYTICS_TABLES) {
    const writer = WRITERS.get(table)!;
    if (!writer.upsert) continue;
    const rows: object[] = [];
    for (let i = 0; i < toWrites.length; i++) {
      const before = rows.length;
      for (const r of toWrites[i]!)
        for (const row of r.rows[table] as AnalyticsRows[typeof table]) rows.push(row);
      outcomes[i]!.rowsWritten[table] += rows.length - before;
    }
    if (rows.length === 0) continue;
    w.write(writer.upsert(w.param(JSON.stringify(rows))));
  }
  // Every resource that normalized resolves its quarantine entry, written or not: a claim fixed
  // upstream may come back exactly as it was stored before it went bad (unchanged).
  const types: string[] = [];
  const ids: string[] = [];
  for (const { resources } of items) {
    for (const r of resources) {
      types.push(r.resourceType);
      ids.push(r.resourceId);
    }
  }
  if (ids.length > 0) {
    w.write(
      `DELETE FROM quarantined_resources q
        USING unnest(${w.param(types)}::text[], ${w.param(ids)}::text[])
          AS k(resource_type, resource_id)
        WHERE q.resource_type = k.resource_type AND q.resource_id = k.resource_id`,
    );
  }
  return w;
}

/** One COPY per claim table holding rows of the batches' `toWrites`, with the rows counted into their outcomes. */
function copySteps(
  toWrites: readonly (readonly NormalizedResource[])[],
  outcomes: IngestOutcome[],
): ScriptStep[] {
  const steps: ScriptStep[] = [];
  for (const table of COPY_TABLES) {
    const columns = WRITERS.get(table)!.columns;
    const data: (string | Uint8Array)[] = [];
    let total = 0;
    for (let i = 0; i < toWrites.length; i++) {
      let count = 0;
      for (const r of toWrites[i]!) {
        const rows = r.rows[table] as unknown as Record<string, unknown>[];
        if (rows.length > 0) data.push(encodeRows(columns, rows));
        count += rows.length;
        const bytes = r.encoded?.copy[table];
        if (bytes) data.push(bytes);
        count += r.encoded?.counts[table] ?? 0;
      }
      outcomes[i]!.rowsWritten[table] += count;
      total += count;
    }
    if (total > 0) steps.push({ copy: table, columns, data });
  }
  return steps;
}

/** The raw resources' rows, in COPY's binary format: each one's head (from its thread, or encoded here) and tail. */
function rawStep(
  toWrite: readonly NormalizedResource[],
  stored: Map<string, StoredState>,
  normalizerVersion: number,
): ScriptStep {
  const now = pgMicros(Date.now());
  const firstSeen: bigint[] = [];
  for (const r of toWrite) {
    // A rewritten resource keeps the time we first saw it.
    const stamp = stored.get(`${r.resourceType}/${r.resourceId}`)?.first_seen_us;
    firstSeen.push(stamp === undefined ? now : BigInt(stamp));
  }
  const tails = rawTails(normalizerVersion, firstSeen);
  const data: Uint8Array[] = [];
  for (let i = 0; i < toWrite.length; i++) {
    const r = toWrite[i]!;
    data.push(r.encoded?.rawHead ?? rawHead(r), tails[i]!);
  }
  return { copy: 'fhir_resources', columns: RAW_COLUMNS, data, binary: true };
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
  const replaced: NormalizedResource[] = [];
  const coverageIds: string[] = [];
  for (const r of toWrite) {
    if (stored.has(`${r.resourceType}/${r.resourceId}`)) replaced.push(r);
    if (r.resourceType === 'Coverage') coverageIds.push(r.resourceId);
  }
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
