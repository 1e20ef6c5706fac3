/**
 * Where each entry's resource sits in a Bundle's JSON, so a sync can store and hash the text BB2
 * sent instead of serializing the parsed resource again (JSON.stringify of every EOB was the
 * largest single cost of normalizing: docs/performance.md#figures-behind-the-code).
 *
 * A scanner, not a parser: it finds the `entry[i].resource` values and, inside each, the values
 * that change on every response (`created`, `meta.lastUpdated`), which the content hash leaves out;
 * the caller parses each entry it finds (JSON.parse decides what is JSON). When anything does not
 * look as expected it gives up (undefined) and the caller parses the whole page instead.
 *
 * It scans the page's UTF-8 bytes, not a string: a page decoded whole is one string of several
 * hundred KB, which V8 allocates in fresh memory of its own each time (a large object), and
 * decoding entry by entry is many times cheaper (docs/performance.md, "The page's bytes to the
 * page thread"). JSON's syntax is all ASCII, and no byte of a multi-byte UTF-8 character is, so
 * the bytes can be scanned as they are.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';

export interface ResourceText {
  /** The resource's JSON, as sent. */
  json: string;
  /** sha256 of the JSON with the volatile values replaced by constants (base64url). */
  contentHash: string;
}

/** The same, the JSON as its UTF-8 bytes as sent (a view of the page's bytes). */
export interface ResourceBytes {
  json: Uint8Array;
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

/**
 * A page's bytes as valid UTF-8, in a Buffer viewing them: the bytes themselves when they are
 * (BB2's always are), else the text they decode to (malformed sequences as U+FFFD) encoded again,
 * so that a resource's hash is the hash of the text that is stored, whatever was sent.
 */
export function utf8Bytes(input: string | Uint8Array): Buffer {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  return isUtf8(bytes) ? bytes : Buffer.from(bytes.toString('utf8'), 'utf8');
}

/** The text of bytes[start, end). */
export function textOf(bytes: Buffer, start: number, end: number): string {
  return bytes.toString('utf8', start, end);
}

/** Where an entry's resource sits in the page's bytes, and its content hash. */
export interface ResourceSpan {
  start: number;
  end: number;
  /** sha256 of the JSON with the volatile values replaced by constants (base64url). */
  contentHash: string;
}

/** One item of a Bundle's `entry` array: where it sits in the bytes, and its resource's. */
export interface EntrySpan {
  /** The item's JSON is bytes[start, end). */
  start: number;
  end: number;
  /** Undefined when the item has no `resource`. */
  resource: ResourceSpan | undefined;
}

/** Where a Bundle's `entry` array and each of its items sit in the Bundle's bytes. */
export interface BundleLayout {
  /** The `entry` array's JSON is bytes[start, end); undefined when the Bundle has none. */
  list: { start: number; end: number } | undefined;
  entries: EntrySpan[];
}

/** A resource's text as sent, from its span. */
export function resourceText(bytes: Buffer, span: ResourceSpan): ResourceText {
  return { json: textOf(bytes, span.start, span.end), contentHash: span.contentHash };
}

/**
 * A resource's JSON as sent, as its bytes (a view of the page's, valid UTF-8): stored as they are,
 * never decoded into a string (docs/performance.md, "The raw store in COPY's binary format").
 */
export function resourceBytes(bytes: Buffer, span: ResourceSpan): ResourceBytes {
  return { json: bytes.subarray(span.start, span.end), contentHash: span.contentHash };
}

/**
 * The text and content hash of every `entry[i].resource` of a Bundle's JSON, in order, or
 * undefined when it does not have the expected shape. An entry without a resource gets undefined
 * in its place.
 */
export function entryResourceTexts(input: string | Uint8Array): (ResourceText | undefined)[] | undefined {
  const bytes = utf8Bytes(input);
  const layout = bundleLayout(bytes);
  if (!layout) return undefined;
  const texts: (ResourceText | undefined)[] = [];
  for (const e of layout.entries) texts.push(e.resource && resourceText(bytes, e.resource));
  return texts;
}

/**
 * The layout of a Bundle's JSON (valid UTF-8, from `utf8Bytes`): its `entry` array, each item's
 * span and its resource's span and content hash; undefined when the bytes do not have the
 * expected shape (every item an object, at most one `entry` key).
 */
export function bundleLayout(bytes: Uint8Array): BundleLayout | undefined {
  try {
    scanView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const scan: LayoutScan = { bytes, entries: [], list: undefined, found: undefined };
    const i = eachKey(bytes, skipSpace(bytes, 0), bundleMember, scan);
    if (skipSpace(bytes, i) !== bytes.length) return undefined;
    return { list: scan.list, entries: scan.entries };
  } catch (err) {
    if (err instanceof GiveUp) return undefined;
    throw err;
  } finally {
    // The page's memory must not outlive its scan.
    scanView = undefined;
  }
}

/**
 * The bytes being scanned, for reading four at a time (skipString); set for the length of one
 * `bundleLayout` call, which is synchronous.
 */
let scanView: DataView | undefined;

/*
 * The scanner's callbacks are module functions that get their state as an argument, not closures
 * made per call: V8 holds a closure's optimized code only weakly, so closures made anew for every
 * page or resource were compiled again after each full garbage collection, all through a sync
 * (docs/performance.md, "Closures compiled again").
 */

/** What `bundleLayout` has found so far. */
interface LayoutScan {
  bytes: Uint8Array;
  entries: EntrySpan[];
  list: BundleLayout['list'];
  /** The current entry item's resource. */
  found: ResourceSpan | undefined;
}

/** The keys the scanner looks for: `keyAt` answers with an index into KEY_BYTES. */
const KEY_BYTES = ['entry', 'resource', 'created', 'meta', 'lastUpdated'].map((k) =>
  Buffer.from(k, 'latin1'),
);
const ENTRY = 0;
const RESOURCE = 1;
const CREATED = 2;
const META = 3;
const LAST_UPDATED = 4;

/**
 * Which of KEY_BYTES the key bytes[start, end) is (its quotes left out), or -1. Keys this scanner looks
 * for never need escapes; an escaped key is just not one of them.
 */
function keyAt(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  for (let k = 0; k < KEY_BYTES.length; k++) {
    const key = KEY_BYTES[k]!;
    if (key.length !== length) continue;
    let i = 0;
    while (i < length && bytes[start + i] === key[i]) i++;
    if (i === length) return k;
  }
  return -1;
}

function bundleMember(scan: LayoutScan, key: number, at: number): number {
  if (key !== ENTRY) return skipValue(scan.bytes, at);
  // JSON.parse keeps the last of duplicate keys; rather than mimic that, give up.
  if (scan.list) throw new GiveUp();
  const end = eachItem(scan.bytes, at, entryItem, scan);
  scan.list = { start: at, end };
  return end;
}

function entryItem(scan: LayoutScan, itemAt: number): number {
  scan.found = undefined;
  const itemEnd = eachKey(scan.bytes, itemAt, entryMember, scan);
  scan.entries.push({ start: itemAt, end: itemEnd, resource: scan.found });
  return itemEnd;
}

function entryMember(scan: LayoutScan, key: number, at: number): number {
  if (key !== RESOURCE) return skipValue(scan.bytes, at);
  const scanned = scanResource(scan.bytes, at);
  scan.found = scanned;
  return scanned.end;
}

/** The spans of a resource's volatile values, with the stand-in each is hashed as. */
interface ResourceScan {
  bytes: Uint8Array;
  volatile: [number, number, string][];
}

function resourceMember(scan: ResourceScan, key: number, at: number): number {
  const valueEnd = skipValue(scan.bytes, at);
  if (key === CREATED) scan.volatile.push([at, valueEnd, CREATED_JSON]);
  else if (key === META && scan.bytes[at] === OPEN_BRACE) eachKey(scan.bytes, at, metaMember, scan);
  return valueEnd;
}

function metaMember(scan: ResourceScan, key: number, at: number): number {
  const valueEnd = skipValue(scan.bytes, at);
  if (key === LAST_UPDATED) scan.volatile.push([at, valueEnd, LAST_UPDATED_JSON]);
  return valueEnd;
}

function byStart(a: [number, number, string], b: [number, number, string]): number {
  return a[0] - b[0];
}

/**
 * A resource object: its span, and its hash with `created` and `meta.lastUpdated` stood in for.
 * The hash is over the bytes, which are the UTF-8 of the text (utf8Bytes): the same digest as
 * over the text.
 */
function scanResource(bytes: Uint8Array, start: number): ResourceSpan {
  const scan: ResourceScan = { bytes, volatile: [] };
  const end = eachKey(bytes, start, resourceMember, scan);
  const hash = createHash('sha256');
  let from = start;
  for (const [a, b, standIn] of scan.volatile.sort(byStart)) {
    hash.update(bytes.subarray(from, a));
    hash.update(standIn);
    from = b;
  }
  hash.update(bytes.subarray(from, end));
  return { start, end, contentHash: hash.digest('base64url') };
}

/**
 * Calls `onValue(state, key, valueStart)` for each member of the object at `i` (`key`: an index
 * into KEY_BYTES, or -1); returns the index after the object.
 */
function eachKey<S>(
  bytes: Uint8Array,
  i: number,
  onValue: (state: S, key: number, valueStart: number) => number,
  state: S,
): number {
  if (bytes[i] !== OPEN_BRACE) throw new GiveUp();
  i = skipSpace(bytes, i + 1);
  if (bytes[i] === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (bytes[i] !== QUOTE) throw new GiveUp();
    const keyEnd = skipString(bytes, i);
    const key = keyAt(bytes, i + 1, keyEnd - 1);
    i = skipSpace(bytes, keyEnd);
    if (bytes[i] !== COLON) throw new GiveUp();
    i = skipSpace(bytes, onValue(state, key, skipSpace(bytes, i + 1)));
    const c = bytes[i];
    if (c === CLOSE_BRACE) return i + 1;
    if (c !== COMMA) throw new GiveUp();
    i = skipSpace(bytes, i + 1);
  }
}

/** Calls `onItem(state, itemStart)` for each item of the array at `i`; returns the index after it. */
function eachItem<S>(
  bytes: Uint8Array,
  i: number,
  onItem: (state: S, itemStart: number) => number,
  state: S,
): number {
  if (bytes[i] !== OPEN_BRACKET) throw new GiveUp();
  i = skipSpace(bytes, i + 1);
  if (bytes[i] === CLOSE_BRACKET) return i + 1;
  for (;;) {
    i = skipSpace(bytes, onItem(state, i));
    const c = bytes[i];
    if (c === CLOSE_BRACKET) return i + 1;
    if (c !== COMMA) throw new GiveUp();
    i = skipSpace(bytes, i + 1);
  }
}

/** The index after the JSON value starting at `i`. */
function skipValue(bytes: Uint8Array, i: number): number {
  const n = bytes.length;
  const c = bytes[i];
  if (c === QUOTE) return skipString(bytes, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    while (i < n) {
      const d = bytes[i]!;
      if (d === QUOTE) {
        i = skipString(bytes, i);
        continue;
      }
      if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new GiveUp();
  }
  // A number, true, false or null: up to the next delimiter.
  let j = i;
  while (j < n) {
    const d = bytes[j]!;
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || d <= 0x20) break;
    j++;
  }
  if (j === i) throw new GiveUp();
  return j;
}

/**
 * The index after the string whose opening quote is at `i`. Most of a page's bytes are inside
 * strings, so they are read four at a time while none of the four is a quote or a backslash
 * (bench:page −4 to −6%, docs/performance.md session 10), then one at a time past the special one.
 */
function skipString(bytes: Uint8Array, i: number): number {
  const n = bytes.length;
  const view = scanView!;
  let j = i + 1;
  for (;;) {
    while (j + 4 <= n && !quoteOrBackslash(view.getUint32(j, true))) j += 4;
    if (j >= n) throw new GiveUp();
    const c = bytes[j];
    if (c === QUOTE) return j + 1;
    // An escape: the byte after the backslash (a quote, another backslash, ...) is not special.
    j += c === BACKSLASH ? 2 : 1;
  }
}

/**
 * Whether any of the four bytes in `w` is a quote or a backslash: a byte of `w ^ pattern` is zero
 * exactly where `w` has the pattern's byte, and `(x - 0x01010101) & ~x & 0x80808080` is non-zero
 * exactly when some byte of `x` is zero.
 */
function quoteOrBackslash(w: number): boolean {
  const q = w ^ 0x22222222;
  const b = w ^ 0x5c5c5c5c;
  return ((((q - 0x01010101) & ~q) | ((b - 0x01010101) & ~b)) & 0x80808080) !== 0;
}

function skipSpace(bytes: Uint8Array, i: number): number {
  for (;;) {
    const c = bytes[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}
