/**
 * Where each entry's resource sits in a Bundle's JSON text, so a sync can store and hash the text
 * BB2 sent instead of serializing the parsed resource again (JSON.stringify of every EOB was the
 * largest single cost of normalizing: docs/performance.md#figures-behind-the-code).
 *
 * A scanner, not a parser: it runs only over text JSON.parse has already accepted, finds the
 * `entry[i].resource` values and, inside each, the values that change on every response
 * (`created`, `meta.lastUpdated`), which the content hash leaves out. When anything does not look
 * as expected it gives up (undefined) and the caller serializes the parsed resource instead.
 */
import { createHash } from 'node:crypto';

export interface ResourceText {
  /** The resource's JSON, as sent. */
  json: string;
  /** sha256 of the JSON with the volatile values replaced by constants (base64url). */
  contentHash: string;
}

/**
 * Stand-ins hashed in place of the volatile values: constant, so they hash the same whatever the
 * real values are, and impossible in real data (JSON writes U+0001 as \u0001). The same ones as
 * the normalizer's own serialization uses, so compact JSON hashes the same either way.
 */
export const CREATED_STAND_IN = '\u0001created';
export const LAST_UPDATED_STAND_IN = '\u0001lastUpdated';
const CREATED_JSON = JSON.stringify(CREATED_STAND_IN);
const LAST_UPDATED_JSON = JSON.stringify(LAST_UPDATED_STAND_IN);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

class GiveUp extends Error {}

/** One item of a Bundle's `entry` array: where it sits in the text, and its resource's text. */
export interface EntryText {
  /** The item's JSON is text.slice(start, end). */
  start: number;
  end: number;
  /** Undefined when the item has no `resource`. */
  resource: ResourceText | undefined;
}

/** Where a Bundle's `entry` array and each of its items sit in the Bundle's text. */
export interface BundleLayout {
  /** The `entry` array's JSON is text.slice(start, end); undefined when the Bundle has none. */
  list: { start: number; end: number } | undefined;
  entries: EntryText[];
}

/**
 * The text and content hash of every `entry[i].resource` of a Bundle's JSON text, in order, or
 * undefined when the text does not have the expected shape. An entry without a resource gets
 * undefined in its place.
 */
export function entryResourceTexts(text: string): (ResourceText | undefined)[] | undefined {
  return bundleLayout(text)?.entries.map((e) => e.resource);
}

/**
 * The layout of a Bundle's JSON text: its `entry` array, each item's span and its resource's text
 * and content hash; undefined when the text does not have the expected shape (every item an
 * object, at most one `entry` key).
 */
export function bundleLayout(text: string): BundleLayout | undefined {
  try {
    const scan: LayoutScan = { text, entries: [], list: undefined, found: undefined };
    const i = eachKey(text, skipSpace(text, 0), bundleMember, scan);
    if (skipSpace(text, i) !== text.length) return undefined;
    return { list: scan.list, entries: scan.entries };
  } catch (err) {
    if (err instanceof GiveUp) return undefined;
    throw err;
  }
}

/*
 * The scanner's callbacks are module functions that get their state as an argument, not closures
 * made per call: V8 holds a closure's optimized code only weakly, so closures made anew for every
 * page or resource were compiled again after each full garbage collection, all through a sync
 * (docs/performance.md, "Closures compiled again").
 */

/** What `bundleLayout` has found so far. */
interface LayoutScan {
  text: string;
  entries: EntryText[];
  list: BundleLayout['list'];
  /** The current entry item's resource. */
  found: ResourceText | undefined;
}

function bundleMember(scan: LayoutScan, key: string, at: number): number {
  if (key !== 'entry') return skipValue(scan.text, at);
  // JSON.parse keeps the last of duplicate keys; rather than mimic that, give up.
  if (scan.list) throw new GiveUp();
  const end = eachItem(scan.text, at, entryItem, scan);
  scan.list = { start: at, end };
  return end;
}

function entryItem(scan: LayoutScan, itemAt: number): number {
  scan.found = undefined;
  const itemEnd = eachKey(scan.text, itemAt, entryMember, scan);
  scan.entries.push({ start: itemAt, end: itemEnd, resource: scan.found });
  return itemEnd;
}

function entryMember(scan: LayoutScan, key: string, at: number): number {
  if (key !== 'resource') return skipValue(scan.text, at);
  const scanned = scanResource(scan.text, at);
  scan.found = scanned.resource;
  return scanned.end;
}

/** The spans of a resource's volatile values, with the stand-in each is hashed as. */
interface ResourceScan {
  text: string;
  volatile: [number, number, string][];
}

function resourceMember(scan: ResourceScan, key: string, at: number): number {
  const valueEnd = skipValue(scan.text, at);
  if (key === 'created') scan.volatile.push([at, valueEnd, CREATED_JSON]);
  else if (key === 'meta' && scan.text.charCodeAt(at) === OPEN_BRACE)
    eachKey(scan.text, at, metaMember, scan);
  return valueEnd;
}

function metaMember(scan: ResourceScan, key: string, at: number): number {
  const valueEnd = skipValue(scan.text, at);
  if (key === 'lastUpdated') scan.volatile.push([at, valueEnd, LAST_UPDATED_JSON]);
  return valueEnd;
}

function byStart(a: [number, number, string], b: [number, number, string]): number {
  return a[0] - b[0];
}

/** A resource object: its text, and its hash with `created` and `meta.lastUpdated` stood in for. */
function scanResource(text: string, start: number): { resource: ResourceText; end: number } {
  const scan: ResourceScan = { text, volatile: [] };
  const end = eachKey(text, start, resourceMember, scan);
  const hash = createHash('sha256');
  let from = start;
  for (const [a, b, standIn] of scan.volatile.sort(byStart)) {
    hash.update(text.slice(from, a));
    hash.update(standIn);
    from = b;
  }
  hash.update(text.slice(from, end));
  return { resource: { json: text.slice(start, end), contentHash: hash.digest('base64url') }, end };
}

/** Calls `onValue(state, key, valueStart)` for each member of the object at `i`; returns the index after it. */
function eachKey<S>(
  text: string,
  i: number,
  onValue: (state: S, key: string, valueStart: number) => number,
  state: S,
): number {
  if (text.charCodeAt(i) !== OPEN_BRACE) throw new GiveUp();
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) throw new GiveUp();
    const keyEnd = skipString(text, i);
    const rawKey = text.slice(i + 1, keyEnd - 1);
    // Keys this scanner looks for never need escapes; an escaped key is just not one of them.
    const key = rawKey.includes('\\') ? '' : rawKey;
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== COLON) throw new GiveUp();
    i = skipSpace(text, onValue(state, key, skipSpace(text, i + 1)));
    const c = text.charCodeAt(i);
    if (c === CLOSE_BRACE) return i + 1;
    if (c !== COMMA) throw new GiveUp();
    i = skipSpace(text, i + 1);
  }
}

/** Calls `onItem(state, itemStart)` for each item of the array at `i`; returns the index after it. */
function eachItem<S>(
  text: string,
  i: number,
  onItem: (state: S, itemStart: number) => number,
  state: S,
): number {
  if (text.charCodeAt(i) !== OPEN_BRACKET) throw new GiveUp();
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACKET) return i + 1;
  for (;;) {
    i = skipSpace(text, onItem(state, i));
    const c = text.charCodeAt(i);
    if (c === CLOSE_BRACKET) return i + 1;
    if (c !== COMMA) throw new GiveUp();
    i = skipSpace(text, i + 1);
  }
}

/** The index after the JSON value starting at `i`. */
function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return skipString(text, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (;;) {
      const d = text.charCodeAt(i);
      if (d === QUOTE) {
        i = skipString(text, i);
        continue;
      }
      if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      } else if (Number.isNaN(d)) throw new GiveUp();
      i++;
    }
  }
  // A number, true, false or null: up to the next delimiter.
  let j = i;
  for (;;) {
    const d = text.charCodeAt(j);
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || d <= 0x20 || Number.isNaN(d)) break;
    j++;
  }
  if (j === i) throw new GiveUp();
  return j;
}

/** The index after the string whose opening quote is at `i`. */
function skipString(text: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) throw new GiveUp();
    // The quote is escaped when an odd number of backslashes precede it.
    let backslashes = 0;
    for (let k = q - 1; text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    j = q + 1;
  }
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}
