/**
 * The worker's page writes: at most `writers` transactions at a time, and the pages that waited for
 * one written together in the next (ingest.ts `ingestBatches`). Each page keeps its own outcome,
 * walk progress and walk close; together they cost Postgres and this process about the
 * statements and round trips of one page (docs/performance.md, "Pages that wait are written
 * together"). A page waits no longer than it did for a free writer: a group is whatever is queued
 * when a writer frees up.
 */
import type { NormalizedResource } from '../model/resources.ts';
import type { Pool } from './client.ts';
import {
  batchPatients,
  ingestBatch,
  ingestBatches,
  sharedOptionsAgree,
  type BatchWrite,
  type IngestOptions,
  type IngestOutcome,
} from './ingest.ts';

/** Writes one batch (a page) in a transaction of its own or together with others. */
export type BatchWriter = (
  batch: readonly NormalizedResource[],
  options: IngestOptions,
) => Promise<IngestOutcome>;

export interface WriteQueueOptions {
  /** Transactions at a time (SYNC_DB_WRITERS). */
  writers: number;
  /** At most this many resources in one transaction (default 1,000: twenty full pages). */
  maxResources?: number;
  /** Told the size of every group written together (tests, metrics). */
  onGroup?: (pages: number) => void;
}

interface Queued extends BatchWrite {
  patients: Set<string>;
  resolve: (outcome: IngestOutcome) => void;
  reject: (err: unknown) => void;
}

export function createWriteQueue(pool: Pool, options: WriteQueueOptions): BatchWriter {
  const maxResources = options.maxResources ?? 1000;
  const queue: Queued[] = [];
  let running = 0;

  /**
   * The first queued page, and after it every queued page that can share its transaction: no
   * patient in common (each page locks its patients; two pages of one patient are ordered) and
   * the same shared options, within `maxResources`.
   */
  function takeGroup(): Queued[] {
    const first = queue.shift()!;
    const group = [first];
    const patients = new Set(first.patients);
    let resources = first.batch.length;
    for (let i = 0; i < queue.length;) {
      const next = queue[i]!;
      if (
        resources + next.batch.length <= maxResources &&
        sharedOptionsAgree(first.options, next.options) &&
        disjoint(patients, next.patients)
      ) {
        queue.splice(i, 1);
        group.push(next);
        for (const p of next.patients) patients.add(p);
        resources += next.batch.length;
      } else i++;
    }
    return group;
  }

  function pump(): void {
    while (running < options.writers && queue.length > 0) {
      const group = takeGroup();
      running++;
      options.onGroup?.(group.length);
      void writeGroup(pool, group).finally(() => {
        running--;
        pump();
      });
    }
  }

  return (batch, ingestOptions) =>
    new Promise<IngestOutcome>((resolve, reject) => {
      queue.push({
        batch,
        options: ingestOptions,
        patients: batchPatients(batch, ingestOptions),
        resolve,
        reject,
      });
      pump();
    });
}

/**
 * A group in one transaction; if that fails, each page alone, so one page's error (an enrollment
 * revoked meanwhile, a row Postgres refuses) fails only that page, with its own error.
 */
async function writeGroup(pool: Pool, group: readonly Queued[]): Promise<void> {
  if (group.length > 1) {
    let outcomes: IngestOutcome[] | undefined;
    try {
      outcomes = await ingestBatches(pool, group);
    } catch {
      // Nothing was committed: each page is written again on its own below.
    }
    if (outcomes) {
      for (let i = 0; i < group.length; i++) group[i]!.resolve(outcomes[i]!);
      return;
    }
  }
  for (const page of group) {
    try {
      page.resolve(await ingestBatch(pool, page.batch, page.options));
    } catch (err) {
      page.reject(err);
    }
  }
}

function disjoint(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const x of b) if (a.has(x)) return false;
  return true;
}
