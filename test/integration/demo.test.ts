/**
 * `npm run demo` as a new user runs it, stopping after the summary (--exit): migrations, the
 * emulator, the server and a worker, enrollment through the real OAuth pages, a full sync. Then
 * every example query of the README runs against what it created, and each must return rows.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, expect, inject, it } from 'vitest';

import { withDatabase } from '../../src/db/client.ts';
import { dropDatabase } from '../helpers/db.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Its own database and queue prefix, as `--db` and `--prefix` promise: demos of parallel test runs never meet.
const DATABASE = `bbsync_test_${inject('testRunId')}_demo`;
const PREFIX = `bbsync-test-${inject('testRunId')}-demo`;

afterAll(async () => {
  await dropDatabase(DATABASE);
});

/** The SQL statements of the README's "Analytics: example queries" section, in order. */
function readmeExampleQueries(readme: string): string[] {
  const start = readme.indexOf('## Analytics: example queries');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const blocks = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((block) =>
    block
      .split(/;\s*(?:\n|$)/)
      .map((statement) => statement.trim())
      .filter(Boolean),
  );
}

it('enrolls and syncs the quick start beneficiaries, prints a summary, and cleans its Redis keys', async () => {
  const server = new URL(inject('databaseServerUrl'));
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['bin/bbsync.js', 'demo', '--db', DATABASE, '--prefix', PREFIX, '--exit'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: server.toString(),
        REDIS_URL: inject('redisUrl'),
        LOG_FORMAT: 'json',
      },
      timeout: 240_000,
    },
  );
  expect(stderr).toMatch(
    /enrolled 25 synthetic beneficiaries through the emulator's login and consent pages/,
  );
  expect(stdout).toMatch(/Synced 25 beneficiaries in [\d.]+ s: 25 ok, 0 failed/);
  expect(stdout).toMatch(/^\s+carrier\s+\d+\s+\d+/m);
  expect(stdout).toMatch(/Dashboard\s+http:\/\/127\.0\.0\.1:\d+\/\s+\(log in as demo \/ demo\)/);
  // A login the demo has not enrolled yet, that the emulator knows.
  expect(stdout).toMatch(/Connect a user\s+http:\/\/127\.0\.0\.1:\d+\/enroll\s+\(BBUser00025 \/ PW00025!/);
  expect(stdout).toContain(`/${DATABASE}`);
  // The URLs come before the demo says it stops.
  expect(stderr.indexOf('stopping (--exit)')).toBeGreaterThan(-1);

  const redis = new Redis(inject('redisUrl'));
  try {
    expect(await redis.keys(`*${PREFIX}*`)).toEqual([]);
  } finally {
    redis.disconnect();
  }

  const queries = readmeExampleQueries(readFileSync(`${ROOT}/README.md`, 'utf8'));
  expect(queries.length).toBeGreaterThanOrEqual(10);
  const client = new pg.Client({ connectionString: withDatabase(server.toString(), DATABASE) });
  await client.connect();
  try {
    for (const sql of queries) {
      const { rowCount } = await client.query(sql);
      expect(rowCount, `no rows on the demo's data:\n${sql}`).toBeGreaterThan(0);
    }
  } finally {
    await client.end();
  }
}, 300_000);
