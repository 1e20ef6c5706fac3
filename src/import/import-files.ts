/**
 * `bbsync import`: loads FHIR files through the same normalizer and write path as the sync.
 *
 * Files may hold several copies of one resource (BB2 samples of different vintages, a read next to
 * a search). A first pass decides which copy of each resource this import loads: the one with the
 * newest meta.lastUpdated, or, when that does not tell them apart, the last one in file order.
 * The second pass loads only those. Running the same import again therefore finds every resource
 * unchanged, instead of copies overwriting each other on every run.
 */
import type { Pool } from '../db/client.ts';
import { supersededClaimsWrite } from '../db/claim-supersede.ts';
import { addOutcome, emptyOutcome, ingestBatch, type IngestOutcome } from '../db/ingest.ts';
import { quarantine } from '../db/quarantine.ts';
import type { Statement } from '../db/statement.ts';
import { NormalizeError } from '../errors.ts';
import { NORMALIZER_VERSION, normalizeResource } from '../fhir/normalize.ts';
import { quarantineEntry } from '../fhir/page.ts';
import type { NormalizedResource, QuarantineEntry } from '../model/resources.ts';
import { readFhirFile, type InputFile } from './read-files.ts';

export interface ImportProblem {
  location: string;
  reason: string;
}

export interface ImportSummary extends IngestOutcome {
  files: number;
  resourcesRead: number;
  /** Copies of a resource that another copy in the same import superseded. */
  duplicates: number;
  rejected: ImportProblem[];
  /** Files or entries holding no Patient, Coverage or EOB. */
  skipped: ImportProblem[];
  /** Files that could not be read or parsed. */
  fileErrors: ImportProblem[];
  /** Warnings grouped by message, with a count and the first place seen. */
  warnings: { message: string; count: number; example: string }[];
}

export interface ImportOptions {
  batchSize?: number;
  /** Called with (resources processed, total resources) during the load pass. */
  onProgress?: (done: number, total: number) => void;
}

interface Winner {
  order: number;
  lastUpdated: string | null;
}

export async function importFiles(
  pool: Pool,
  files: readonly InputFile[],
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const batchSize = options.batchSize ?? 250;
  const summary: ImportSummary = {
    ...emptyOutcome(),
    files: files.length,
    resourcesRead: 0,
    duplicates: 0,
    rejected: [],
    skipped: [],
    fileErrors: [],
    warnings: [],
  };

  // Pass 1: find which occurrence of each resource wins.
  const { winners, total } = await findWinners(files);

  // Pass 2: normalize and load the winners, batch by batch.
  const warnings = new Map<string, { count: number; example: string }>();
  let batch: NormalizedResource[] = [];
  let rejects: QuarantineEntry[] = [];
  let processed = 0;
  const flush = async () => {
    if (batch.length > 0) {
      const alsoWrite = (w: Statement) => supersededClaimsWrite(w, batch);
      addOutcome(
        summary,
        await ingestBatch(pool, batch, { normalizerVersion: NORMALIZER_VERSION, alsoWrite }),
      );
      batch = [];
    }
    if (rejects.length > 0) {
      await quarantine(pool, rejects);
      rejects = [];
    }
    options.onProgress?.(processed, total);
  };

  let order = 0;
  for (const file of files) {
    for await (const event of readFhirFile(file)) {
      if (event.kind === 'skipped') {
        summary.skipped.push({ location: event.location, reason: event.reason });
        continue;
      }
      if (event.kind === 'error') {
        summary.fileErrors.push({ location: event.location, reason: event.reason });
        continue;
      }
      const current = order++;
      processed++;
      summary.resourcesRead++;
      const { resource, location } = event.found;
      const key = resourceKey(resource);
      if (key && winners.get(key)?.order !== current) {
        summary.duplicates++;
        continue;
      }
      try {
        const normalized = normalizeResource(resource);
        countWarnings(warnings, normalized.warnings, location);
        batch.push(normalized);
      } catch (err) {
        if (!(err instanceof NormalizeError)) throw err;
        summary.rejected.push({ location, reason: err.message });
        rejects.push(quarantineEntry(resource, err, location));
      }
      if (batch.length >= batchSize) await flush();
    }
  }
  await flush();
  summary.warnings = [...warnings].map(([message, w]) => ({ message, ...w }));
  return summary;
}

/** Which occurrence of each resource wins (the newest `meta.lastUpdated`, else the last read). */
async function findWinners(
  files: readonly InputFile[],
): Promise<{ winners: Map<string, Winner>; total: number }> {
  const winners = new Map<string, Winner>();
  let order = 0;
  for (const file of files) {
    for await (const event of readFhirFile(file)) {
      if (event.kind !== 'resource') continue;
      const key = resourceKey(event.found.resource);
      const lastUpdated = lastUpdatedOf(event.found.resource);
      const current = order++;
      if (!key) continue;
      const prev = winners.get(key);
      if (!prev || !(prev.lastUpdated && lastUpdated && lastUpdated < prev.lastUpdated)) {
        winners.set(key, { order: current, lastUpdated });
      }
    }
  }
  return { winners, total: order };
}

/** Warnings are summarized by message: how often, and the first place each was seen. */
function countWarnings(
  warnings: Map<string, { count: number; example: string }>,
  found: readonly string[],
  location: string,
): void {
  for (const w of found) {
    const message = w.replace(/^[^:]+: /, '');
    const seen = warnings.get(message);
    if (seen) seen.count++;
    else warnings.set(message, { count: 1, example: `${w.split(':')[0]} (${location})` });
  }
}

function resourceKey(resource: unknown): string | undefined {
  const r = resource as { resourceType?: unknown; id?: unknown };
  return typeof r.id === 'string' && r.id ? `${String(r.resourceType)}/${r.id}` : undefined;
}

function lastUpdatedOf(resource: unknown): string | null {
  const value = (resource as { meta?: { lastUpdated?: unknown } }).meta?.lastUpdated;
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
