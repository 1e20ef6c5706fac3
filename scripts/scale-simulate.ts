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

import { createPool, withDatabase, type Pool } from '../src/db/client.ts';
import { dropDatabase, migrateDatabase, quoteIdent } from '../src/db/migrate.ts';
import { startOwnRedis } from './simulate/infra.ts';
import { createModel, DAY, HOUR, type Model } from './simulate/model.ts';
import { days, loadAges, report, type Tick } from './simulate/report.ts';
import {
  createStats,
  localBb2,
  resetEnrollments,
  seedEnrollments,
  type SimStats,
} from './simulate/stand-ins.ts';
import { sample, tickOnce, type Driver } from './simulate/ticks.ts';
import { forkWorkerProcesses, startSimWorkers, type WorkerSpec } from './simulate/workers.ts';

const { values: args } = parseArgs({
  options: {
    enrollments: { type: 'string', default: '100000' },
    days: { type: 'string', default: '14' },
    budget: { type: 'string', default: '100' },
    'cron-hours': { type: 'string', default: '3' },
    'load-days': { type: 'string', default: '2,9' },
    'load-hour': { type: 'string', default: '0.02' },
    concurrency: { type: 'string', default: '16' },
    /** Worker processes (each with --concurrency syncs), like a deployment's machines. */
    processes: { type: 'string', default: '1' },
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
  // Each sync holds a session (its lock, and the simulation writes on it too); four more for the
  // feeder, the janitor, the start-run job and the driver, which wait for one when all are busy.
  // Other worker processes have their own (worker-process.ts): --processes x --concurrency + 4 +
  // 3 per other process in all, kept under 30 on the shared server (max_connections 100).
  const pool = createPool(dbUrl, { max: num('concurrency') + 4 });
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
  const stats = createStats(enrollments, model.loads[0]!.transactionTime, model.loads.length);
  const bb2 = localBb2(model, stats);
  const spec: WorkerSpec = {
    dbUrl,
    redisUrl: redis.url,
    budgetPerSecond: model.options.budgetPerSecond,
    fullEvery: num('full-every'),
    concurrency: num('concurrency'),
  };
  const workers = await startSimWorkers(spec, pool, bb2);
  const others = await forkWorkerProcesses(num('processes') - 1, spec, bb2);
  const driver: Driver = { pool, queues: workers.queues, model, redis, say, redisPeak: 0, queueMax: 0 };
  const ticks: Tick[] = [];
  const reported = new Set<number>();
  const startedAt = performance.now();
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
      progress(driver, stats, ticks, enrollments, reported, startedAt);
    }
    if (args['fanout-only']) await sample(driver);
    else await tickOnce(driver, end, { drainOnly: true });
  } finally {
    await others.close();
    await workers.close();
  }
  return {
    stats,
    ticks,
    redisPeak: Math.max(driver.redisPeak, (await redis.memory()).peak),
    queueMax: driver.queueMax,
  };
}

/**
 * A long run's results as they come: once a load's syncs are all done (a run found nobody behind
 * and nobody still in a run), its data age and the peaks so far, as one line on stderr.
 */
function progress(
  driver: Driver,
  stats: SimStats,
  ticks: Tick[],
  enrollments: number,
  reported: Set<number>,
  startedAt: number,
): void {
  const tick = ticks.at(-1);
  if (!tick || tick.members > 0 || tick.decisions.in_run) return;
  loadAges(driver.model, stats, enrollments).forEach((load, i) => {
    if (reported.has(i) || load.synced === 0 || Date.parse(load.visibleAt) > tick.at) return;
    reported.add(i);
    const perDay = days(driver.model, ticks).filter(
      (d) => d.date <= new Date(tick.at).toISOString().slice(0, 10),
    );
    say(
      `load ${i + 1} done: ${JSON.stringify({
        ...load,
        syncs: stats.syncs,
        failedAttempts: stats.failedAttempts,
        redisPeakMB: Number((driver.redisPeak / 2 ** 20).toFixed(1)),
        queueDepthMax: driver.queueMax,
        fanOutSecondsMax: Math.max(0, ...ticks.filter((t) => t.members > 0).map((t) => t.fanOutSeconds)),
        emptyRunSecondsMax: Math.max(0, ...ticks.filter((t) => t.members === 0).map((t) => t.fanOutSeconds)),
        wallSeconds: Math.round((performance.now() - startedAt) / 1000),
        requestsPerDay: perDay.map((d) => `${d.date}${d.load ? ' (load)' : ''}: ${d.requests}`),
      })}`,
    );
  });
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
