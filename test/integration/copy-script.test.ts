/**
 * runScript and Statement.inline: several statements and COPYs in one round trip, on a real
 * Postgres, and what happens when one of them fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { encodeRows, runScript } from '../../src/db/copy.ts';
import { literal, Statement } from '../../src/db/statement.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase('copy_script');
  await tdb.pool.query(`CREATE TABLE t_a (id int PRIMARY KEY, note text, tags text[]);
                        CREATE TABLE t_b (id int PRIMARY KEY, doc jsonb)`);
});

afterAll(async () => {
  await tdb?.drop();
});

const rowsA = [
  {
    id: 1,
    note: "tab\tnew\nline back\\slash 'quote'",
    tags: ['x', 'y "z"', '', 'NULL', 'a,b', '{c}', 'd\\e', ' lead', 'tab\there', null, 'é∑'],
  },
  { id: 2, note: null, tags: null },
];
const rowsB = [{ id: 1, doc: JSON.stringify({ a: 'é∑', b: [1, 2.5], c: 'line\nbreak \\ "q"' }) }];

describe('runScript', () => {
  it('runs statements and COPYs in order, in one transaction, and returns what each step did', async () => {
    const client = await tdb.pool.connect();
    try {
      await client.query('BEGIN');
      const counts = await runScript(client, [
        { sql: 'DELETE FROM t_a' },
        { copy: 't_a', columns: ['id', 'note', 'tags'], text: encodeRows(['id', 'note', 'tags'], rowsA) },
        { sql: "UPDATE t_a SET note = note || '!' WHERE id = 1" },
        { copy: 't_b', columns: ['id', 'doc'], text: encodeRows(['id', 'doc'], rowsB) },
        { sql: 'COMMIT' },
      ]);
      expect(counts.map((r) => [r.command, r.rowCount])).toEqual([
        ['DELETE', 0],
        ['COPY', 2],
        ['UPDATE', 1],
        ['COPY', 1],
        ['COMMIT', null],
      ]);
    } finally {
      client.release();
    }
    const { rows: a } = await tdb.pool.query('SELECT id, note, tags FROM t_a ORDER BY id');
    expect(a).toEqual([
      { ...rowsA[0], note: `${rowsA[0]!.note}!` },
      { id: 2, note: null, tags: null },
    ]);
    const { rows: b } = await tdb.pool.query('SELECT doc FROM t_b');
    expect(b[0].doc).toEqual(JSON.parse(rowsB[0]!.doc));
  });

  it('stops at a failing COPY, rejects with its error, and leaves the connection usable for ROLLBACK and more', async () => {
    const client = await tdb.pool.connect();
    try {
      await client.query('BEGIN');
      const failed = runScript(client, [
        {
          copy: 't_a',
          columns: ['id', 'note', 'tags'],
          text: encodeRows(['id', 'note', 'tags'], [{ id: 10 }]),
        },
        // A duplicate key: this COPY fails; its data and the later COPY's are ignored by the server.
        {
          copy: 't_a',
          columns: ['id', 'note', 'tags'],
          text: encodeRows(['id', 'note', 'tags'], [{ id: 10 }]),
        },
        { copy: 't_b', columns: ['id', 'doc'], text: encodeRows(['id', 'doc'], [{ id: 10, doc: '{}' }]) },
        { sql: 'COMMIT' },
      ]);
      await expect(failed).rejects.toThrow(/duplicate key/);
      await client.query('ROLLBACK');
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM t_a WHERE id = 10');
      expect(rows[0]!.n).toBe(0);
      // The connection still works for plain and for scripted queries.
      expect(await runScript(client, [{ sql: "SELECT 1 AS one, NULL AS none, 'x' AS x" }])).toEqual([
        { command: 'SELECT', rowCount: 1, rows: [['1', null, 'x']] },
      ]);
    } finally {
      client.release();
    }
    const { rows } = await tdb.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM t_b WHERE id = 10');
    expect(rows[0]!.n).toBe(0);
  });

  it('rejects a malformed COPY row with the line Postgres names', async () => {
    const client = await tdb.pool.connect();
    try {
      await client.query('BEGIN');
      await expect(
        runScript(client, [
          { copy: 't_a', columns: ['id', 'note', 'tags'], text: 'not-a-number\t\\N\t\\N\n' },
        ]),
      ).rejects.toThrow(/invalid input syntax for type integer/);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });
});

describe('Statement.inline', () => {
  it('writes parameters as literals that Postgres reads back exactly as bind parameters', async () => {
    const values = [
      "it's",
      'back\\slash',
      'é∑ 😀',
      '',
      42,
      2.5,
      true,
      null,
      ['a', 'b "c"', 'd\\e', null],
      [],
    ];
    const w = new Statement();
    // Arrays through text[] first, so both sides compare Postgres's reading, not the literal's text.
    const select = values
      .map((v) => (Array.isArray(v) ? `${w.param(v)}::text[]::text` : `${w.param(v)}::text`))
      .join(', ');
    const bound = await tdb.pool.query({ text: w.text(select), values: w.values, rowMode: 'array' });
    const inlined = await tdb.pool.query({ text: w.inline(select), rowMode: 'array' });
    expect(inlined.rows).toEqual(bound.rows);
    expect(inlined.rows[0]).toContain("it's");
  });

  it('refuses values it cannot write safely', () => {
    expect(() => literal('nul\0')).toThrow(/NUL/);
    expect(() => literal(Number.NaN)).toThrow();
    expect(() => literal({ a: 1 })).toThrow(/object/);
  });
});
