/**
 * encodePage: a page's COPY rows as bytes in one buffer, equal to encoding each resource's rows
 * on its own, whatever characters the resources hold.
 */
import { describe, expect } from 'vitest';

import { encodeRows } from '../../src/db/copy.ts';
import { COPY_TABLES, encodePage, PageEncoder, rawHead, WRITERS } from '../../src/db/copy-rows.ts';
import { readPage } from '../../src/fhir/page.ts';
import { itWithFixtures, readFixture } from '../helpers/fixtures.ts';

const ctx = { patientId: '-20140000010000', source: '/v2/fhir/ExplanationOfBenefit/' };
const PAGE = 'sandbox/eob-bundle-bbuser29999-page1.json';

/** The fixture page's text with its last EOB's first care team name and first line display replaced. */
function pageWithTextAtTheEnd(careTeamName: string, lineDisplay: string): string {
  const bundle = readFixture(PAGE);
  const last = bundle.entry.at(-1).resource;
  last.careTeam[0].provider.display = careTeamName;
  last.item[0].productOrService.coding[0].display = lineDisplay;
  return JSON.stringify(bundle);
}

describe('encodePage', () => {
  itWithFixtures(
    'writes each resource exactly as encoding it alone would, with non-ASCII text, and nothing else into the buffer',
    () => {
      // Two-byte, four-byte (a surrogate pair) and unpaired-surrogate characters, at the end of the page.
      const unusual = pageWithTextAtTheEnd('Zoë 𝄞 \ud800 Ångström', 'é'.repeat(5000));
      for (const text of [JSON.stringify(readFixture(PAGE)), unusual]) {
        const batch = readPage(text, ctx).batch;
        const { resources, buffer } = encodePage(batch);
        let total = 0;
        resources.forEach((r, i) => {
          const source = batch[i]!;
          for (const table of COPY_TABLES) {
            const rows = source.rows[table] as unknown as Record<string, unknown>[];
            const expected = rows.length
              ? Buffer.from(encodeRows(WRITERS.get(table)!.columns, rows))
              : undefined;
            const got = r.encoded!.copy[table];
            expect(got && Buffer.from(got), `${source.resourceId} ${table}`).toEqual(expected);
            expect(got?.buffer ?? buffer).toBe(buffer);
            total += got?.byteLength ?? 0;
          }
          expect(Buffer.from(r.encoded!.rawHead)).toEqual(Buffer.from(rawHead(source)));
          total += r.encoded!.rawHead.byteLength;
        });
        expect(buffer.byteLength).toBe(total);
      }
    },
  );

  itWithFixtures(
    'writes the same bytes when its buffer starts far too small and grows, even in the middle of a character run',
    () => {
      const batch = readPage(pageWithTextAtTheEnd('Zoë 𝄞 Ångström', '😀é'.repeat(3000)), ctx).batch;
      const expected = Buffer.from(encodePage(batch).buffer);
      const small = new PageEncoder(1);
      for (const r of batch) small.add(r);
      const { resources, buffer } = small.finish();
      expect(Buffer.from(buffer)).toEqual(expected);
      expect(Buffer.from(resources.at(-1)!.encoded!.rawHead)).toEqual(Buffer.from(rawHead(batch.at(-1)!)));
    },
  );

  itWithFixtures(
    'encodes page after page into one workspace buffer, grown only when a page needs more, and hands each page its own copy',
    () => {
      const pages = [
        readPage(JSON.stringify(readFixture(PAGE)), ctx).batch,
        // Far larger than the first page, so the workspace must grow again for it.
        readPage(pageWithTextAtTheEnd('Zoë 𝄞 Ångström', '😀é'.repeat(100_000)), ctx).batch,
        readPage(JSON.stringify(readFixture(PAGE)), ctx).batch,
      ];
      const workspace = { buffer: Buffer.allocUnsafeSlow(1024) };
      const lent: Buffer[] = [];
      const outputs: ArrayBuffer[] = [];
      for (const batch of pages) {
        const encoder = new PageEncoder(1, workspace);
        for (const r of batch) encoder.add(r);
        const { buffer } = encoder.finish();
        expect(Buffer.from(buffer)).toEqual(Buffer.from(encodePage(batch).buffer));
        expect(buffer).not.toBe(workspace.buffer.buffer);
        outputs.push(buffer);
        lent.push(workspace.buffer);
      }
      // Grown for the first page and again for the larger second one, then reused for the third.
      expect(lent[1]!.length).toBeGreaterThan(lent[0]!.length);
      expect(lent[2]).toBe(lent[1]);
      // Each page's output is still intact after the next page was encoded into the workspace.
      expect(Buffer.from(outputs[0]!)).toEqual(Buffer.from(encodePage(pages[0]!).buffer));
    },
  );

  itWithFixtures(
    'encodes a page into a returned buffer big enough for it and hands that buffer over whole, the same rows as a copy',
    () => {
      const batch = readPage(JSON.stringify(readFixture(PAGE)), ctx).batch;
      const expected = Buffer.from(encodePage(batch).buffer);
      const tooSmall = new ArrayBuffer(16);
      const bigEnough = new ArrayBuffer(expected.length * 2);
      const workspace = { returned: [tooSmall, bigEnough] };

      const encoder = new PageEncoder(expected.length, workspace);
      for (const r of batch) encoder.add(r);
      const { resources, buffer } = encoder.finish();
      // No copy: the rows sit at the start of the returned buffer, which crosses threads whole.
      expect(buffer).toBe(bigEnough);
      expect(Buffer.from(buffer, 0, expected.length)).toEqual(expected);
      expect(workspace.returned).toEqual([tooSmall]);
      const reference = encodePage(batch).resources;
      for (let i = 0; i < resources.length; i++) {
        expect(Buffer.from(resources[i]!.encoded!.rawHead)).toEqual(
          Buffer.from(reference[i]!.encoded!.rawHead),
        );
        expect(resources[i]!.encoded!.copy).toEqual(reference[i]!.encoded!.copy);
      }

      // With nothing returned that fits, the page gets a new buffer of its own, also handed over whole.
      const next = new PageEncoder(expected.length, workspace);
      for (const r of batch) next.add(r);
      const fresh = next.finish().buffer;
      expect(fresh).not.toBe(tooSmall);
      expect(fresh.byteLength).toBeGreaterThanOrEqual(expected.length);
      expect(Buffer.from(fresh, 0, expected.length)).toEqual(expected);
    },
  );
});
