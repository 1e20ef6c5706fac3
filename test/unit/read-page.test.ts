/**
 * readPage: a search response's text to the rows it holds, on a real BB2 sandbox page.
 */
import { describe, expect, it } from 'vitest';

import { Bb2Error } from '../../src/errors.ts';
import { normalizePage, readPage, type Bundle } from '../../src/fhir/page.ts';
import { entryResourceTexts } from '../../src/fhir/raw-text.ts';
import { allFixtureFiles, itWithFixtures, readFixture, type Json } from '../helpers/fixtures.ts';
import { withJsonText } from '../helpers/resource-json.ts';

const PAGE = 'sandbox/eob-bundle-bbuser29999-page1.json';
const PATIENT = '-20140000010000';
const ctx = { patientId: PATIENT, source: '/v2/fhir/ExplanationOfBenefit/' };

describe('readPage', () => {
  itWithFixtures(
    'normalizes every entry of a sandbox page and returns its next link and transaction time',
    () => {
      const bundle = readFixture(PAGE);
      const page = readPage(JSON.stringify(bundle), ctx);
      expect(page.batch.map((r) => r.resourceId)).toEqual(bundle.entry.map((e: Json) => e.resource.id));
      expect(page.seen).toEqual(page.batch.map((r) => r.resourceId));
      expect(page.rejects).toEqual([]);
      expect(page.lastUpdated).toBe(bundle.meta.lastUpdated);
      expect(page.next).toBe(bundle.link.find((l: Json) => l.relation === 'next').url);
      expect(page.batch.every((r) => r.rows.claims.length === 1)).toBe(true);
    },
  );

  itWithFixtures(
    'quarantines a resource of another patient and one that cannot be normalized, and keeps the rest',
    () => {
      const bundle = readFixture(PAGE);
      bundle.entry[1].resource.patient = { reference: 'Patient/-19990000000001' };
      delete bundle.entry[2].resource.patient;
      const page = readPage(JSON.stringify(bundle), ctx);
      expect(page.batch).toHaveLength(bundle.entry.length - 2);
      expect(page.rejects.map((r) => [r.resourceId, r.source])).toEqual([
        [bundle.entry[1].resource.id, `${ctx.source} entry[1]`],
        [bundle.entry[2].resource.id, `${ctx.source} entry[2]`],
      ]);
      expect(page.rejects[0]!.reason).toMatch(/another patient/);
      expect(page.rejects[1]!.reason).toMatch(/no patient reference/);
      // A full reconcile must not delete what it saw but could not load.
      expect(page.seen).toHaveLength(bundle.entry.length);
      expect(page.rejects.every((r) => r.patientId === PATIENT && typeof r.json === 'string')).toBe(true);
    },
  );

  itWithFixtures('reads the last page (no next link) and an empty page', () => {
    const bundle = readFixture(PAGE);
    bundle.link = bundle.link.filter((l: Json) => l.relation !== 'next');
    expect(readPage(JSON.stringify(bundle), ctx).next).toBeNull();
    const empty = readPage(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: 0 }), ctx);
    expect(empty).toEqual({ lastUpdated: null, next: null, links: [], seen: [], batch: [], rejects: [] });
  });

  it('rejects a body that is not JSON, or JSON that is not a Bundle, as a retryable BB2 fault naming the page', () => {
    for (const text of [
      '<html>502 Bad Gateway</html>',
      '{"resourceType":"Bundle"',
      '{"resourceType":"OperationOutcome"}',
    ]) {
      let caught: unknown;
      try {
        readPage(text, ctx);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(Bb2Error);
      expect((caught as Bb2Error).category).toBe('malformed_response');
      expect((caught as Bb2Error).transient).toBe(true);
      expect((caught as Bb2Error).message).toContain(ctx.source);
    }
  });

  itWithFixtures(
    'reads every fixture Bundle entry by entry exactly as one parse of the whole page does',
    () => {
      const bundles = allFixtureFiles().filter((f) => readFixture(f).resourceType === 'Bundle');
      expect(bundles.length).toBeGreaterThan(10);
      for (const file of bundles) {
        for (const text of [JSON.stringify(readFixture(file)), JSON.stringify(readFixture(file), null, 2)]) {
          const patientId = readPage(text, ctx).batch[0]?.patientId ?? PATIENT;
          const pageCtx = { ...ctx, patientId };
          const whole = normalizePage(JSON.parse(text) as Bundle, pageCtx, entryResourceTexts(text));
          const byEntry = readPage(text, pageCtx);
          // Read by entry, a resource's JSON is its bytes as sent, never decoded: the same text.
          expect(byEntry.batch.every((r) => r.json instanceof Uint8Array)).toBe(true);
          expect(withJsonText(byEntry), file).toEqual(whole);
        }
      }
    },
  );

  it('rejects a page whose entry or envelope is not JSON although the scanner could walk it', () => {
    for (const text of [
      '{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":01}}]}',
      '{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"a\\q"}}]}',
      '{"resourceType":"Bundle","total":01,"entry":[]}',
      '{"resourceType":"OperationOutcome","entry":[{"resource":{"id":"a"}}]}',
    ]) {
      expect(() => readPage(text, ctx), text).toThrow(Bb2Error);
    }
  });

  itWithFixtures(
    'hands each resource to take once, in order, as it is normalized, leaving the batch empty',
    () => {
      const text = JSON.stringify(readFixture(PAGE));
      const taken: unknown[] = [];
      const page = readPage(text, ctx, (r) => taken.push(r));
      const { batch, ...rest } = readPage(text, ctx);
      expect(taken).toEqual(batch);
      expect(page).toEqual({ ...rest, batch: [] });
    },
  );
});
