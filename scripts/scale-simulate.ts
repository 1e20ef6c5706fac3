/**
 * The scale simulation (docs/scale.md, "Simulation"): weeks of load-aware runs for many
 * enrollments in minutes.
 *
 *   npm run scale:simulate -- --enrollments 100000 [--days 14] [--budget 100] [--cron-hours 3]
 *     [--load-days 2,9] [--load-hour 0.02] [--concurrency 64] [--failure-rate 0.002] [--json]
 *     [--database bbsync_sim] [--reuse] [--fanout-only]
 *
 * REAL: Postgres (a database of its own, `bbsync_sim`, migrated by the real migrations), Redis (a
 * `redis-server` of its own, so its peak memory is ours), the workers (`startWorkers`: BullMQ
 * queues and workers, the feeder and its timer, the janitor), the start-run job (probe result
 * stored, `addRunMembers`, members held in Postgres, first feed), and the per-sync bookkeeping
 * (attempts, sync state, run outcomes). SIMULATED (scripts/simulate): BB2 (loads, request costs,
 * failures), the clock (the budget decides simulated time), the scheduler's cron ticks (a start-run
 * job added at each simulated tick, as the Job Scheduler would), and the sync body (no claims are
 * written: the cursors move to the transaction time BB2 would report).
 */
import { parseArgs } from 'node:util';

import { loadConfig } from '../src/config.ts';
import { createPool, withDatabase, type Pool } from '../src/db/client.ts';
import { dropDatabase, migrateDatabase, quoteIdent } from '../src/db/migrate.ts';
import { createLogger } from '../src/logger.ts';
import { RequestCounter } from '../src/bluebutton/request-counter.ts';
import { redisConnection } from '../src/workers/redis.ts';
import { startWorkers, type WorkerDeps } from '../src/workers/worker.ts';
import { startOwnRedis } from './simulate/infra.ts';
import { createModel, DAY, HOUR, type Model } from './simulate/model.ts';
import { report, type Tick } from './simulate/report.ts';
import {
  createStats,
  resetEnrollments,
  seedEnrollments,
  simulatedProbe,
  simulatedSync,
} from './simulate/stand-ins.ts';
import { sample, tickOnce, type Driver } from './simulate/ticks.ts';

const { values: args } = parseArgs({
  options: {
    enrollments: { type: 'string', default: '100000' },
    days: { type: 'string', default: '14' },
    budget: { type: 'string', default: '100' },
    'cron-hours': { type: 'string', default: '3' },
    'load-days': { type: 'string', default: '2,9' },
    'load-hour': { type: 'string', default: '0.02' },
    concurrency: { type: 'string', default: '16' },
    'failure-rate': { type: 'string', default: '0.002' },
    'full-every': { type: 'string', default: '4' },
    database: { type: 'string', default: 'bbsync_sim' },
    /** Keep the database of an earlier run with the same --enrollments (set back, not seeded again). */
    reuse: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    /** Only two ticks: a probe before the first load and the run after it; no syncs are waited for. */
    'fanout-only': { type: 'boolean', default: false },
  },
});

const say = (line: string) => process.stderr.write(`simulate: ${line}\n`);
const num = (name: keyof typeof args) => Number(args[name]);
const START = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC (simulated)

async function main(): Promise<void> {
  const enrollments = num('enrollments');
  const model = createModel({
    start: START,
    days: num('days'),
    loadDays: String(args['load-days'])
      .split(',')
      .filter(Boolean)
      .map((d) => Number(d) + num('load-hour') / 24),
    budgetPerSecond: num('budget'),
    failureRate: num('failure-rate'),
    newEobsPerLoad: 0.6,
    seed: 18,
  });
  const redis = await startOwnRedis();
  const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/bbsync';
  const dbUrl = withDatabase(server, String(args.database));
  if (!args.reuse) await dropDatabase(dbUrl);
  await migrateDatabase(dbUrl);
  // Every outcome updates its run's row (the counters), so commits on that row queue behind each
  // other's WAL flush: at 20 syncs a second (a budget of 100 req/s) that is nothing, at the
  // thousand a second the simulation runs it is the limit. Not waiting for the flush changes no
  // row written, only how fast this database says yes.
  await withAdmin(server, (admin) =>
    admin.query(`ALTER DATABASE ${quoteIdent(String(args.database))} SET synchronous_commit = off`),
  );
  // Each sync holds a session (its lock) and writes on another connection.
  const pool = createPool(dbUrl, { max: 2 * num('concurrency') + 6 });
  try {
    let at = performance.now();
    const initial = model.loads[0]!.transactionTime;
    if (args.reuse && (await resetEnrollments(pool, enrollments, initial))) {
      say(
        `reset ${enrollments} enrollments seeded earlier in ${((performance.now() - at) / 1000).toFixed(1)} s`,
      );
    } else {
      if (args.reuse) await pool.query('TRUNCATE enrollments CASCADE');
      await seedEnrollments(pool, enrollments, initial);
      say(`seeded ${enrollments} enrollments in ${((performance.now() - at) / 1000).toFixed(1)} s`);
    }
    at = performance.now();
    const ticks = await simulate(pool, dbUrl, redis, model, enrollments);
    const out = await report(pool, model, ticks.stats, ticks.ticks, {
      enrollments,
      redisPeakBytes: ticks.redisPeak,
      queueDepthMax: ticks.queueMax,
      wallSeconds: (performance.now() - at) / 1000,
      cronHours: num('cron-hours'),
    });
    process.stdout.write(args.json ? JSON.stringify(out, null, 2) + '\n' : out.markdown + '\n');
  } finally {
    await pool.end();
    await redis.stop();
  }
}

async function simulate(
  pool: Pool,
  dbUrl: string,
  redis: Awaited<ReturnType<typeof startOwnRedis>>,
  model: Model,
  enrollments: number,
) {
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'warn',
    DATABASE_URL: dbUrl,
    REDIS_URL: redis.url,
    BB2_CLIENT_ID: 'simulated',
    BB2_CLIENT_SECRET: 'simulated',
    BB2_REDIRECT_URI: 'https://sim.invalid/cb',
    TOKEN_ENCRYPTION_KEY: 'sim1:' + Buffer.alloc(32, 1).toString('base64'),
    SESSION_SECRET: 's'.repeat(40),
    BB2_MAX_REQUESTS_PER_SECOND: String(model.options.budgetPerSecond),
    SYNC_FULL_EVERY: String(args['full-every']),
    SYNC_FEED_INTERVAL_MS: '200',
    // A retry's wait is real time here, not simulated: keep it short.
    SYNC_BACKOFF_MS: '200',
  });
  const log = createLogger({ level: 'warn', format: 'json', fd: 2 });
  const stats = createStats(enrollments, model.loads[0]!.transactionTime, model.loads.length);
  const connection = redisConnection(config.redis, { name: 'bbsync-sim' });
  const workers = await startWorkers({
    config,
    log,
    pool,
    connection,
    // Never read: the stand-ins replace both handlers that would use BB2.
    sync: { pool } as unknown as WorkerDeps['sync'],
    requestCounter: new RequestCounter(),
    concurrency: num('concurrency'),
    schedule: false,
    finishUnenroll: async () => {},
    // The modelled BB2 never makes the application inactive.
    probeApplication: async () => ({ active: true }),
    standIns: { sync: simulatedSync(pool, model, stats), probe: simulatedProbe(model) },
  });
  const driver: Driver = { pool, queues: workers.queues, model, redis, say, redisPeak: 0, queueMax: 0 };
  const ticks: Tick[] = [];
  try {
    const every = num('cron-hours') * HOUR;
    const end = model.options.start + model.options.days * DAY;
    for (let t = model.options.start; t < end; t += every) {
      if (
        args['fanout-only'] &&
        t !== model.options.start &&
        (ticks.length > 1 || t < model.loads[1]!.visibleAt)
      ) {
        continue;
      }
      ticks.push(await tickOnce(driver, t));
    }
    if (args['fanout-only']) await sample(driver);
    else await tickOnce(driver, end, { drainOnly: true });
  } finally {
    await workers.close();
    connection.disconnect();
  }
  return {
    stats,
    ticks,
    redisPeak: Math.max(driver.redisPeak, (await redis.memory()).peak),
    queueMax: driver.queueMax,
  };
}

async function withAdmin(server: string, use: (admin: Pool) => Promise<unknown>): Promise<void> {
  const admin = createPool(withDatabase(server, 'postgres'), { max: 1 });
  try {
    await use(admin);
  } finally {
    await admin.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`simulate: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
