/** withTransaction on a real Postgres: what commits, what rolls back, and a ROLLBACK that fails. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { withTransaction } from '../../src/db/transaction.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase('transaction');
});

afterAll(async () => {
  await tdb?.drop();
});

async function freshTable(name: string): Promise<void> {
  await tdb.pool.query(`CREATE TABLE ${name} (id int PRIMARY KEY)`);
}

async function ids(table: string): Promise<number[]> {
  const { rows } = await tdb.pool.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`);
  return rows.map((r) => r.id);
}

describe('withTransaction', () => {
  it('commits the work and returns its result', async () => {
    await freshTable('tx_commit');
    const result = await withTransaction(tdb.pool, async (client) => {
      await client.query('INSERT INTO tx_commit VALUES (1), (2)');
      return 'done';
    });
    expect(result).toBe('done');
    expect(await ids('tx_commit')).toEqual([1, 2]);
  });

  it('rolls back everything when the work throws, and rethrows the work’s own error', async () => {
    await freshTable('tx_rollback');
    const failure = new Error('the work failed');
    await expect(
      withTransaction(tdb.pool, async (client) => {
        await client.query('INSERT INTO tx_rollback VALUES (1)');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await ids('tx_rollback')).toEqual([]);
  });

  it('opens the transaction with the statement it is given', async () => {
    const isolation = await withTransaction(
      tdb.pool,
      async (client) =>
        (await client.query<{ i: string }>(`SELECT current_setting('transaction_isolation') AS i`)).rows[0]!
          .i,
      { begin: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' },
    );
    expect(isolation).toBe('repeatable read');
  });

  it('with begin: null, leaves BEGIN and COMMIT to the work but still rolls back a failure', async () => {
    await freshTable('tx_caller');
    await withTransaction(
      tdb.pool,
      (client) => client.query('BEGIN; INSERT INTO tx_caller VALUES (1); COMMIT'),
      {
        begin: null,
      },
    );
    await expect(
      withTransaction(
        tdb.pool,
        async (client) => {
          await client.query('BEGIN; INSERT INTO tx_caller VALUES (2)');
          throw new Error('stop before COMMIT');
        },
        { begin: null },
      ),
    ).rejects.toThrow('stop before COMMIT');
    expect(await ids('tx_caller')).toEqual([1]);
  });

  it('reports a ROLLBACK that fails, rethrows the original error and discards the connection', async () => {
    const warnings: { obj: object; msg: string }[] = [];
    const log = { warn: (obj: object, msg: string) => warnings.push({ obj, msg }) };
    let killedPid: number | undefined;
    await expect(
      withTransaction(
        tdb.pool,
        async (client) => {
          killedPid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
          // Another session ends this one: the ROLLBACK that follows cannot reach the server.
          await tdb.pool.query('SELECT pg_terminate_backend($1)', [killedPid]);
          throw new Error('the work failed first');
        },
        { log },
      ),
    ).rejects.toThrow('the work failed first');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/ROLLBACK failed/);
    // The next client is a live one, not the dead connection handed back.
    const { rows } = await tdb.pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect(rows[0]!.pid).not.toBe(killedPid);
  });
});
