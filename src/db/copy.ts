/**
 * COPY ... FROM STDIN in Postgres's text format (or its binary format, which the raw store uses):
 * the fastest way to put many rows into a table (faster than multi-row INSERT, most of all for
 * rows carrying large JSON). Only for plain inserts: COPY cannot resolve conflicts, so callers
 * delete what they replace first.
 *
 * `runScript` sends a whole script, COPY data included, in one write and one round trip: each
 * socket write to Postgres costs the worker's main thread (and wakes the backend, which shares
 * the same cores), and a page written with one COPY stream per table made about thirty of them.
 * The figures: docs/performance.md#figures-behind-the-code.
 */
import type { Writable } from 'node:stream';

import type { PoolClient } from './client.ts';

const SPECIAL = /[\\\n\r\t]/;

/** A value in COPY text format: `\N` for NULL, special characters backslash-escaped. */
export function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'string') return escapeText(value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`cannot COPY ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return escapeText(arrayLiteral(value));
  // An object would be written as "[object Object]": a mapping bug, so it fails loudly instead.
  throw new Error(`cannot COPY a ${typeof value}: encode it first (JSON columns take JSON text)`);
}

/** Values at least this long are searched with indexOf (see hasSpecial). */
const LONG_VALUE = 256;

/**
 * Whether a value needs escaping. A long value (a raw resource's JSON) is searched with one
 * indexOf per character, each a plain memory scan, far faster over kilobytes than the regular
 * expression; a short one, where the four calls would cost more than they save, with one test.
 */
function hasSpecial(text: string): boolean {
  if (text.length < LONG_VALUE) return SPECIAL.test(text);
  return text.includes('\\') || text.includes('\n') || text.includes('\r') || text.includes('\t');
}

function escapeText(text: string): string {
  if (!hasSpecial(text)) return text;
  return text.replace(/[\\\n\r\t]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t',
  );
}

/**
 * A one-dimensional Postgres array literal: `{a,"b c",NULL}`. Only the elements array input would
 * misread are quoted (empty, the word NULL, or holding a brace, quote, comma, backslash or
 * whitespace): a line's adjudication lists are mostly codes, URLs and amounts, written bare.
 */
export function arrayLiteral(values: readonly unknown[]): string {
  let text = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) text += ',';
    const v = values[i];
    if (v === null || v === undefined) {
      text += 'NULL';
      continue;
    }
    const item = String(v);
    text += needsQuotes(item) ? `"${item.replace(/[\\"]/g, '\\$&')}"` : item;
  }
  return text + '}';
}

const ARRAY_SPECIAL = /[{}",\\\s]/;

function needsQuotes(item: string): boolean {
  return item === '' || ARRAY_SPECIAL.test(item) || (item.length === 4 && item.toUpperCase() === 'NULL');
}

/** Rows in COPY text format, one line each. */
export function encodeRows(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  let text = '';
  for (const row of rows) {
    for (let i = 0; i < columns.length; i++) {
      if (i > 0) text += '\t';
      text += copyValue(row[columns[i]!]);
    }
    text += '\n';
  }
  return text;
}

/** One step of a script: a SQL statement, or a COPY FROM STDIN with its rows in COPY text. */
export type ScriptStep =
  | { sql: string }
  | {
      copy: string;
      columns: readonly string[];
      /** The rows in COPY text: one string, or parts (strings and bytes) sent one after another. */
      text?: string;
      data?: readonly (string | Uint8Array)[];
      /**
       * The rows (`data`) are in COPY's binary format instead, without the stream's header and
       * trailer, which the script adds.
       */
      binary?: boolean;
    };

/** A binary COPY stream's header (signature, flags, no extension) and trailer (field count -1). */
const BINARY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const BINARY_TRAILER = Buffer.from([0xff, 0xff]);

/** What one step of a script did: its command tag's verb and count, and any rows, as text. */
export interface StepResult {
  command: string;
  rowCount: number | null;
  rows: (string | null)[][];
}

/**
 * Runs statements and COPYs as one simple query (they run in order and stop at the first error),
 * with every COPY's data sent right behind the query text: the server reads each COPY's data when
 * it reaches that COPY. After an error it ignores the data still coming, as the protocol says.
 * Resolves to what each step did, in order.
 */
export function runScript(client: PoolClient, steps: readonly ScriptStep[]): Promise<StepResult[]> {
  const script = new Script(steps);
  (client as unknown as { query(submittable: Script): Script }).query(script);
  return script.done;
}

const MAX_COPY_MESSAGE = 64 * 1024 * 1024;

/** A node-postgres "submittable" (the interface pg-copy-streams and pg-cursor use too). */
class Script {
  readonly done: Promise<StepResult[]>;
  #resolve!: (results: StepResult[]) => void;
  #reject!: (err: Error) => void;
  #failed = false;
  readonly #results: StepResult[] = [];
  #rows: (string | null)[][] = [];
  readonly #steps: readonly ScriptStep[];

  constructor(steps: readonly ScriptStep[]) {
    this.#steps = steps;
    this.done = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  submit(connection: { stream: Writable }): void {
    const texts: string[] = [];
    for (const s of this.#steps) {
      if ('sql' in s) texts.push(s.sql);
      else {
        const format = s.binary ? ' (FORMAT binary)' : '';
        texts.push(`COPY ${s.copy} (${s.columns.join(', ')}) FROM STDIN${format}`);
      }
    }
    const sql = texts.join(';\n');
    const query = Buffer.from(`${sql}\0`);
    const parts: Uint8Array[] = [header(0x51, query.length), query];
    for (const step of this.#steps) {
      if (!('copy' in step)) continue;
      const data = step.text === undefined ? (step.data ?? []) : [step.text];
      copyDataMessages(step.binary ? [BINARY_HEADER, ...data, BINARY_TRAILER] : data, parts);
      parts.push(header(0x63, 0));
    }
    // Corked, the parts leave in one writev, without first being copied into one buffer.
    const stream = connection.stream;
    stream.cork();
    for (const part of parts) stream.write(part);
    stream.uncork();
  }

  handleCommandComplete(msg: { text?: string }): void {
    // A tag such as "COPY 12", "INSERT 0 3", "SELECT 1" or "COMMIT": the count is its last number.
    const words = (msg.text ?? '').split(' ');
    const last = Number(words.at(-1));
    this.#results.push({
      command: words[0] ?? '',
      rowCount: words.length > 1 && Number.isInteger(last) ? last : null,
      rows: this.#rows,
    });
    this.#rows = [];
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    this.#rows.push(msg.fields);
  }

  handleError(err: Error): void {
    this.#failed = true;
    this.callback(); // clears node-postgres's query_timeout timer, when one is set
    this.#reject(err);
  }

  handleReadyForQuery(): void {
    this.callback();
    if (!this.#failed) this.#resolve(this.#results);
  }

  // The data went with the query; the other replies need no handling.
  handleCopyInResponse(): void {}
  handleRowDescription(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}
  handlePortalSuspended(): void {}
  /** Replaced by node-postgres when query_timeout is set; calling it clears that timer. */
  callback(): void {}
}

/**
 * COPY data as CopyData messages of at most MAX_COPY_MESSAGE bytes, appended to `parts`: a message
 * may span several parts (its header counts their total), so bytes are sent without being copied.
 */
function copyDataMessages(data: readonly (string | Uint8Array)[], parts: Uint8Array[]): void {
  let message: Uint8Array[] = [];
  let size = 0;
  const flush = () => {
    if (size === 0) return;
    parts.push(header(0x64, size), ...message);
    message = [];
    size = 0;
  };
  for (const item of data) {
    const bytes = typeof item === 'string' ? Buffer.from(item) : item;
    for (let at = 0; at < bytes.length; at += MAX_COPY_MESSAGE) {
      const chunk = bytes.subarray(at, at + MAX_COPY_MESSAGE);
      if (size + chunk.length > MAX_COPY_MESSAGE) flush();
      message.push(chunk);
      size += chunk.length;
    }
  }
  flush();
}

/** A protocol message's header: its type byte and its length (which counts itself, not the type). */
function header(type: number, bodyLength: number): Buffer {
  const head = Buffer.allocUnsafe(5);
  head[0] = type;
  head.writeUInt32BE(bodyLength + 4, 1);
  return head;
}
