/**
 * The worker's CPU per page, without Postgres, the network or the thread: the emulator's EOB search
 * pages (synthetic data, built in-process, the text the sync would receive) run through the exact
 * function a page-reading thread runs (src/workers/page-work.ts `readAndEncodePage`),
 * on this thread, timed with process.cpuUsage. docs/performance.md, "Worker CPU per page".
 *
 *   npm run bench:page -- [--users 200] [--page-size 50] [--passes 3] [--rounds 5] [--compare DIR]
 *
 * Prints CPU µs per EOB (the median of the rounds, each round `passes` passes over every page
 * after a warm-up pass) and a SHA-256 of everything the page function returned (the COPY bytes and
 * the rest of each page): a change that keeps the hash keeps the rows byte-identical. With
 * `--compare DIR` (another checkout, e.g. main in a second worktree) its page function is run too,
 * alternately with this one in every round, so both see the same load.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

import type { encodePage as EncodePage } from '../src/db/copy-rows.ts';
import { createSyntheticStore } from '../src/emulator/data/index.ts';
import { pageOf, parseSearch, searchMatches } from '../src/emulator/fhir-search.ts';
import { pageLink, selfLink } from '../src/emulator/links.ts';
import { bfdTimestamp } from '../src/emulator/v2-endpoints.ts';
import type { PageContext, readPage as ReadPage } from '../src/fhir/page.ts';
import type { readAndEncodePage as ReadAndEncodePage } from '../src/workers/page-work.ts';

const BASE = 'http://127.0.0.1:8000';
const TYPE = 'ExplanationOfBenefit';
// A fixed response time, so the pages (their `created`) are the same bytes on every run.
const CREATED = bfdTimestamp(new Date('2026-12-01T00:00:00Z'));

interface Page {
  text: string;
  /** The text's UTF-8 bytes, as the page thread receives a page since it reads bytes. */
  body: Uint8Array;
  ctx: PageContext;
}

interface Variant {
  name: string;
  readAndEncodePage: typeof ReadAndEncodePage;
  /** A checkout whose page thread received the page's text (decoded on the main thread), not bytes. */
  takesText: boolean;
}

/** Every EOB search page of `users` synthetic users, as the emulator's v2 search serializes them. */
function buildPages(users: number, pageSize: number): Page[] {
  const store = createSyntheticStore({ users, seed: 1 });
  const txTime = store.transactionTime();
  const pages: Page[] = [];
  for (let u = 0; u < users; u++) {
    const patientId = store.userByIndex(u)!.patientId;
    const record = store.record(patientId)!;
    for (let start = 0; ; start += pageSize) {
      const query = new URLSearchParams({ _count: String(pageSize), startIndex: String(start) });
      const search = parseSearch(TYPE, query, patientId);
      const matches = searchMatches(search, record);
      const total = matches.length;
      const { count, bfdParams } = search;
      const link = [{ relation: 'first', url: pageLink(BASE, TYPE, bfdParams, 0, count) }];
      if (start + count < total) {
        link.push({ relation: 'next', url: pageLink(BASE, TYPE, bfdParams, start + count, count) });
      }
      if (start > 0) {
        link.push({
          relation: 'previous',
          url: pageLink(BASE, TYPE, bfdParams, Math.max(start - count, 0), count),
        });
      }
      link.push({
        relation: 'last',
        url: pageLink(BASE, TYPE, bfdParams, Math.trunc((total - 1) / count) * count, count),
      });
      link.push({ relation: 'self', url: selfLink(BASE, TYPE, bfdParams) });
      const bundle: Record<string, unknown> = {
        resourceType: 'Bundle',
        id: `00000000-0000-0000-0000-${String(pages.length).padStart(12, '0')}`,
        meta: { lastUpdated: txTime },
        type: 'searchset',
        total,
        link,
      };
      const entries = pageOf(search, matches);
      if (entries.length > 0)
        bundle.entry = entries.map((resource) => ({ resource: { ...resource, created: CREATED } }));
      const text = JSON.stringify(bundle);
      pages.push({ text, body: Buffer.from(text), ctx: { patientId, source: `/v2/fhir/${TYPE}/` } });
      if (start + count >= total) break;
    }
  }
  return pages;
}

/**
 * An encoding buffer lent to every page, the workspace kind every checkout since it was added
 * takes (older ones take no such argument). Today's page thread encodes into buffers given back
 * by the main thread instead (db/copy-rows.ts `EncoderWorkspace`); this pass still copies each
 * page out of the lent buffer, so it does not count the copy that saves.
 */
const WORKSPACE = { buffer: Buffer.allocUnsafeSlow(1024 * 1024) };

/** One pass over every page, as the page thread does it; returns the number of EOBs read. */
function pass(
  variant: Variant,
  pages: readonly Page[],
  onPage?: (out: unknown, buffer: ArrayBuffer) => void,
) {
  let eobs = 0;
  for (const { text, body, ctx } of pages) {
    // What the checkout's page thread receives: the page's bytes, or (older ones) its text.
    const { page, buffer } = variant.readAndEncodePage(variant.takesText ? text : body, ctx, WORKSPACE);
    eobs += page.batch.length;
    onPage?.(page, buffer);
  }
  return eobs;
}

/** SHA-256 of every page's output: its COPY buffer, then the rest (byte views as offset and length). */
function outputHash(variant: Variant, pages: readonly Page[]): string {
  const hash = createHash('sha256');
  pass(variant, pages, (out, buffer) => {
    hash.update(new Uint8Array(buffer));
    hash.update(
      JSON.stringify(out, (_key, value: unknown) =>
        value instanceof Uint8Array ? [value.byteOffset, value.byteLength] : value,
      ),
    );
  });
  return hash.digest('hex');
}

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * A checkout's page function: src/workers/page-work.ts, or in a checkout older than it, what
 * page-thread.ts called then (readPage, then encodePage).
 */
async function loadVariant(root: string, name: string): Promise<Variant> {
  const load = (path: string) => import(pathToFileURL(resolve(root, path)).href);
  if (existsSync(resolve(root, 'src/workers/page-work.ts'))) {
    const work = (await load('src/workers/page-work.ts')) as { readAndEncodePage: typeof ReadAndEncodePage };
    // Pages are read from their bytes since raw-text.ts scans bytes.
    const takesText = !readFileSync(resolve(root, 'src/fhir/raw-text.ts'), 'utf8').includes('utf8Bytes');
    return { name, readAndEncodePage: work.readAndEncodePage, takesText };
  }
  const { readPage } = (await load('src/fhir/page.ts')) as { readPage: typeof ReadPage };
  const { encodePage } = (await load('src/db/copy-rows.ts')) as { encodePage: typeof EncodePage };
  return {
    name,
    takesText: true,
    readAndEncodePage(text, ctx) {
      const page = readPage(text, ctx);
      const { resources, buffer } = encodePage(page.batch);
      return { page: { ...page, batch: resources }, buffer };
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '200' },
      'page-size': { type: 'string', default: '50' },
      passes: { type: 'string', default: '3' },
      rounds: { type: 'string', default: '5' },
      compare: { type: 'string' },
    },
  });
  const users = Number(values.users);
  const pageSize = Number(values['page-size']);
  const passes = Number(values.passes);
  const rounds = Number(values.rounds);
  const variants = [await loadVariant(resolve(import.meta.dirname, '..'), 'this tree')];
  if (values.compare) variants.unshift(await loadVariant(values.compare, values.compare));

  const pages = buildPages(users, pageSize);
  const bytes = pages.reduce((n, p) => n + Buffer.byteLength(p.text), 0);
  const eobs = pass(variants[0]!, pages);
  console.log(`${pages.length} pages, ${eobs} EOBs, ${(bytes / 1e6).toFixed(1)} MB of JSON`);

  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (const v of variants) {
    console.log(`${v.name}: output sha256 ${outputHash(v, pages)}`);
    pass(v, pages); // warm-up
  }
  for (let round = 0; round < rounds; round++) {
    // Alternate which runs first, so neither always follows the other's garbage.
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const before = cpuMicros();
      let read = 0;
      for (let p = 0; p < passes; p++) read += pass(v, pages);
      samples.get(v.name)!.push((cpuMicros() - before) / read);
    }
  }
  for (const v of variants) {
    const s = samples.get(v.name)!;
    console.log(
      `${v.name}: ${median(s).toFixed(1)} µs CPU per EOB (median of ${rounds}; rounds ${s.map((x) => x.toFixed(1)).join(', ')})`,
    );
  }
}

await main();
