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

/** User `i`'s page split by resource type: what one sync's three walks write. */
const walksOf = (i: number) =>
  (['Patient', 'Coverage', 'ExplanationOfBenefit'] as const).map((walk) => ({
    walk,
    batch: pages[i]!.filter((r) => r.resourceType === walk),
  }));

/** An active enrollment of user `i`, whose sync's pages name it. */
async function activeEnrollment(i: number): Promise<string> {
  const enrollmentId = `enrollment-${i}`;
  await tdb.pool.query(
    `INSERT INTO enrollments (enrollment_id, patient_id, status, scope) VALUES ($1, $2, 'active', 'patient/Patient.rs')`,
    [enrollmentId, pages[i]![0]!.patientId],
  );
  return enrollmentId;
}

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

  it('writes the pages of one sync’s different walks together, though they share the patient', async () => {
    const groups: number[] = [];
    const write = createWriteQueue(tdb.pool, { writers: 1, onGroup: (n) => groups.push(n) });
    const enrollment = await activeEnrollment(1);
    const walks = walksOf(1);
    const outcomes = await Promise.all([
      write(pages[0]!, options),
      ...walks.map(({ walk, batch }) => write(batch, { ...options, activeEnrollment: enrollment, walk })),
    ]);
    // The first page takes the writer; the three walks' pages wait, then go in one transaction.
    expect(groups).toEqual([1, 3]);
    expect(outcomes.slice(1).map((o) => o.inserted)).toEqual(walks.map((w) => w.batch.length));
    expect(await countRows(tdb.pool, 'fhir_resources', 'patient_id = $1', [pages[1]![0]!.patientId])).toBe(
      pages[1]!.length,
    );
  });

  it('writes the pages queued at once in one transaction, with a writer free', async () => {
    const groups: number[] = [];
    const write = createWriteQueue(tdb.pool, { writers: 2, onGroup: (n) => groups.push(n) });
    const enrollment = await activeEnrollment(2);
    const walks = walksOf(2);
    const outcomes = await Promise.all(
      write.many!(
        walks.map(({ walk, batch }) => ({
          batch,
          options: { ...options, activeEnrollment: enrollment, walk },
        })),
      ),
    );
    expect(groups).toEqual([3]);
    expect(outcomes.map((o) => o.inserted)).toEqual(walks.map((w) => w.batch.length));
  });

  it('keeps apart two pages of one patient from one walk, or from a sync and an import', async () => {
    const groups: number[] = [];
    const write = createWriteQueue(tdb.pool, { writers: 1, onGroup: (n) => groups.push(n) });
    const enrollment = await activeEnrollment(1);
    const eobs = walksOf(1)[2]!.batch;
    const walk = 'ExplanationOfBenefit';
    await Promise.all([
      write(pages[0]!, options),
      write(eobs.slice(0, 2), { ...options, activeEnrollment: enrollment, walk }),
      write(eobs.slice(2, 4), { ...options, activeEnrollment: enrollment, walk }),
      // An import of the same patient's Coverage (no sync, no walk).
      write(walksOf(1)[1]!.batch, options),
    ]);
    expect(groups).toEqual([1, 1, 1, 1]);
  });

  it('holds a page whose patient another writer is writing, and lets the pages behind it go first', async () => {
    const write = createWriteQueue(tdb.pool, { writers: 2 });
    const [firstHalf, secondHalf] = [pages[1]!.slice(0, 5), pages[1]!.slice(5)];
    // The first half's transaction stays open until the test lets it go.
    const gate = await tdb.pool.connect();
    try {
      await gate.query('SELECT pg_advisory_lock(4242)');
      const first = write(firstHalf, {
        ...options,
        finalStatement: { sql: 'SELECT pg_advisory_xact_lock_shared(4242)' },
      });
      const second = write(secondHalf, options);
      const done: string[] = [];
      void first.then(() => done.push('first'));
      void second.then(() => done.push('second'));
      // Sent to the other writer, the second half would wait there on the patient's lock, and this
      // page would find no writer free until the gate opens (the test would time out).
      const other = await write(pages[2]!, options);
      expect(other.inserted).toBe(pages[2]!.length);
      expect(done).toEqual([]);
      await gate.query('SELECT pg_advisory_unlock(4242)');
      expect((await first).inserted).toBe(firstHalf.length);
      expect((await second).inserted).toBe(secondHalf.length);
      expect(done).toEqual(['first', 'second']);
    } finally {
      await gate.query('SELECT pg_advisory_unlock_all()');
      gate.release();
    }
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

  it('takes one sync’s pages of different walks of a patient, and refuses two of one walk', async () => {
    const enrollment = await activeEnrollment(0);
    const walks = walksOf(0);
    await expect(
      ingestBatches(tdb.pool, [
        {
          batch: walks[2]!.batch.slice(0, 2),
          options: { ...options, activeEnrollment: enrollment, walk: 'ExplanationOfBenefit' },
        },
        {
          batch: walks[2]!.batch.slice(2),
          options: { ...options, activeEnrollment: enrollment, walk: 'ExplanationOfBenefit' },
        },
      ]),
    ).rejects.toThrow(/must not share a patient, unless they are different walks of one sync/);
    const outcomes = await ingestBatches(
      tdb.pool,
      walks.map(({ walk, batch }) => ({
        batch,
        options: { ...options, activeEnrollment: enrollment, walk },
      })),
    );
    expect(outcomes.map((o) => o.inserted)).toEqual(walks.map((w) => w.batch.length));
    expect(await countRows(tdb.pool, 'fhir_resources')).toBe(pages[0]!.length);
  });
});
