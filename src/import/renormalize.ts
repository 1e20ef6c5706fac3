/**
 * `bbsync renormalize`: rebuilds the analytics rows of every stored resource an older normalizer
 * wrote (fhir_resources.normalizer_version < NORMALIZER_VERSION) from the raw JSON kept in
 * fhir_resources, without asking BB2. Needed after a mapping change whose new values a sync would
 * only bring for resources BB2 sends again: for example claims.claim_link_key (migration 0015),
 * NULL on every claim stored before it, which the v2 -> v3 fold matches claims on.
 *
 * - Batched: `batchSize` resources per transaction, through the sync's own write path
 *   (ingestBatch: the patients' locks, the raw resource and every analytics row together).
 * - Idempotent and resumable: a rewritten resource carries the current version, so running it
 *   again (or after an interruption) takes up what is left; a run with nothing left writes nothing.
 * - Safe beside syncs and purges: only a resource still stored with the content that was read is
 *   rewritten (`rewriteOnly`); one a purge deleted or a sync replaced meanwhile is left alone.
 * - A claim the v2 -> v3 fold moved to the v3 patient stays filed there (its raw JSON names the
 *   v2 Patient); one that a fold moved only because it had no link key yet, and whose v3 twin its
 *   new key now matches, is removed as the fold would have removed it (deleteFoldedTwins).
 * - A resource the current normalizer refuses keeps its rows and version and is reported.
 */
import type { Pool } from '../db/client.ts';
import { supersededClaimsWrite } from '../db/claim-supersede.ts';
import { addOutcome, emptyOutcome, ingestBatch, type IngestOutcome } from '../db/ingest.ts';
import { countOlderThan, readOlderThan, type ResourceKey, type StoredResource } from '../db/renormalize.ts';
import type { Statement } from '../db/statement.ts';
import { deleteFoldedTwins } from '../db/v2-to-v3.ts';
import { NORMALIZER_VERSION, normalizeResourceWithText } from '../fhir/normalize.ts';
import type { NormalizedResource } from '../model/resources.ts';

export interface RenormalizeSummary extends IngestOutcome {
  /** Resources found written by an older normalizer when the run started. */
  found: number;
  /** Resources read and processed. */
  read: number;
  /** Deleted or replaced since they were read: left as they are. */
  gone: number;
  /** v2 claims a fold had moved whose v3 twin the new link keys reveal: removed (db/v2-to-v3.ts). */
  foldedTwinsRemoved: number;
  /** Refused by the current normalizer: rows kept, version kept. */
  failed: { resource: string; reason: string }[];
  version: number;
}

export interface RenormalizeOptions {
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
  /** Checked between batches: a stop leaves a consistent, resumable state. */
  signal?: AbortSignal;
  /** For tests: the version to write (default NORMALIZER_VERSION). */
  version?: number;
  /** For tests: called after a batch is read, before it is written (a purge in between). */
  beforeWrite?: () => Promise<void>;
}

export async function renormalize(pool: Pool, options: RenormalizeOptions = {}): Promise<RenormalizeSummary> {
  const version = options.version ?? NORMALIZER_VERSION;
  const batchSize = options.batchSize ?? 250;
  const found = await countOlderThan(pool, version);
  const summary: RenormalizeSummary = {
    ...emptyOutcome(),
    found,
    read: 0,
    gone: 0,
    foldedTwinsRemoved: 0,
    failed: [],
    version,
  };
  let after: ResourceKey | null = null;
  options.onProgress?.(0, found);
  while (!options.signal?.aborted) {
    const stored = await readOlderThan(pool, version, after, batchSize);
    if (stored.length === 0) break;
    after = stored[stored.length - 1]!;
    const batch = normalizeAll(stored, summary);
    await options.beforeWrite?.();
    if (batch.length > 0) {
      const alsoWrite = (w: Statement) => supersededClaimsWrite(w, batch);
      const outcome = await ingestBatch(pool, batch, {
        normalizerVersion: version,
        rewriteOnly: true,
        alsoWrite,
      });
      addOutcome(summary, outcome);
      summary.gone += batch.length - (outcome.inserted + outcome.updated + outcome.unchanged + outcome.stale);
    }
    summary.read += stored.length;
    options.onProgress?.(summary.read, Math.max(found, summary.read));
  }
  // Claims moved by a fold before they had link keys may now match their v3 twins.
  if (summary.read > 0 && !options.signal?.aborted)
    summary.foldedTwinsRemoved = await deleteFoldedTwins(pool);
  return summary;
}

function normalizeAll(stored: readonly StoredResource[], summary: RenormalizeSummary): NormalizedResource[] {
  const out: NormalizedResource[] = [];
  for (const s of stored) {
    try {
      const parsed = JSON.parse(s.text) as unknown;
      // The stored hash is kept: the content is the one that was stored.
      out.push(
        keepFiling(normalizeResourceWithText(parsed, { json: s.text, contentHash: s.content_hash }), s),
      );
    } catch (err) {
      summary.failed.push({
        resource: `${s.resource_type}/${s.resource_id}`,
        reason: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return out;
}

/** A claim the v2 -> v3 fold moved keeps the patient it is filed under (db/v2-to-v3.ts). */
function keepFiling(r: NormalizedResource, stored: StoredResource): NormalizedResource {
  if (r.resourceType !== 'ExplanationOfBenefit' || r.patientId === stored.patient_id) return r;
  const claims = r.rows.claims.map((c) => ({ ...c, patient_id: stored.patient_id }));
  return { ...r, patientId: stored.patient_id, rows: { ...r.rows, claims } };
}
