/**
 * entryResourceTexts: finding each entry's resource in a Bundle's text, on every real BB2 fixture
 * and on text built to trip a scanner.
 */
import { describe, expect, it } from 'vitest';

import { normalizeResource } from '../../src/fhir/normalize.ts';
import { readPage } from '../../src/fhir/page.ts';
import { entryResourceTexts } from '../../src/fhir/raw-text.ts';
import { allFixtureFiles, itWithFixtures, readFixture, type Json } from '../helpers/fixtures.ts';
import { jsonText, withJsonText } from '../helpers/resource-json.ts';

const bundles = () => allFixtureFiles().filter((f) => readFixture(f).resourceType === 'Bundle');

/** A real sandbox EOB page (its first entry is the EOB the tests below change). */
const EOB_PAGE = 'sandbox/eob-bundle-bbuser29999-page1.json';

/** The page's first EOB with `changes` written over it. */
const firstEobWith = (changes: Json): Json => ({ ...readFixture(EOB_PAGE).entry[0].resource, ...changes });

describe('entryResourceTexts', () => {
  itWithFixtures(
    'finds exactly the parsed resources of every fixture Bundle, compact or pretty-printed',
    () => {
      expect(bundles().length).toBeGreaterThan(10);
      for (const file of bundles()) {
        const bundle = readFixture(file);
        for (const text of [JSON.stringify(bundle), JSON.stringify(bundle, null, 2)]) {
          const texts = entryResourceTexts(text);
          expect(texts, file).toBeDefined();
          expect(
            texts!.map((t) => (t ? JSON.parse(t.json) : undefined)),
            file,
          ).toEqual((bundle.entry ?? []).map((e: Json) => e.resource));
        }
      }
    },
  );

  itWithFixtures('hashes compact text exactly as the normalizer hashes the parsed resource', () => {
    for (const file of bundles()) {
      const bundle = readFixture(file);
      const texts = entryResourceTexts(JSON.stringify(bundle))!;
      (bundle.entry ?? []).forEach((e: Json, i: number) => {
        expect(texts[i]!.contentHash, `${file} entry ${i}`).toBe(normalizeResource(e.resource).contentHash);
      });
    }
  });

  itWithFixtures('leaves created and meta.lastUpdated out of the hash, and nothing else', () => {
    const bundle = readFixture(EOB_PAGE);
    const hashOf = (b: Json) => entryResourceTexts(JSON.stringify(b, null, 1))![0]!.contentHash;
    const before = hashOf(bundle);
    bundle.entry[0].resource.created = '2031-01-01T00:00:00Z';
    bundle.entry[0].resource.meta.lastUpdated = '2031-01-01T00:00:00Z';
    expect(hashOf(bundle)).toBe(before);
    bundle.entry[0].resource.billablePeriod.start = '1999-01-01';
    expect(hashOf(bundle)).not.toBe(before);
  });

  itWithFixtures(
    'is not fooled by quotes, backslashes, braces or key names inside strings, or by nested resources',
    () => {
      // A real EOB with awkward additions.
      const resource = firstEobWith({
        text: { div: 'a "quoted" }{ ][ \\ trailing backslash \\', status: '"entry":[{"resource":{}}]' },
        contained: [{ resourceType: 'Organization', id: 'o', meta: { lastUpdated: 'x' } }],
        note: [{ text: 'ends with backslash\\' }, { text: '\\"' }],
        n: [1.5e3, -2, true, false, null],
      });
      const text = JSON.stringify({
        resourceType: 'Bundle',
        link: [{ url: '"entry"' }],
        entry: [{ resource }, {}],
      });
      const texts = entryResourceTexts(text)!;
      expect(texts).toHaveLength(2);
      expect(JSON.parse(texts[0]!.json)).toEqual(resource);
      expect(texts[1]).toBeUndefined();
      expect(texts[0]!.contentHash).toBe(normalizeResource(resource).contentHash);
    },
  );

  it('finds the resources of 300 random Bundles whose strings are full of JSON syntax', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = [
      '"',
      '\\',
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      'entry',
      'resource',
      'é',
      '’',
      '𝄞',
      '\n',
      ' ',
      'a',
      '\u0001',
    ];
    const str = () =>
      Array.from({ length: Math.floor(rand() * 8) }, () => pieces[Math.floor(rand() * pieces.length)]).join(
        '',
      );
    const value = (depth: number): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.3) return str();
      if (r < 0.4) return Math.floor(rand() * 1e6) / 100;
      if (r < 0.45) return [true, false, null][Math.floor(rand() * 3)];
      if (r < 0.7) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: Math.floor(rand() * 4) }, () => [str(), value(depth + 1)]),
      );
    };
    for (let n = 0; n < 300; n++) {
      const entry = Array.from({ length: Math.floor(rand() * 4) }, () => ({
        [str() || 'x']: value(0),
        resource: { id: str(), meta: { lastUpdated: str() }, body: value(0) },
      }));
      const bundle = { [str() || 'k']: value(0), resourceType: 'Bundle', entry };
      const texts = entryResourceTexts(JSON.stringify(bundle, null, n % 2 ? 1 : 0));
      expect(texts?.map((t) => JSON.parse(t!.json))).toEqual(entry.map((e) => e.resource));
    }
  });

  it('finds resources whose long strings hold escapes, quotes and multi-byte characters at every offset', () => {
    // The scanner reads strings four bytes at a time: put each special byte at every position of a
    // four-byte word, right before the closing quote, and at the very end of a long string.
    const specials = ['"', '\\', '\\"', '"\\', '\\\\', 'é', '𝄞', '\n'];
    const entry = [];
    for (let offset = 0; offset < 8; offset++) {
      for (const special of specials) {
        const padding = 'x'.repeat(offset);
        entry.push({
          resource: {
            id: `${padding}${special}`,
            text: `${padding}${special}${'y'.repeat(13)}${special}`,
            meta: { lastUpdated: `${special}${padding}` },
            note: [`${'z'.repeat(40 + offset)}${special}`, special, ''],
          },
        });
      }
    }
    const bundle = { resourceType: 'Bundle', entry };
    for (const text of [JSON.stringify(bundle), JSON.stringify(bundle, null, 1)]) {
      const texts = entryResourceTexts(text);
      expect(texts?.map((t) => JSON.parse(t!.json))).toEqual(entry.map((e) => e.resource));
      expect(entryResourceTexts(Buffer.from(text))?.map((t) => t!.contentHash)).toEqual(
        texts!.map((t) => t!.contentHash),
      );
    }
    // A string cut off before its closing quote, with or without a dangling backslash: no layout.
    expect(entryResourceTexts('{"entry":[{"resource":{"id":"abcdefgh')).toBeUndefined();
    expect(entryResourceTexts('{"entry":[{"resource":{"id":"abcdefg\\')).toBeUndefined();
  });

  itWithFixtures(
    'finds and hashes a resource with two-, three- and four-byte characters as the normalizer does',
    () => {
      const resource = firstEobWith({ text: { status: 'generated', div: 'Café – “quoted” ’ 𝄞 日本' } });
      const bytes = Buffer.from(JSON.stringify({ resourceType: 'Bundle', entry: [{ resource }] }));
      expect(bytes.length).toBeGreaterThan(bytes.toString().length);
      const [found] = entryResourceTexts(bytes)!;
      expect(JSON.parse(found!.json)).toEqual(resource);
      expect(found!.contentHash).toBe(normalizeResource(resource).contentHash);
    },
  );

  itWithFixtures('reads bytes that are not UTF-8 exactly as the text they decode to', () => {
    const bundle = readFixture(EOB_PAGE);
    const ctx = { patientId: '-20140000010000', source: '/v2/fhir/ExplanationOfBenefit/' };
    const compact = JSON.stringify(bundle);
    const at = compact.indexOf('"resourceType":"ExplanationOfBenefit"');
    // A stray continuation byte and a truncated three-byte character inside a string of the first EOB.
    const bytes = Buffer.concat([
      Buffer.from(`${compact.slice(0, at)}"language":"`),
      Buffer.from([0x80, 0xe2, 0x80]),
      Buffer.from(`",${compact.slice(at)}`),
    ]);
    const text = bytes.toString('utf8');
    expect(text).toContain('\ufffd');
    const fromBytes = readPage(bytes, ctx);
    expect(fromBytes.batch.length).toBeGreaterThan(0);
    expect(fromBytes).toEqual(readPage(text, ctx));
    expect(jsonText(fromBytes.batch[0]!)).toContain('\ufffd');
  });

  itWithFixtures('gives up on text it does not expect, and a page then reads exactly as without it', () => {
    expect(entryResourceTexts('[1,2]')).toBeUndefined();
    expect(entryResourceTexts('{"entry":[{"resource":{"id":"a"}}],"entry":[]}')).toBeUndefined();
    expect(entryResourceTexts('{"resourceType":"Bundle"}')).toEqual([]);

    const bundle = readFixture(EOB_PAGE);
    const ctx = { patientId: '-20140000010000', source: '/v2/fhir/ExplanationOfBenefit/' };
    const compact = JSON.stringify(bundle);
    // A duplicate "entry" key: JSON.parse keeps the last one, the scanner refuses both.
    const duplicated = `{"entry":[],${compact.slice(1)}`;
    expect(entryResourceTexts(duplicated)).toBeUndefined();
    // Read whole, the resources' JSON is text; entry by entry, bytes: the same text.
    expect(readPage(duplicated, ctx)).toEqual(withJsonText(readPage(compact, ctx)));
  });
});
