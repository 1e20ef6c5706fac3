/**
 * Finds a real Postgres and Redis for the tests, in this order: DATABASE_URL / REDIS_URL from the
 * environment; the default local ports; containers started with testcontainers when a Docker
 * engine exists. Nothing is mocked. When nothing answers, the run fails loudly (it never skips
 * everything). It then migrates a template database once; each test file clones it (see db.ts),
 * so tests never touch a developer's data.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';
import type { TestProject } from 'vitest/node';

import { postgresAnswers, redisAnswers } from '../../src/commands/demo-services.ts';
import { withDatabase } from '../../src/db/client.ts';
import { MIGRATIONS_FOLDER, migrateDatabase, quoteIdent } from '../../src/db/migrate.ts';
import { CHROMIUM_MISSING, chromiumPresent } from './browser.ts';
import { FIXTURES_MISSING, fixturesPresent } from './fixtures.ts';
import { TEST_KEY } from './bb2.ts';
import { scanCapture } from './log-capture.ts';
import { startRedisCluster } from './redis-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseServerUrl: string;
    templateDatabase: string;
    redisUrl: string;
    /** A local 3-node Redis Cluster's seed nodes (REDIS_CLUSTER_NODES form), '' when none. */
    redisClusterNodes: string;
    testRunId: string;
    /** This run's log capture directory (test/helpers/log-capture.ts). */
    logCaptureDir: string;
  }
}

const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

/** Starts throwaway containers; only loaded when nothing local answers. */
async function startContainers(): Promise<{ pgUrl: string; redisUrl: string; stop: () => Promise<void> }> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  await getContainerRuntimeClient();
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { RedisContainer } = await import('@testcontainers/redis');
  const [pgC, redisC] = await Promise.all([
    new PostgreSqlContainer('postgres:16-alpine').withUsername('postgres').withPassword('postgres').start(),
    new RedisContainer('redis:7').start(),
  ]);
  return {
    pgUrl: withDatabase(pgC.getConnectionUri(), 'postgres'),
    redisUrl: redisC.getConnectionUrl(),
    stop: async () => {
      await Promise.all([pgC.stop(), redisC.stop()]);
    },
  };
}

function migrationsHash(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_FOLDER).sort()) {
    if (file.endsWith('.sql')) hash.update(file).update(readFileSync(join(MIGRATIONS_FOLDER, file)));
  }
  hash.update(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json')));
  return hash.digest('hex').slice(0, 12);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The one line that says why the real-fixture tests will show as skipped.
  if (!fixturesPresent) console.log(`bbsync tests: real BB2 fixture tests ${FIXTURES_MISSING}`);
  // And why the browser tests will (locally) show as skipped; with CI set they fail instead.
  if (!chromiumPresent && !process.env.CI) console.log(`bbsync tests: browser tests ${CHROMIUM_MISSING}`);
  let pgUrl = process.env.DATABASE_URL ? withDatabase(process.env.DATABASE_URL, 'postgres') : undefined;
  let redisUrl = process.env.REDIS_URL;
  let stopContainers: (() => Promise<void>) | undefined;

  if (!pgUrl && (await postgresAnswers(DEFAULT_PG))) pgUrl = DEFAULT_PG;
  if (!redisUrl && (await redisAnswers(DEFAULT_REDIS))) redisUrl = DEFAULT_REDIS;
  if (!pgUrl || !redisUrl) {
    try {
      const started = await startContainers();
      pgUrl ??= started.pgUrl;
      redisUrl ??= started.redisUrl;
      stopContainers = started.stop;
    } catch (err) {
      const missing = [!pgUrl && 'Postgres', !redisUrl && 'Redis'].filter(Boolean).join(' and ');
      throw new Error(
        `The tests need a real ${missing}, and none answered: not DATABASE_URL/REDIS_URL, not the default ports ` +
          `(127.0.0.1:5432, 127.0.0.1:6379), and no Docker engine for testcontainers ` +
          `(${err instanceof Error ? err.message : String(err)}). Start them (e.g. \`docker compose up -d\`, or ` +
          `the local services) and run again.`,
      );
    }
  }
  if (!(await postgresAnswers(pgUrl))) throw new Error(`Postgres at ${redact(pgUrl)} does not answer`);
  if (!(await redisAnswers(redisUrl))) throw new Error(`Redis at ${redact(redisUrl)} does not answer`);
  // The queue, limiter and session tests run once more against a real Redis Cluster.
  const cluster = await startRedisCluster();
  if ('missing' in cluster) {
    if (process.env.CI) throw new Error(`bbsync tests: the Redis Cluster tests ${cluster.missing}`);
    console.log(`bbsync tests: Redis Cluster tests skipped: they ${cluster.missing}`);
  }

  // One template per migration set: reused across runs while migrations/ is unchanged.
  const templateDatabase = `bbsync_test_tpl_${migrationsHash()}`;
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(90210)');
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate', [
      templateDatabase,
    ]);
    if (!rowCount) {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(templateDatabase)}`);
      await migrateDatabase(withDatabase(pgUrl, templateDatabase));
      await admin.query(`ALTER DATABASE ${quoteIdent(templateDatabase)} WITH IS_TEMPLATE true`);
    }
    await admin.query('SELECT pg_advisory_unlock(90210)');
  } finally {
    await admin.end();
  }

  const testRunId = randomBytes(4).toString('hex');
  project.provide('databaseServerUrl', pgUrl);
  project.provide('templateDatabase', templateDatabase);
  project.provide('redisUrl', redisUrl);
  project.provide('redisClusterNodes', cluster.nodes);
  project.provide('testRunId', testRunId);
  const logCaptureDir = mkdtempSync(join(tmpdir(), 'bbsync-test-logs-'));
  project.provide('logCaptureDir', logCaptureDir);

  return async () => {
    // Drop whatever this run's test files left behind (a crashed file skips its own cleanup).
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE $1`,
        [`bbsync_test_${testRunId}_%`],
      );
      for (const { datname } of rows) {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`);
      }
    } finally {
      await client.end();
    }
    await cluster.stop();
    await stopContainers?.();
    checkLogCapture(logCaptureDir);
  };
}

/**
 * The run's last check: nothing any test process or child logged holds a secret or PHI the
 * emulators handed out (issue 12, Done-when). Fails the run, naming file, line and kind (never
 * the value); on failure the directory is kept for a look.
 */
function checkLogCapture(dir: string): void {
  // The test key's secret part (the key id before ':' is not secret).
  const scan = scanCapture(dir, [TEST_KEY.slice(TEST_KEY.indexOf(':') + 1)]);
  const summary = `${scan.lines} log lines (${Math.round(scan.bytes / 1024)} KiB) against ${scan.secrets} secrets and ${scan.beneficiaries} beneficiaries`;
  if (scan.findings.length === 0) {
    const keep = process.env.BBSYNC_TEST_KEEP_LOGS === '1';
    console.log(`bbsync tests: log capture: ${summary}: no secret or PHI${keep ? ` (kept in ${dir})` : ''}`);
    if (!keep) rmSync(dir, { recursive: true, force: true });
    return;
  }
  const shown = scan.findings
    .slice(0, 20)
    .map((f) => `  ${f.kind} in ${f.file} line ${f.line} (${f.hint})`)
    .join('\n');
  // vitest reports a teardown error but exits 0 on it: the exit code is set here.
  process.exitCode = 1;
  throw new Error(
    `bbsync tests: log capture: ${scan.findings.length} secret or PHI finding(s) in ${summary}; kept in ${dir}:\n${shown}`,
  );
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
