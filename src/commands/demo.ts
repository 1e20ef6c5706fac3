/**
 * `npm run demo`: the whole product in one process tree, on one machine. It applies migrations to
 * its own database (`bbsync_demo`), starts the BB2 emulator, the web server and a worker, enrolls
 * 25 synthetic beneficiaries through the real OAuth pages, runs a full sync, prints a summary and
 * the URLs to look at, and keeps serving until Ctrl-C.
 */
import { randomBytes } from 'node:crypto';

import { loadConfig, type Config } from '../config.ts';
import { databaseName, withDatabase, type Pool } from '../db/client.ts';
import { waitForRun } from '../db/runs.ts';
import { startEmulator, type RunningEmulator } from '../emulator/index.ts';
import { enrollSynthetic, syntheticLogin } from '../emulator-client/synthetic-enrollment.ts';
import { InputError } from '../errors.ts';
import { createLogger, type Logger } from '../logger.ts';
import { hashTagged } from '../config/redis-target.ts';
import { startRunNow } from '../workers/enqueue.ts';
import { createQueues } from '../workers/queues.ts';
import { redisConnection } from '../workers/redis.ts';
import { commandConfig } from './command-config.ts';
import { openDatabase } from './database.ts';
import { createProgress } from './progress.ts';
import { findServices, freePort, portOr, recreateDatabase, removeRedisKeys } from './demo-services.ts';
import { assembleDemoServer, DEMO_LOGIN, demoPasswordHash } from './demo-server.ts';
import { buildBb2Services } from '../services.ts';
import { assembleWorkers } from './worker.ts';

export interface DemoOptions {
  users: number;
  /** Its web server's port (default 3000, or a free one when 3000 is taken). */
  port?: number;
  /** Its database, recreated (default bbsync_demo). */
  db: string;
  /** Its queue prefix in Redis, removed when it stops (default bbsync-demo). */
  prefix: string;
  /** Stop after the summary instead of serving until Ctrl-C (used by tests). */
  exit?: boolean;
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const base = commandConfig();
  await checkDemoOptions(options, base);
  const say = (line: string) => process.stderr.write(`demo: ${line}\n`);
  const demo = await startDemo(options, base, say);
  try {
    await enrollAndSync(demo, options.users, say);
  } catch (err) {
    await demo.stopAll().catch(() => {});
    throw err;
  }
  if (options.exit) {
    say('stopping (--exit): the servers above stop now; the data stays in the database');
    await demo.stopAll();
    return;
  }
  process.stderr.write('demo: serving until Ctrl-C\n');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  say('shutting down');
  await demo.stopAll();
  say('stopped');
}

/** The demo drops its database and empties its queues: never the ones real work uses. */
async function checkDemoOptions(options: DemoOptions, base: Config): Promise<void> {
  const { db: demoDatabase, prefix: demoPrefix } = options;
  if (
    demoDatabase === databaseName(base.databaseUrl) ||
    ['postgres', 'template0', 'template1'].includes(demoDatabase)
  ) {
    throw new InputError(
      `--db ${demoDatabase}: the demo recreates its database, so it needs one of its own (not DATABASE_URL's or a system one); the default is bbsync_demo`,
    );
  }
  if (hashTagged(demoPrefix) === base.queuePrefix) {
    throw new InputError(
      `--prefix ${demoPrefix}: the demo removes its queues when it stops, so it needs a prefix of its own (not QUEUE_PREFIX's); the default is bbsync-demo`,
    );
  }
  if (options.port !== undefined && options.port !== 0 && (await freePort(options.port)) === undefined) {
    throw new InputError(
      `--port ${options.port}: that port is in use; choose another (or leave --port out for a free one)`,
    );
  }
}

/** The running demo: its configuration, the parts it enrolls and syncs with, and how to stop them all. */
interface RunningDemo {
  config: Config;
  pool: Pool;
  log: Logger;
  queues: ReturnType<typeof createQueues>;
  services: ReturnType<typeof buildBb2Services>;
  redirectUri: string;
  serverPort: number;
  stopAll(): Promise<void>;
}

async function startDemo(
  options: DemoOptions,
  base: Config,
  say: (line: string) => void,
): Promise<RunningDemo> {
  const log = createLogger({
    level: base.log.levelSet ? base.log.level : 'warn',
    format: base.log.format,
    fd: 2,
  });
  const found = await findServices(base, say);
  const databaseUrl = withDatabase(found.databaseUrl, options.db);
  say(
    `using Postgres at ${new URL(databaseUrl).host} (database ${options.db}, recreated) and Redis at ${new URL(found.redisUrl).host} (queue prefix ${options.prefix})`,
  );
  await recreateDatabase(databaseUrl);
  const serverPort = options.port ? options.port : await portOr(3000);
  const redirectUri = `http://127.0.0.1:${serverPort}/enroll/callback`;
  const emulator: RunningEmulator = await startEmulator({
    host: '127.0.0.1',
    port: await portOr(8000),
    // Room for the users the demo enrolls and as many more to connect by hand at /enroll.
    users: options.users + 100,
    seed: 1,
    clients: [
      { clientId: 'bbsync-demo', clientSecret: randomBytes(16).toString('hex'), redirectUris: [redirectUri] },
    ],
  });
  const config = await demoConfig(
    base,
    { databaseUrl, redisUrl: found.redisUrl, prefix: options.prefix, log },
    emulator,
    serverPort,
  );
  const pool: Pool = await openDatabase(config.databaseUrl, { max: 30, applicationName: 'bbsync-demo' });
  const producer = redisConnection(config.redis);
  const queues = createQueues(producer, config.queuePrefix);
  await queues.sync.obliterate({ force: true });
  await queues.runs.obliterate({ force: true });
  // With its nightly schedule, as a deployment's worker (the dashboard then shows the next run).
  const workers = await assembleWorkers(config, log, pool, { concurrency: 8, schedule: true });
  const server = await assembleDemoServer(config, log, pool);
  const stopAll = async () => {
    await server.close();
    await workers.stop();
    await queues.close();
    producer.disconnect();
    await removeRedisKeys(config.redisUrl, config.queuePrefix);
    await pool.end();
    await emulator.close();
    await found.stop();
  };
  return {
    config,
    pool,
    log,
    queues,
    services: buildBb2Services(config, log, pool),
    redirectUri,
    serverPort,
    stopAll,
  };
}

async function demoConfig(
  base: Config,
  at: { databaseUrl: string; redisUrl: string; prefix: string; log: Logger },
  emulator: RunningEmulator,
  serverPort: number,
): Promise<Config> {
  const client = emulator.clients[0]!;
  return loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: at.log.level,
    LOG_FORMAT: base.log.format,
    DATABASE_URL: at.databaseUrl,
    REDIS_URL: at.redisUrl,
    QUEUE_PREFIX: at.prefix,
    BB2_BASE_URL: emulator.url,
    BB2_CLIENT_ID: client.clientId,
    BB2_CLIENT_SECRET: client.clientSecret,
    BB2_REDIRECT_URI: client.redirectUris[0]!,
    BB2_MAX_REQUESTS_PER_SECOND: '500',
    TOKEN_ENCRYPTION_KEY: `demo:${randomBytes(32).toString('base64')}`,
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    SERVER_HOST: '127.0.0.1',
    SERVER_PORT: String(serverPort),
    DASHBOARD_USER: DEMO_LOGIN.user,
    DASHBOARD_PASSWORD_HASH: await demoPasswordHash(),
    DASHBOARD_ALLOW_ACTIONS: 'true',
  });
}

/** Enrolls through the real authorization pages, as a browser would, then runs one full sync. */
async function enrollAndSync(demo: RunningDemo, users: number, say: (line: string) => void): Promise<void> {
  const { config, pool, log, queues, redirectUri } = demo;
  const { flow, fetchImpl } = demo.services;
  const enrolling = createProgress('Enrolling', { unit: 'beneficiaries' });
  let connected = 0;
  for (let index = 0; index < users; index++) {
    const outcome = await enrollSynthetic(flow, syntheticLogin(index), { redirectUri, fetchImpl });
    if (outcome.kind !== 'connected')
      throw new Error(`enrolling BBUser${String(index).padStart(5, '0')}: ${outcome.kind}`);
    enrolling.update(++connected, users);
  }
  enrolling.stop();
  say(`enrolled ${connected} synthetic beneficiaries through the emulator's login and consent pages`);
  const run = await startRunNow({ pool, log, queues, config }, { trigger: 'manual', requestedBy: 'demo' });
  const syncing = createProgress('Syncing', { unit: 'beneficiaries' });
  const finished = await waitForRun(pool, run.run_id, {
    intervalMs: 200,
    timeoutMs: 10 * 60_000,
    onPoll: (r) =>
      syncing.update(r.enrollments_ok + r.enrollments_failed + r.enrollments_skipped, r.enrollments_total),
  });
  syncing.stop();
  process.stdout.write(await summary(pool, finished.run_id, { serverPort: demo.serverPort, users }, config));
}

async function summary(
  pool: Pool,
  runId: string,
  { serverPort, users }: { serverPort: number; users: number },
  config: Config,
): Promise<string> {
  const { rows: run } = await pool.query(
    'SELECT enrollments_ok, enrollments_failed, resources_changed, rows_written, extract(epoch FROM finished_at - started_at) AS seconds FROM sync_runs WHERE run_id = $1',
    [runId],
  );
  const { rows } = await pool.query<{
    claim_type: string;
    claims: number;
    lines: number;
    paid: string | null;
    submitted: string | null;
  }>(
    `SELECT claim_type, count(*)::int AS claims, sum(line_count)::int AS lines,
            sum(payment_amount) AS paid, sum(submitted_amount) AS submitted
       FROM claims WHERE is_final GROUP BY 1 ORDER BY 1`,
  );
  const { rows: patients } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM patients');
  const r = run[0] ?? {};
  const total = rows.reduce((a, x) => ({ claims: a.claims + x.claims, lines: a.lines + x.lines }), {
    claims: 0,
    lines: 0,
  });
  const money = (v: string | null) =>
    v === null
      ? '-'
      : Number(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const table = [
    `  ${'claim type'.padEnd(12)}${'claims'.padStart(8)}${'lines'.padStart(8)}${'paid ($)'.padStart(16)}${'charges ($)'.padStart(16)}`,
    ...rows.map(
      (x) =>
        `  ${x.claim_type.padEnd(12)}${String(x.claims).padStart(8)}${String(x.lines).padStart(8)}${money(x.paid).padStart(16)}${money(x.submitted).padStart(16)}`,
    ),
    `  ${'all'.padEnd(12)}${String(total.claims).padStart(8)}${String(total.lines).padStart(8)}`,
  ];
  const base = `http://127.0.0.1:${serverPort}`;
  const nextLogin = syntheticLogin(users);
  return [
    '',
    `Synced ${patients[0]?.n ?? 0} beneficiaries in ${Number(r.seconds ?? 0).toFixed(1)} s: ${r.enrollments_ok ?? 0} ok, ${r.enrollments_failed ?? 0} failed, ${r.resources_changed ?? 0} resources, ${r.rows_written ?? 0} rows`,
    ...table,
    '',
    `Dashboard          ${base}/            (log in as ${DEMO_LOGIN.user} / ${DEMO_LOGIN.password})`,
    `Connect a user     ${base}/enroll      (${nextLogin.username} / ${nextLogin.password}: not enrolled yet, synced at once)`,
    `Blue Button (emu)  ${config.bb2.baseUrl}`,
    `SQL                psql ${config.databaseUrl}`,
    `                   example queries: README.md, "Analytics: example queries"; or npx bbsync report with DATABASE_URL=${config.databaseUrl}`,
    '',
  ].join('\n');
}

export type { Logger };
