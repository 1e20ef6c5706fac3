/**
 * Pages read on a worker thread (src/workers/page-threads.ts, SYNC_PARSE_THREADS): the page's
 * bytes move to the thread, the same rows reach the database as when the page is read on the main
 * thread, the claim tables' rows travel as COPY text, and a page that is not a Bundle fails with
 * the same error.
 */
import { afterAll, beforeEach, expect, it } from 'vitest';

import { ingestBatch } from '../../src/db/ingest.ts';
import { Bb2Error } from '../../src/errors.ts';
import { NORMALIZER_VERSION } from '../../src/fhir/normalize.ts';
import { readPage } from '../../src/fhir/page.ts';
import { createPageReader } from '../../src/workers/page-threads.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { describeWithFixtures, readFixture } from '../helpers/fixtures.ts';
import { countRows, dumpAnalytics } from '../helpers/tables.ts';

const reader = createPageReader(1);
const dbs: TestDatabase[] = [];
const options = { normalizerVersion: NORMALIZER_VERSION };
const text = () => JSON.stringify(readFixture('sandbox/eob-paging-bene-19990000000001/eob-page-1.json'));
const bytes = (page: string) => new Uint8Array(Buffer.from(page));
const ctx = { patientId: '-19990000000001', source: '/v2/fhir/ExplanationOfBenefit/' };

beforeEach(async () => {
  while (dbs.length) await dbs.pop()!.drop();
});
afterAll(async () => {
  await reader.close();
  for (const db of dbs) await db.drop();
});

describeWithFixtures('pages read on a worker thread', () => {
  it('write exactly the rows of a page read on the main thread, and nothing on a second load', async () => {
    const threaded = await reader.read(bytes(text()), ctx);
    expect(threaded.batch).toHaveLength(10);
    // The claim tables' rows and the raw row came back as COPY bytes, not as objects and JSON.
    for (const r of threaded.batch) {
      expect(r.rows.claims).toEqual([]);
      expect(r.json).toBe('');
      expect(r.encoded?.counts.claims).toBe(1);
      expect(Buffer.from(r.encoded!.copy.claims!).toString()).toMatch(new RegExp(`^${r.resourceId}\t.*\n$`));
      // The raw row's head in COPY's binary format: six fields, the first the type, the last the JSON.
      const head = Buffer.from(r.encoded!.rawHead);
      expect(head.readInt16BE(0)).toBe(8);
      expect(head.subarray(6, 6 + head.readInt32BE(2)).toString()).toBe('ExplanationOfBenefit');
      expect(head.toString('latin1')).toMatch(/\{"resourceType":"ExplanationOfBenefit".*\}$/s);
    }
    const [a, b] = [await createTestDatabase('thread'), await createTestDatabase('main')];
    dbs.push(a, b);
    const viaThread = await ingestBatch(a.pool, threaded.batch, options);
    const viaMain = await ingestBatch(b.pool, readPage(text(), ctx).batch, options);
    expect(viaThread).toEqual(viaMain);
    expect(await countRows(a.pool, 'claim_line_adjudications')).toBeGreaterThan(0);
    expect(await dumpAnalytics(a.pool)).toEqual(await dumpAnalytics(b.pool));

    const again = await ingestBatch(a.pool, (await reader.read(bytes(text()), ctx)).batch, options);
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 10 });
  });

  it('give a written page’s buffer back to its thread, emptying its rows, and read the next pages into it alike', async () => {
    const first = await reader.read(bytes(text()), ctx);
    const viewed = first.batch[0]!.encoded!.rawHead;
    expect(viewed.byteLength).toBeGreaterThan(0);
    reader.release(first);
    // The memory moved back to the thread: what viewed it here is empty now.
    expect(viewed.byteLength).toBe(0);
    // Released again (or a page read on no thread): nothing happens.
    reader.release(first);

    const db = await createTestDatabase('released');
    dbs.push(db);
    const reference = await createTestDatabase('reference');
    dbs.push(reference);
    // Pages read after the release are encoded into the returned buffer: their rows are intact.
    for (let i = 0; i < 3; i++) {
      const page = await reader.read(bytes(text()), ctx);
      const outcome = await ingestBatch(db.pool, page.batch, options);
      expect(outcome.inserted + outcome.unchanged).toBe(10);
      reader.release(page);
    }
    await ingestBatch(reference.pool, readPage(text(), ctx).batch, options);
    expect(await dumpAnalytics(db.pool)).toEqual(await dumpAnalytics(reference.pool));
  });

  it('fail a body that is not a JSON Bundle with the error the main thread gives', async () => {
    for (const body of ['<html>busy</html>', '{"resourceType":"OperationOutcome"}']) {
      let onMain: unknown;
      try {
        readPage(body, ctx);
      } catch (err) {
        onMain = err;
      }
      const onThread = await reader.read(bytes(body), ctx).catch((err: unknown) => err);
      expect(onMain).toBeInstanceOf(Bb2Error);
      expect(onThread).toBeInstanceOf(Bb2Error);
      const fields = (e: unknown) => {
        const { message, category, status } = e as Bb2Error;
        return { message, category, status };
      };
      expect(fields(onThread)).toEqual(fields(onMain));
    }
  });

  it('move a page’s memory to the thread and decode its multi-byte characters as the main thread does', async () => {
    // CMS's code texts carry characters such as "–" and "’", two and three bytes in UTF-8.
    const page = text().replaceAll('"display":"', '"display":"– ’ ');
    expect(page).toContain('– ’');
    const body = bytes(page);
    expect(body.byteLength).toBeGreaterThan(64 * 1024);
    const threaded = await reader.read(body, ctx);
    // Moved, not copied: the caller's view of the memory is empty now.
    expect(body.byteLength).toBe(0);
    expect(threaded.batch.map((r) => r.contentHash)).toEqual(
      readPage(page, ctx).batch.map((r) => r.contentHash),
    );
  });

  it('copy a small body rather than move it, leaving what shares its memory intact', async () => {
    // Node hands out small buffers as views into one shared pool; here, a view of our own.
    const memory = new ArrayBuffer(4096);
    const empty = '{"resourceType":"Bundle","type":"searchset","total":0}';
    const small = new Uint8Array(memory, 0, Buffer.from(empty).copy(new Uint8Array(memory)));
    const neighbour = new Uint8Array(memory, 2048, 9);
    Buffer.from('neighbour').copy(neighbour);
    const page = await reader.read(small, ctx);
    expect(page).toMatchObject({ batch: [], rejects: [], next: null });
    expect(Buffer.from(small).toString()).toBe(empty);
    expect(Buffer.from(neighbour).toString()).toBe('neighbour');
  });
});
