/**
 * Postgres waits are bounded and its errors classified (issue 12, finding 6), against a real
 * server: the pipeline's pool (pipelinePoolOptions, from the DATABASE_*_TIMEOUT_MS settings) ends
 * a slow statement, an idle transaction and a wait for a connection; only transient SQLSTATEs are
 * retried, anything else fails naming its constraint or column.
 */
import { createServer, type Server, type Socket } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { pipelinePoolOptions } from '../../src/commands/database.ts';
import { loadConfig } from '../../src/config.ts';
import { createPool, type Pool } from '../../src/db/client.ts';
import { classifyError, isTransient } from '../../src/errors.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let tdb: TestDatabase;
const pools: Pool[] = [];
const quiet = { warn: () => {} };

beforeAll(async () => {
  tdb = await createTestDatabase('db_bounds');
  await tdb.pool.query('CREATE TABLE bounds_demo (id int PRIMARY KEY, label text NOT NULL)');
  await tdb.pool.query(`INSERT INTO bounds_demo VALUES (1, 'one'), (2, 'two')`);
});

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await tdb?.drop();
});

function pipelinePool(env: Record<string, string>, max = 2): Pool {
  const config = loadConfig({ DATABASE_URL: tdb.url, ...env });
  const pool = createPool(tdb.url, { ...pipelinePoolOptions(config, quiet), max });
  pools.push(pool);
  return pool;
}

async function rejection(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('classifying Postgres errors', () => {
  it('fails a unique violation for good, naming its constraint', async () => {
    const err = await rejection(tdb.pool.query(`INSERT INTO bounds_demo VALUES (1, 'again')`));
    const { category, message } = classifyError(err);
    expect(category).toBe('db_rejected');
    expect(message).toMatch(/23505.*constraint bounds_demo_pkey/);
    expect(isTransient(err)).toBe(false);
  });

  it('fails a NULL in a NOT NULL column for good, naming the column', async () => {
    const err = await rejection(tdb.pool.query('INSERT INTO bounds_demo VALUES (3, NULL)'));
    expect(classifyError(err)).toMatchObject({ category: 'db_rejected' });
    expect(classifyError(err).message).toMatch(/23502.*column label/);
    expect(isTransient(err)).toBe(false);
  });

  it('retries a deadlock', async () => {
    const a = await tdb.pool.connect();
    const b = await tdb.pool.connect();
    try {
      await a.query('BEGIN');
      await b.query('BEGIN');
      await a.query('UPDATE bounds_demo SET label = label WHERE id = 1');
      await b.query('UPDATE bounds_demo SET label = label WHERE id = 2');
      // Each now waits for the other; Postgres ends one of them after deadlock_timeout.
      const outcomes = await Promise.allSettled([
        a.query('UPDATE bounds_demo SET label = label WHERE id = 2'),
        b.query('UPDATE bounds_demo SET label = label WHERE id = 1'),
      ]);
      const failed = outcomes.filter((o) => o.status === 'rejected');
      expect(failed).toHaveLength(1);
      const err = (failed[0] as PromiseRejectedResult).reason as unknown;
      expect(classifyError(err)).toMatchObject({ category: 'db_error' });
      expect(classifyError(err).message).toMatch(/40P01/);
      expect(isTransient(err)).toBe(true);
    } finally {
      await a.query('ROLLBACK').catch(() => {});
      await b.query('ROLLBACK').catch(() => {});
      a.release();
      b.release();
    }
  });
});

describe('the pipeline pool', () => {
  it('cancels a statement longer than DATABASE_STATEMENT_TIMEOUT_MS, and does not retry it', async () => {
    const pool = pipelinePool({ DATABASE_STATEMENT_TIMEOUT_MS: '300' });
    expect((await pool.query('SHOW statement_timeout')).rows[0].statement_timeout).toBe('300ms');
    const err = await rejection(pool.query('SELECT pg_sleep(30)'));
    expect(classifyError(err)).toMatchObject({ category: 'db_rejected' });
    expect(classifyError(err).message).toMatch(/57014/);
    expect(isTransient(err)).toBe(false);
  });

  it('ends a transaction left idle longer than DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', async () => {
    const pool = pipelinePool({ DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '300' });
    const client = await pool.connect();
    try {
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await client.query('BEGIN');
      await client.query('UPDATE bounds_demo SET label = label WHERE id = 1');
      // Postgres ends the session (and with it the transaction and its row lock).
      for (let i = 0; i < 600; i++) {
        const alive = await tdb.pool.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
        if (alive.rowCount === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const err = await rejection(client.query('SELECT 1'));
      expect(isTransient(err)).toBe(true);
      // The row it had locked is free again.
      await tdb.pool.query(`SET lock_timeout = '5s'; UPDATE bounds_demo SET label = 'one' WHERE id = 1`);
    } finally {
      client.release(true);
    }
  });

  it('gives up waiting for a connection after DATABASE_CONNECT_TIMEOUT_MS, as a transient error', async () => {
    const pool = pipelinePool({ DATABASE_CONNECT_TIMEOUT_MS: '300' }, 1);
    const held = await pool.connect();
    try {
      const err = await rejection(pool.connect());
      expect(classifyError(err)).toMatchObject({ category: 'db_error' });
      expect(isTransient(err)).toBe(true);
    } finally {
      held.release();
    }
  });

  it('gives up on a server that accepts the connection and never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      const url = `postgres://postgres@127.0.0.1:${port}/nothing`;
      const config = loadConfig({ DATABASE_URL: url, DATABASE_CONNECT_TIMEOUT_MS: '300' });
      const pool = createPool(url, { ...pipelinePoolOptions(config, quiet), max: 1 });
      pools.push(pool);
      const err = await rejection(pool.query('SELECT 1'));
      expect(classifyError(err)).toMatchObject({ category: 'db_error' });
      expect(isTransient(err)).toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
