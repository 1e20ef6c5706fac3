/** Per-file databases cloned from the migrated template (see global-setup.ts). */
import { randomBytes } from 'node:crypto';

import pg from 'pg';
import { afterAll, beforeEach, inject } from 'vitest';

import { createPool, withDatabase, type Pool } from '../../src/db/client.ts';
import { dropDatabase as dropDatabaseAt, quoteIdent } from '../../src/db/migrate.ts';

export interface TestDatabase {
  url: string;
  name: string;
  pool: Pool;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated, empty database of this test file's own. */
export async function createTestDatabase(label = 'db'): Promise<TestDatabase> {
  const server = inject('databaseServerUrl');
  const template = inject('templateDatabase');
  const name = `bbsync_test_${inject('testRunId')}_${label.replace(/[^a-z0-9_]/gi, '').slice(0, 20)}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    // Cloning fails while another session is connected to the template; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== '55006' || attempt > 50) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await admin.end();
  }
  const url = withDatabase(server, name);
  const pool = createPool(url, { max: 5, applicationName: 'bbsync-test' });
  return {
    url,
    name,
    pool,
    drop: async () => {
      await pool.end();
      await dropDatabase(name);
    },
  };
}

/**
 * A fresh, migrated, empty database for every test of the calling file: the previous test's is
 * dropped before each test, the last one after the file. `pool` is the current test's; `renew()`
 * gives a test a fresh one midway.
 */
export function databasePerTest(label: string): { readonly pool: Pool; renew(): Promise<void> } {
  let current: TestDatabase | undefined;
  const renew = async () => {
    await current?.drop();
    current = await createTestDatabase(label);
  };
  beforeEach(renew);
  afterAll(async () => {
    await current?.drop();
  });
  return {
    get pool() {
      return current!.pool;
    },
    renew,
  };
}

export async function dropDatabase(name: string): Promise<void> {
  await dropDatabaseAt(withDatabase(inject('databaseServerUrl'), name));
}

/** A database URL on the test server that does not exist yet (for migrate/create tests). */
export function unusedDatabaseUrl(label: string): { url: string; name: string } {
  const name = `bbsync_test_${inject('testRunId')}_${label}_${randomBytes(3).toString('hex')}`;
  return { url: withDatabase(inject('databaseServerUrl'), name), name };
}
