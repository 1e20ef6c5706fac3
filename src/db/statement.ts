/**
 * Building one statement out of several writes: each write is a data-modifying CTE, and all of
 * them run (and commit) together in a single round trip. Round trips are what a sync mostly pays
 * for on a small machine (CPU on both the client and the server, docs/performance.md#figures-behind-the-code),
 * so the write path sends as few statements as it can.
 */
import { arrayLiteral } from './copy.ts';

/** A parameter's place in a statement's text: `$1`, `$2`, ... */
const PARAMETER = /\$(\d+)/g;

export class Statement {
  readonly values: unknown[] = [];
  readonly #ctes: string[] = [];

  /** Registers a parameter and returns its placeholder (`$n`). */
  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** Adds a data-modifying statement (INSERT/UPDATE/DELETE, or a SELECT later ones read). */
  write(sql: string): this {
    this.#ctes.push(sql);
    return this;
  }

  /** How many writes were added (the last one is `w${count - 1}` in the text). */
  get count(): number {
    return this.#ctes.length;
  }

  get empty(): boolean {
    return this.#ctes.length === 0;
  }

  /**
   * The statement with its parameters written in as literals, for the simple query protocol,
   * which carries several statements (and COPY data, see copy.ts) in one round trip.
   */
  inline(select = '1'): string {
    return this.inlineSql(this.text(select));
  }

  /** Any text using this statement's parameters, with them written in as literals. */
  inlineSql(sql: string): string {
    // A loop rather than a replace callback: a closure made per statement is compiled again after
    // each full garbage collection (docs/performance.md, "Closures compiled again").
    let out = '';
    let from = 0;
    for (const m of sql.matchAll(PARAMETER)) {
      out += sql.slice(from, m.index) + literal(this.values[Number(m[1]) - 1]);
      from = m.index + m[0].length;
    }
    return out + sql.slice(from);
  }

  /** `WITH w0 AS (...), w1 AS (...) SELECT <select>`: every CTE runs even if not referenced. */
  text(select = '1'): string {
    if (this.#ctes.length === 0) return `SELECT ${select}`;
    let ctes = '';
    for (let i = 0; i < this.#ctes.length; i++) ctes += `${i === 0 ? '' : ',\n'}w${i} AS (${this.#ctes[i]})`;
    return `WITH ${ctes}\nSELECT ${select}`;
  }
}

/**
 * The select list that lets a single statement's transaction commit without waiting for the WAL
 * flush (`set_config(..., true)` is SET LOCAL, and the implicit transaction ends with the
 * statement). For the sync's own bookkeeping at its start and end, not for tokens: if Postgres
 * itself crashes, the last fraction of a second of them rolls back, like the pages written with
 * `asyncCommit`, and the janitor closes an attempt left `running` (janitor.ts). Each synchronous
 * commit cost a backend a WAL write and an fdatasync: 0.27 ms against 0.08 ms per one-row insert
 * on session 13's machine (pgbench).
 */
export const ASYNC_COMMIT = "set_config('synchronous_commit', 'off', true) AS async_commit";

/** Names given to statement texts so far (this process). */
const preparedNames = new Map<string, string>();
/** Beyond this many texts, statements go unnamed (a bug building texts must not grow the map). */
const MAX_PREPARED = 200;

/**
 * A query the server parses and plans once per connection instead of on every call: a named
 * statement (node-postgres prepares it on a connection the first time that connection sends it).
 * For the few statements every sync sends, where parsing and planning is about half of what
 * Postgres spends on them (docs/scale.md, "Simulation"). Only for fixed texts: one name per
 * distinct text. Needs session pooling in front of Postgres, which the sync lock needs anyway.
 */
export function prepared(
  text: string,
  values: unknown[],
): { name?: string; text: string; values: unknown[] } {
  let name = preparedNames.get(text);
  if (name === undefined && preparedNames.size < MAX_PREPARED) {
    name = `bbsync_${preparedNames.size + 1}`;
    preparedNames.set(text, name);
  }
  return name === undefined ? { text, values } : { name, text, values };
}

/**
 * A parameter value as a SQL literal. Every value is quoted, as an untyped literal, so the server
 * types it from context exactly as it types a bind parameter (node-postgres sends those as text).
 */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`cannot write ${value} as SQL`);
    return quote(String(value));
  }
  if (typeof value === 'boolean') return quote(value ? 'true' : 'false');
  if (value instanceof Date) return quote(value.toISOString());
  if (Array.isArray(value)) return quote(arrayLiteral(value));
  throw new Error(`cannot write a ${typeof value} as a SQL literal`);
}

/** A quoted string literal, correct whatever standard_conforming_strings is. */
function quote(text: string): string {
  if (text.includes('\0')) throw new Error('a SQL literal cannot hold a NUL character');
  const quoted = text.replaceAll("'", "''");
  return text.includes('\\') ? ` E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}
