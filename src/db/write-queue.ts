/**
 * The worker's page writes: at most `writers` transactions at a time, and the pages that waited for
 * one written together in the next (ingest.ts `ingestBatches`). Each page keeps its own outcome,
 * walk progress and walk close; together they cost Postgres and this process about the
 * statements and round trips of one page (docs/performance.md, "Pages that wait are written
 * together"). A page waits no longer than it did for a free writer: a group is whatever is queued
 * when a writer frees up (a page whose patient another group is writing waits for that one).
 */
import type { NormalizedResource } from '../model/resources.ts';
import type { Pool } from './client.ts';
import { batchPatients, mayShareTransaction, sharedOptionsAgree } from './batch-sharing.ts';
import {
  ingestBatch,
  ingestBatches,
  type BatchWrite,
  type IngestOptions,
  type IngestOutcome,
} from './ingest.ts';

/** Writes one batch (a page) in a transaction of its own or together with others. */
export interface BatchWriter {
  (batch: readonly NormalizedResource[], options: IngestOptions): Promise<IngestOutcome>;
  /**
   * Several batches queued at once, so that those that may share a transaction go in one even
   * when a writer is free (one sync's pages of different walks); each settles on its own.
   */
  many?: (writes: readonly BatchWrite[]) => Promise<IngestOutcome>[];
}

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
  /** The patients of the groups being written. */
  const busy = new Set<string>();

  /**
   * The first queued page none of whose patients a running group holds, and after it every queued
   * page that can share its transaction: free patients, none in common with the group (each page
   * locks its patients; two pages of one patient are ordered) unless they are different walks of
   * one sync (batch-sharing.ts `mayShareTransaction`), the same shared options, within `maxResources`. A
   * page whose patient is being written waits here rather than on the patient's lock in Postgres,
   * where it would hold a writer idle.
   */
  function takeGroup(): Queued[] | undefined {
    const group: Queued[] = [];
    let resources = 0;
    for (let i = 0; i < queue.length;) {
      const next = queue[i]!;
      if (
        disjoint(busy, next.patients) &&
        (group.length === 0 ||
          (resources + next.batch.length <= maxResources &&
            sharedOptionsAgree(group[0]!.options, next.options) &&
            fitsGroup(group, next)))
      ) {
        queue.splice(i, 1);
        group.push(next);
        resources += next.batch.length;
      } else i++;
    }
    return group.length > 0 ? group : undefined;
  }

  function pump(): void {
    while (running < options.writers && queue.length > 0) {
      const group = takeGroup();
      if (!group) return;
      running++;
      for (const page of group) for (const p of page.patients) busy.add(p);
      options.onGroup?.(group.length);
      void writeGroup(pool, group).finally(() => {
        running--;
        for (const page of group) for (const p of page.patients) busy.delete(p);
        pump();
      });
    }
  }

  function enqueue(
    batch: readonly NormalizedResource[],
    ingestOptions: IngestOptions,
  ): Promise<IngestOutcome> {
    return new Promise<IngestOutcome>((resolve, reject) => {
      queue.push({
        batch,
        options: ingestOptions,
        patients: batchPatients(batch, ingestOptions),
        resolve,
        reject,
      });
    });
  }

  const write: BatchWriter = (batch, ingestOptions) => {
    const written = enqueue(batch, ingestOptions);
    pump();
    return written;
  };
  write.many = (writes) => {
    const written = writes.map((w) => enqueue(w.batch, w.options));
    pump();
    return written;
  };
  return write;
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

function fitsGroup(group: readonly Queued[], page: Queued): boolean {
  for (const g of group) {
    if (!mayShareTransaction(g.options, g.patients, page.options, page.patients)) return false;
  }
  return true;
}

function disjoint(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const x of b) if (a.has(x)) return false;
  return true;
}
