/**
 * How each analytics table and the raw store are written: the columns of every table (from the
 * schema), the upsert of the tables keyed by id, the COPY text of the others, and `encodePage`,
 * which encodes a whole page's COPY rows into one buffer on a page-reading thread
 * (src/workers/page-thread.ts), so the page crosses back to the main thread without a copy.
 */
import { getTableConfig } from 'drizzle-orm/pg-core';

import { ANALYTICS_TABLES, type AnalyticsRows, type AnalyticsTable } from '../model/analytics-rows.ts';
import type { EncodedRows, NormalizedResource } from '../model/resources.ts';
import { ANALYTICS_TABLE_DEFINITIONS } from './analytics-tables.ts';
import { encodeRows } from './copy.ts';

/**
 * Patient and Coverage rows are upserted on their primary key; a Coverage's months (deleted first)
 * and the claim tables are COPYed.
 */
const UPSERT_KEYS: Partial<Record<AnalyticsTable, string>> = {
  patients: 'patient_id',
  coverages: 'coverage_id',
};

export interface TableWriter {
  columns: string[];
  /** For upserted tables: `INSERT ... SELECT FROM json_to_recordset(<rows>) ... ON CONFLICT DO UPDATE`. */
  upsert: ((rowsParam: string) => string) | undefined;
}

/**
 * Built once per table from the schema. `loaded_at` is left to its default, now(); generated
 * columns (claims.is_final, is_denied) are computed by Postgres and never written.
 */
export const WRITERS = new Map<string, TableWriter>(
  ANALYTICS_TABLES.map((name) => {
    const config = getTableConfig(ANALYTICS_TABLE_DEFINITIONS[name]);
    const columns = config.columns.filter((c) => c.name !== 'loaded_at' && c.generated === undefined);
    const names = columns.map((c) => c.name);
    const key = UPSERT_KEYS[name];
    const typed = columns.map((c) => `${c.name} ${c.getSQLType()}`).join(', ');
    const updates = names
      .filter((n) => n !== key)
      .map((n) => `${n} = excluded.${n}`)
      .join(', ');
    const upsert = key
      ? (rowsParam: string) =>
          `INSERT INTO ${name} (${names.join(', ')})
           SELECT ${names.join(', ')} FROM json_to_recordset(${rowsParam}::json) AS r(${typed})
           ON CONFLICT (${key}) DO UPDATE SET ${updates}, loaded_at = now()`
      : undefined;
    return [name, { columns: names, upsert }];
  }),
);

/** The tables written with COPY (all but the upserted ones), in ANALYTICS_TABLES order. */
export const COPY_TABLES = ANALYTICS_TABLES.filter((t) => !WRITERS.get(t)!.upsert);

/** The columns of a raw resource's `fhir_resources` row, in COPY order. */
export const RAW_COLUMNS = [
  'resource_type',
  'resource_id',
  'patient_id',
  'last_updated',
  'content_hash',
  'resource',
  'normalizer_version',
  'first_seen_at',
];

/*
 * The raw resources are COPYed in Postgres's binary format (`FORMAT binary`, copy.ts): a
 * resource's JSON, most of what a sync writes, goes into the stream as it is, and Postgres reads
 * it without the text format's escapes (docs/performance.md, "The raw store in COPY's binary
 * format").
 */

/** Milliseconds from the Unix epoch to Postgres's (2000-01-01), the zero of a binary timestamptz. */
const PG_EPOCH_MS = 946_684_800_000;

/** A binary timestamptz: microseconds since 2000-01-01 UTC, from milliseconds since 1970. */
export function pgMicros(unixMs: number): bigint {
  return BigInt(unixMs - PG_EPOCH_MS) * 1000n;
}

/**
 * The raw row up to and including its `resource` column, in COPY's binary format: the row's
 * field count and its first six fields, the part that comes from the resource alone (the rest
 * depends on what is stored: `rawTail`).
 */
export function rawHead(r: NormalizedResource): Uint8Array {
  const encoder = new PageEncoder(jsonSize(r) + 256);
  encoder.addRawHead(r);
  return new Uint8Array(encoder.finish().buffer);
}

/** About the bytes a resource's JSON takes (its length when it is text). */
function jsonSize(r: NormalizedResource): number {
  return typeof r.json === 'string' ? r.json.length : r.json.byteLength;
}

/** The bytes of a raw row's tail (rawTails). */
const RAW_TAIL_BYTES = 18;

/**
 * The raw rows' last two fields (normalizer_version, first_seen_at) in COPY's binary format, each
 * row's first seen time given: one buffer for a whole batch, a view of it for each row.
 */
export function rawTails(normalizerVersion: number, firstSeen: readonly bigint[]): Uint8Array[] {
  const all = Buffer.allocUnsafeSlow(RAW_TAIL_BYTES * firstSeen.length);
  const tails: Uint8Array[] = [];
  for (let i = 0; i < firstSeen.length; i++) {
    const at = i * RAW_TAIL_BYTES;
    all.writeInt32BE(2, at);
    all.writeInt16BE(normalizerVersion, at + 4);
    all.writeInt32BE(8, at + 6);
    all.writeBigInt64BE(firstSeen[i]!, at + 10);
    tails.push(all.subarray(at, at + RAW_TAIL_BYTES));
  }
  return tails;
}

/**
 * Memory a thread lends to every page it encodes, instead of each page allocating its own buffer:
 * a buffer per page lived through the page's reading, so V8 promoted it and freed its memory only
 * at its next full collection, and tens of MB of them piled up between two (docs/performance.md,
 * "The page's bytes to the page thread"). One of two kinds:
 * - `buffer`: each page is encoded into this buffer (grown as needed), then copied out at its size;
 * - `returned`: buffers of pages already written, given back by the thread that wrote them
 *   (src/workers/page-threads.ts `release`). A page is encoded into one of them, or a new one,
 *   and handed over whole: no copy, and the thread that receives it gets no new memory to collect
 *   (docs/performance.md, "Encoding buffers go back to the page thread").
 */
export type EncoderWorkspace =
  { buffer: Buffer<ArrayBuffer>; returned?: undefined } | { returned: ArrayBuffer[] };

/** A new buffer for pages handed over whole: most pages' rows fit in one this size. */
const HANDED_OVER_MIN_BYTES = 1024 * 1024;

/** What `PageEncoder.add` keeps of a resource until the page is written out. */
interface Planned {
  /** The resource with its COPYed tables' rows and its JSON emptied (keptResource). */
  rest: NormalizedResource;
  tables: [AnalyticsTable, number, number][];
  head: number;
  claim: EncodedRows['claim'];
}

/**
 * A page's COPY rows as bytes, for resources read on a worker thread, built one resource at a
 * time: `add` encodes a resource's rows into COPY text and that text into the page's buffer as
 * soon as the resource is normalized, so neither its row objects nor its text outlive it (they
 * die young instead of being copied by the garbage collector until the whole page is read);
 * `finish` hands over the buffer, and each resource keeps views of its parts (`encoded`).
 */
export class PageEncoder {
  readonly #planned: Planned[] = [];
  /** [start, length] of each part in the buffer. */
  readonly #spans: [number, number][] = [];
  #buffer: Buffer<ArrayBuffer>;
  #at = 0;
  /** The workspace whose buffer this page borrows (and copies out of at the end), if any. */
  readonly #workspace: { buffer: Buffer<ArrayBuffer> } | undefined;
  /** Whether the buffer is handed over whole, however much of it the rows fill. */
  readonly #handOver: boolean = false;

  /**
   * `sizeHint`: the bytes the page's rows will take, about; the buffer grows when it is short
   * (the page's length is a good hint: most of the bytes are the raw resources). With a
   * `workspace`, the page is encoded into its buffer (grown as needed) and copied out at the end,
   * or, when the workspace has a `returned` list, into a buffer of its own handed over whole.
   */
  constructor(sizeHint = 64 * 1024, workspace?: EncoderWorkspace) {
    const size = Math.max(1024, Math.ceil(sizeHint));
    if (workspace?.returned) {
      this.#workspace = undefined;
      this.#handOver = true;
      const own =
        takeReturned(workspace.returned, size) ?? new ArrayBuffer(Math.max(size, HANDED_OVER_MIN_BYTES));
      this.#buffer = Buffer.from(own);
      return;
    }
    this.#workspace = workspace;
    if (workspace && workspace.buffer.length >= size) this.#buffer = workspace.buffer;
    else this.#buffer = this.#lend(Buffer.allocUnsafeSlow(size));
  }

  add(r: NormalizedResource): void {
    const first = r.rows.claims[0];
    const claim = first ? { claimType: first.claim_type, linkKey: first.claim_link_key ?? null } : undefined;
    const tables: [AnalyticsTable, number, number][] = [];
    for (const table of COPY_TABLES) {
      const rows = r.rows[table] as unknown as Record<string, unknown>[];
      if (rows.length === 0) continue;
      tables.push([table, this.#part(encodeRows(WRITERS.get(table)!.columns, rows)), rows.length]);
    }
    const head = this.addRawHead(r);
    this.#planned.push({ rest: keptResource(r), tables, head, claim });
  }

  finish(): { resources: NormalizedResource[]; buffer: ArrayBuffer } {
    // The buffer crosses threads whole, so it holds the rows and nothing else (and a workspace's
    // stays here for the next page), unless it is one handed over whole to be given back.
    let all = this.#buffer;
    if (!this.#handOver && (this.#at !== all.length || this.#workspace)) {
      const exact = Buffer.allocUnsafeSlow(this.#at);
      all.copy(exact, 0, 0, this.#at);
      all = exact;
    }
    // Loops, not callbacks: a closure made per page is compiled again after each full garbage
    // collection (docs/performance.md, "Closures compiled again").
    const views: Uint8Array[] = [];
    for (const [start, length] of this.#spans) views.push(new Uint8Array(all.buffer, start, length));
    const resources: NormalizedResource[] = [];
    for (const { rest, tables, head, claim } of this.#planned) {
      const enc: EncodedRows = { copy: {}, counts: {}, rawHead: views[head]!, ...(claim ? { claim } : {}) };
      for (const [table, part, count] of tables) {
        enc.copy[table] = views[part]!;
        enc.counts[table] = count;
      }
      rest.encoded = enc;
      resources.push(rest);
    }
    return { resources, buffer: all.buffer };
  }

  /** Writes the resource's raw row head (see rawHead) as one part, returning its index. */
  addRawHead(r: NormalizedResource): number {
    const start = this.#at;
    this.#room(2);
    this.#buffer.writeInt16BE(RAW_COLUMNS.length, this.#at);
    this.#at += 2;
    this.#textField(r.resourceType);
    this.#textField(r.resourceId);
    this.#textField(r.patientId);
    if (r.lastUpdated === null) this.#int32(-1);
    else {
      this.#int32(8);
      this.#room(8);
      this.#buffer.writeBigInt64BE(pgMicros(Date.parse(r.lastUpdated)), this.#at);
      this.#at += 8;
    }
    this.#textField(r.contentHash);
    if (typeof r.json === 'string') this.#textField(r.json);
    else this.#bytesField(r.json);
    return this.#spans.push([start, this.#at - start]) - 1;
  }

  /** A binary field holding text: its length in bytes, then its UTF-8. */
  #textField(text: string): void {
    this.#room(4);
    const lengthAt = this.#at;
    this.#at += 4;
    this.#write(text);
    this.#buffer.writeInt32BE(this.#at - lengthAt - 4, lengthAt);
  }

  /** A binary field holding bytes as they are (text already UTF-8): its length, then the bytes. */
  #bytesField(bytes: Uint8Array): void {
    this.#int32(bytes.byteLength);
    this.#room(bytes.byteLength);
    this.#buffer.set(bytes, this.#at);
    this.#at += bytes.byteLength;
  }

  #int32(value: number): void {
    this.#room(4);
    this.#buffer.writeInt32BE(value, this.#at);
    this.#at += 4;
  }

  /** At least `bytes` more room in the buffer. */
  #room(bytes: number): void {
    if (this.#at + bytes <= this.#buffer.length) return;
    this.#grow(bytes);
  }

  #grow(bytes: number): void {
    const grown = Buffer.allocUnsafeSlow(Math.max(this.#buffer.length * 2, this.#at + bytes));
    this.#buffer.copy(grown, 0, 0, this.#at);
    this.#buffer = this.#lend(grown);
  }

  /** Writes one part (a text, or texts one after another), returning its index. */
  #part(texts: string | readonly string[]): number {
    const start = this.#at;
    if (typeof texts === 'string') this.#write(texts);
    else for (const text of texts) this.#write(text);
    return this.#spans.push([start, this.#at - start]) - 1;
  }

  /** The encoder's buffer, kept by its workspace (if any) for the next page. */
  #lend(buffer: Buffer<ArrayBuffer>): Buffer<ArrayBuffer> {
    if (this.#workspace) this.#workspace.buffer = buffer;
    return buffer;
  }

  #write(text: string): void {
    let { read, written } = UTF8.encodeInto(text, this.#buffer.subarray(this.#at));
    this.#at += written;
    if (read < text.length) {
      // Room for the rest at three bytes per UTF-16 unit, the most UTF-8 needs.
      this.#grow(3 * (text.length - read));
      ({ read, written } = UTF8.encodeInto(
        read === 0 ? text : text.slice(read),
        this.#buffer.subarray(this.#at),
      ));
      this.#at += written;
    }
  }
}

const UTF8 = new TextEncoder();

/** A returned buffer of at least `bytes` (taken off the list), or undefined when none is. */
function takeReturned(returned: ArrayBuffer[], bytes: number): ArrayBuffer | undefined {
  for (let i = returned.length - 1; i >= 0; i--) {
    const buffer = returned[i]!;
    if (buffer.byteLength >= bytes) {
      returned.splice(i, 1);
      return buffer;
    }
  }
  return undefined;
}

const IS_COPY_TABLE = new Set<AnalyticsTable>(COPY_TABLES);

/**
 * What the encoder keeps of a resource: its COPYed tables' rows and its JSON are bytes in the
 * buffer now, so they are left out. A new object built key by key in one order, not a spread of
 * the resource with properties then replaced: V8 migrated every such copy to a new shape (about
 * 6% of the page thread under `perf`, docs/performance.md, session 10).
 */
function keptResource(r: NormalizedResource): NormalizedResource {
  const rows = {} as Record<AnalyticsTable, unknown[]>;
  for (const table of ANALYTICS_TABLES) rows[table] = IS_COPY_TABLE.has(table) ? [] : r.rows[table];
  const kept: NormalizedResource = {
    resourceType: r.resourceType,
    resourceId: r.resourceId,
    patientId: r.patientId,
    lastUpdated: r.lastUpdated,
    contentHash: r.contentHash,
    json: '',
    rows: rows as unknown as AnalyticsRows,
    warnings: r.warnings,
    apiVersion: r.apiVersion,
  };
  if (r.claimVersion !== undefined) kept.claimVersion = r.claimVersion;
  return kept;
}

/** A page's COPY rows as bytes (see PageEncoder), for resources already read. */
export function encodePage(resources: readonly NormalizedResource[]): {
  resources: NormalizedResource[];
  buffer: ArrayBuffer;
} {
  let rawSize = 0;
  for (const r of resources) rawSize += jsonSize(r);
  const encoder = new PageEncoder(rawSize * 1.25);
  for (const r of resources) encoder.add(r);
  return encoder.finish();
}
