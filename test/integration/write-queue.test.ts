import { beforeAll, describe, expect, it } from 'vitest';

import { ingestBatch, ingestBatches, type IngestOutcome } from '../../src/db/ingest.ts';
import { createWriteQueue } from '../../src/db/write-queue.ts';
import { createSyntheticStore, patientIdForUser } from '../../src/emulator/data/index.ts';
import { EnrollmentNotActiveError } from '../../src/errors.ts';
import { NORMALIZER_VERSION, normalizeResource } from '../../src/fhir/normalize.ts';
import type { NormalizedResource } from '../../src/model/resources.ts';
import { createTestDatabase, databasePerTest } from '../helpers/db.ts';
import { countRows, dumpAnalytics } from '../helpers/tables.ts';

const USERS = 6;
const options = { normalizerVersion: NORMALIZER_VERSION, asyncCommit: true };

/** Each synthetic user's resources (Patient, Coverages, EOBs) normalized: one "page" per user. */
const pages: NormalizedResource[][] = [];
beforeAll(() => {
  const store = createSyntheticStore({ users: USERS, seed: 7 });
  for (let i = 0; i < USERS; i++) {
    const record = store.record(patientIdForUser(i))!;
    pages.push([record.patient, ...record.coverages, ...record.eobs].map((r) => normalizeResource(r)));
  }
});

const tdb = databasePerTest('write_queue');

const eobCount = (page: readonly NormalizedResource[]) =>
  page.filter((r) => r.resourceType === 'ExplanationOfBenefit').length;

describe('the write queue', () => {
  it('writes the pages that wait for a busy writer together, each with its own outcome', async () => {
    const groups: number[] = [];
    const write = createWriteQueue(tdb.pool, { writers: 1, onGroup: (n) => groups.push(n) });
    // The first page takes the only writer at once; the three after it wait, then go together.
    const outcomes = await Promise.all(pages.slice(0, 4).map((page) => write(page, options)));
    expect(groups).toEqual([1, 3]);
    for (let i = 0; i < 4; i++) {
      expect(outcomes[i]).toMatchObject({ inserted: pages[i]!.length, updated: 0, unchanged: 0 });
      expect(outcomes[i]!.rowsWritten.claims).toBe(eobCount(pages[i]!));
    }
    expect(await countRows(tdb.pool, 'fhir_resources')).toBe(pages.slice(0, 4).flat().length);
    expect(await countRows(tdb.pool, 'claims')).toBe(pages.slice(0, 4).reduce((n, p) => n + eobCount(p), 0));
  });

  it('leaves the same tables as writing every page alone', async () => {
    const write = createWriteQueue(tdb.pool, { writers: 1 });
    await Promise.all(pages.map((page) => write(page, options)));
    const together = await dumpAnalytics(tdb.pool);

    const alone = await createTestDatabase('write_queue_alone');
    try {
      for (const page of pages) await ingestBatch(alone.pool, page, options);
      expect(together).toEqual(await dumpAnalytics(alone.pool));
    } finally {
      await alone.drop();
    }
  });

  it('fails only the page whose enrollment is not active; the pages grouped with it are committed', async () => {
    const groups: number[] = [];
    const write = createWriteQueue(tdb.pool, { writers: 1, onGroup: (n) => groups.push(n) });
    const settled = await Promise.allSettled([
      write(pages[0]!, options),
      write(pages[1]!, options),
      write(pages[2]!, { ...options, activeEnrollment: 'enrollment-that-does-not-exist' }),
      write(pages[3]!, options),
    ]);
    expect(groups).toEqual([1, 3]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const refused = (settled[2] as PromiseRejectedResult).reason as Error;
    expect(refused).toBeInstanceOf(EnrollmentNotActiveError);
    expect(refused.message).toContain('enrollment-that-does-not-exist');
    expect((settled[3] as PromiseFulfilledResult<IngestOutcome>).value.inserted).toBe(pages[3]!.length);
    expect(await countRows(tdb.pool, 'fhir_resources', 'patient_id = $1', [pages[2]![0]!.patientId])).toBe(0);
    expect(await countRows(tdb.pool, 'fhir_resources', 'patient_id = $1', [pages[3]![0]!.patientId])).toBe(
      pages[3]!.length,
    );
  });

  it('never puts two pages of one patient in one transaction', async () => {
    const groups: number[] = [];
    const write = createWriteQueue(tdb.pool, { writers: 1, onGroup: (n) => groups.push(n) });
    const [firstHalf, secondHalf] = [pages[1]!.slice(0, 5), pages[1]!.slice(5)];
    const outcomes = await Promise.all([
      write(pages[0]!, options),
      write(firstHalf, options),
      write(secondHalf, options),
      write(pages[2]!, options),
    ]);
    // The second half of patient 1 waits for the transaction after its first half's.
    expect(groups).toEqual([1, 2, 1]);
    expect(outcomes.map((o) => o.inserted)).toEqual([
      pages[0]!.length,
      firstHalf.length,
      secondHalf.length,
      pages[2]!.length,
    ]);
  });

  it('keeps a group within its resource limit', async () => {
    const groups: number[] = [];
    const limit = pages[1]!.length + pages[2]!.length;
    const write = createWriteQueue(tdb.pool, {
      writers: 1,
      maxResources: limit,
      onGroup: (n) => groups.push(n),
    });
    await Promise.all(pages.slice(0, 5).map((page) => write(page, options)));
    expect(groups.slice(0, 2)).toEqual([1, 2]);
    expect(groups.reduce((a, b) => a + b, 0)).toBe(5);
    expect(groups.length).toBeGreaterThan(2);
  });
});

describe('ingestBatches', () => {
  it('gives each batch its own locked read, final statement rows and writes', async () => {
    const seen: unknown[] = [];
    const outcomes = await ingestBatches(
      tdb.pool,
      [0, 1, 2].map((i) => ({
        batch: pages[i]!,
        options: {
          ...options,
          lockedRead: `SELECT ${i + 1} AS n`,
          finalStatement: (read: Record<string, unknown> | undefined) => ({
            sql: `SELECT ${Number(read?.n) * 10} AS tenfold, count(*)::int AS resources FROM fhir_resources`,
            onRows: (rows: (string | null)[][]) => seen.push([i, rows[0]]),
          }),
        },
      })),
    );
    expect(outcomes.map((o) => o.inserted)).toEqual([0, 1, 2].map((i) => pages[i]!.length));
    // Every final statement runs after all of the transaction's writes.
    const all = String(pages[0]!.length + pages[1]!.length + pages[2]!.length);
    expect(seen).toEqual([
      [0, ['10', all]],
      [1, ['20', all]],
      [2, ['30', all]],
    ]);
  });

  it('writes nothing of any batch when one of them fails', async () => {
    await expect(
      ingestBatches(tdb.pool, [
        { batch: pages[0]!, options },
        { batch: pages[1]!, options: { ...options, finalStatement: { sql: 'SELECT 1/0' } } },
      ]),
    ).rejects.toThrow(/division by zero/);
    expect(await countRows(tdb.pool, 'fhir_resources')).toBe(0);
  });

  it('refuses batches that share a patient or disagree on the normalizer version', async () => {
    await expect(
      ingestBatches(tdb.pool, [
        { batch: pages[0]!.slice(0, 2), options },
        { batch: pages[0]!.slice(2), options },
      ]),
    ).rejects.toThrow(/must not share a patient/);
    await expect(
      ingestBatches(tdb.pool, [
        { batch: pages[0]!, options },
        { batch: pages[1]!, options: { ...options, normalizerVersion: NORMALIZER_VERSION - 1 } },
      ]),
    ).rejects.toThrow(/must agree/);
    expect(await countRows(tdb.pool, 'fhir_resources')).toBe(0);
  });
});
