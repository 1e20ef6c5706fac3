/**
 * COPY ... FROM STDIN in Postgres's text format: the fastest way to put many rows into a table
 * (measured here several times faster than multi-row INSERT for rows carrying large jsonb). Only
 * for plain inserts: COPY cannot resolve conflicts, so callers delete what they replace first.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { from as copyFrom } from 'pg-copy-streams';

import type { PoolClient } from './client.ts';

const SPECIAL = /[\\\n\r\t]/;

/** A value in COPY text format: `\N` for NULL, special characters backslash-escaped. */
export function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (Array.isArray(value)) return escapeText(arrayLiteral(value));
  return escapeText(String(value));
}

function escapeText(text: string): string {
  if (!SPECIAL.test(text)) return text;
  return text.replace(/[\\\n\r\t]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t',
  );
}

/** A one-dimensional Postgres array literal: `{"a","b c",NULL}`. */
function arrayLiteral(values: readonly unknown[]): string {
  const items = values.map((v) =>
    v === null || v === undefined ? 'NULL' : `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`,
  );
  return `{${items.join(',')}}`;
}

/** Writes `rows` into `table` with one COPY; `columns` names both the table columns and the row keys. */
export async function copyRows(
  client: PoolClient,
  table: string,
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  if (rows.length === 0) return;
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(encodeRows(columns, rows)), stream);
}

/** Rows encoded in chunks of about 64 KB, so a large batch is streamed, not built as one string. */
function* encodeRows(
  columns: readonly string[],
  rows: readonly Record<string, unknown>[],
): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    let line = '';
    for (let i = 0; i < columns.length; i++) {
      if (i > 0) line += '\t';
      line += copyValue(row[columns[i]!]);
    }
    chunk += `${line}\n`;
    if (chunk.length > 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
