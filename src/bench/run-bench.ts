/**
 * The benchmark (`npm run bench`): the pipeline measured against the machine's limits, in one run,
 * on the same data.
 *
 * Processes: this driver; the emulator (a `bbsync emulator` child); the worker (a `bbsync worker`
 * child); Postgres. Phases, after an untimed warm-up pass that makes the emulator build every page:
 * 1. limit (a), fetch-only: the same pages fetched and parsed by this driver with the same
 *    concurrency, no database;
 * 2. full first sync of N users through the real pipeline (wall time, EOBs/s, MB/s, rows/s, peak
 *    worker RSS, CPU seconds by process);
 * 3. limit (b), write-only: the same final rows (normalized and raw), read out into files first
 *    (untimed), then COPYed into an empty copy of the schema;
 * 4. a second, unchanged sync (requests per enrollment, rows written);
 * 5. an incremental sync after the emulator's weekly load with 10% changes.
 */
import { createFhirClient } from '../bluebutton/fhir.ts';
import { makeGetText } from '../bluebutton/http.ts';
import { loadConfig, type Config } from '../config.ts';
import { buildBb2Services } from '../services.ts';
import { createPool, withDatabase, type Pool } from '../db/client.ts';
import { dropDatabase, migrateDatabase } from '../db/migrate.ts';
import { waitForRun, type SyncRun } from '../db/runs.ts';
import { enrollSynthetic, syntheticLogin } from '../emulator-client/synthetic-enrollment.ts';
import type { Logger } from '../logger.ts';
import { startRunNow } from '../workers/enqueue.ts';
import { createQueues } from '../workers/queues.ts';
import { connectOrExplain, redisConnection } from '../workers/redis.ts';
import { spawnBbsync, stop, waitForOutput, type Child } from './children.ts';
import { extractRows, fetchEverything, loadRows } from './limits.ts';
import { CpuMeter, cpuSeconds, peakRssMb, pidsNamed } from './proc.ts';

export interface BenchOptions {
  users: number;
  /** Each worker process's concurrency (its `--concurrency`). */
  concurrency: number;
  /** Worker processes sharing the queue, as on a deployment with one worker per core. */
  workers: number;
  /** Server to run on (a database named `database` is created on it and dropped at the end). */
  databaseUrl: string;
  redisUrl: string;
  database: string;
  seed: number;
  log: Logger;
  /** Progress lines for a human. */
  say: (line: string) => void;
  /** Where the worker and the emulator write V8 CPU profiles (`node --cpu-prof`), if anywhere. */
  profileDir?: string | undefined;
}

export interface BenchResult {
  users: number;
  concurrency: number;
  workers: number;
  eobs: number;
  fullSyncSeconds: number;
  eobsPerSecond: number;
  mbPerSecond: number;
  rowsWritten: number;
  rowsPerSecond: number;
  fetchOnlySeconds: number;
  fetchOnlyEobsPerSecond: number;
  fetchOnlyMb: number;
  writeOnlySeconds: number;
  writeOnlyEobsPerSecond: number;
  limitRatio: number;
  /** The largest peak RSS of any one worker process. */
  peakRssMb: number;
  /** The worker processes' peak RSS added up. */
  peakRssMbAllWorkers: number;
  cpuSeconds: { worker: number; emulator: number; postgres: number };
  fetchOnlyCpuSeconds: { driver: number; emulator: number };
  writeOnlyCpuSeconds: { driver: number; postgres: number };
  noChangeSeconds: number;
  noChangeRequestsPerUser: number;
  noChangeRowsWritten: number;
  incrementalSeconds: number;
  incrementalRequests: number;
  incrementalResourcesChanged: number;
}

/** A child `bbsync` process and the first line it printed that matched. */
async function recreateDatabase(serverUrl: string, name: string): Promise<void> {
  await dropDatabase(withDatabase(serverUrl, name));
  await migrateDatabase(withDatabase(serverUrl, name));
}

async function emulatorStats(url: string): Promise<{ requests: Record<string, { total: number }> }> {
  const response = await fetch(`${url}/__emulator/stats`);
  return (await response.json()) as { requests: Record<string, { total: number }> };
}

function totalRequests(stats: { requests: Record<string, { total: number }> }): number {
  return Object.values(stats.requests).reduce((n, r) => n + r.total, 0);
}

async function timedRun(
  pool: Pool,
  start: () => Promise<SyncRun>,
): Promise<{ run: SyncRun; seconds: number }> {
  const t0 = performance.now();
  const started = await start();
  const run = await waitForRun(pool, started.run_id, { intervalMs: 100, timeoutMs: 30 * 60_000 });
  const seconds = (performance.now() - t0) / 1000;
  if (run.enrollments_failed > 0)
    throw new Error(`run ${run.run_id}: ${run.enrollments_failed} enrollment(s) failed`);
  return { run, seconds };
}

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { say } = options;
  const dbUrl = withDatabase(options.databaseUrl, options.database);
  const copyDb = `${options.database}_copy`;
  const queuePrefix = `bbsync-bench-${process.pid}`;
  let emulator: Child | undefined;
  const workers: Child[] = [];
  let queues: ReturnType<typeof createQueues> | undefined;
  // `node --cpu-prof` for the children, each kind into its own folder.
  const profileArgs = (kind: string) =>
    options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}/${kind}`] : [];
  const pool = createPool(dbUrl, { max: 20, applicationName: 'bbsync-bench' });
  const redisTarget = { kind: 'standalone', url: options.redisUrl } as const;
  const redis = redisConnection(redisTarget, { failFast: true });
  try {
    say(`preparing: database ${options.database}, emulator with ${options.users} users`);
    await recreateDatabase(options.databaseUrl, options.database);
    await recreateDatabase(options.databaseUrl, copyDb);
    await connectOrExplain(redis, redisTarget);

    emulator = spawnBbsync(
      [
        'emulator',
        '--port',
        '0',
        '--users',
        String(options.users),
        '--seed',
        String(options.seed),
        '--page-cache-mb',
        '4096',
      ],
      { LOG_LEVEL: 'warn' },
      profileArgs('emulator'),
    );
    const emulatorUrl = (await waitForOutput(emulator, /BB2 emulator listening on (\S+)/, 30_000))[1]!;
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'warn',
      DATABASE_URL: dbUrl,
      REDIS_URL: options.redisUrl,
      QUEUE_PREFIX: queuePrefix,
      BB2_BASE_URL: emulatorUrl,
      BB2_CLIENT_ID: 'bbsync-local',
      BB2_CLIENT_SECRET: 'bbsync-local-secret',
      BB2_REDIRECT_URI: 'http://127.0.0.1:3000/enroll/callback',
      TOKEN_ENCRYPTION_KEY: `bench:${Buffer.alloc(32, 3).toString('base64')}`,
      BB2_MAX_REQUESTS_PER_SECOND: '10000',
      SYNC_CONCURRENCY: String(options.concurrency),
    };
    const config: Config = loadConfig(env);
    const services = buildBb2Services(config, options.log, pool);

    say(`enrolling ${options.users} synthetic users through the OAuth forms`);
    const ids: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < options.users) {
          const index = next++;
          const outcome = await enrollSynthetic(services.flow, syntheticLogin(index), {
            redirectUri: config.bb2.redirectUri,
            fetchImpl: services.fetchImpl,
          });
          if (outcome.kind !== 'connected') throw new Error(`enrolling user ${index}: ${outcome.kind}`);
          ids.push(outcome.enrollment.enrollmentId);
        }
      }),
    );

    const emulatorPid = emulator.process.pid!;
    // Postgres backends come and go with connections: sample often so none is missed.
    const postgres = new CpuMeter(() => pidsNamed('postgres'));
    const sampler = setInterval(() => postgres.read(), 200);
    sampler.unref();

    // ---- warm-up and phase 1: fetch-only limit ---------------------------------------------
    // The emulator builds each page the first time it is asked for it. An untimed first pass
    // builds them all, so no phase pays for the emulator's data generation.
    const fhir = createFhirClient({
      baseUrl: config.bb2.baseUrl,
      pageSize: config.bb2.pageSize,
      getText: makeGetText({ timeoutMs: config.bb2.requestTimeoutMs }),
    });
    const tokens: string[] = [];
    for (const id of ids) tokens.push((await services.vault.getAccessToken(id)).accessToken);
    say('warm-up: the emulator builds every page once (not timed)');
    await fetchEverything(fhir, tokens, options.concurrency);
    say('phase 1: fetch-only limit (the same pages, fetched and parsed, no database)');
    const fetchCpu0 = { driver: process.cpuUsage(), emulator: cpuSeconds(emulatorPid) };
    const f0 = performance.now();
    const fetched = await fetchEverything(fhir, tokens, options.concurrency);
    const fetchOnlySeconds = (performance.now() - f0) / 1000;
    const driverCpu = process.cpuUsage(fetchCpu0.driver);
    const fetchOnlyCpu = {
      driver: (driverCpu.user + driverCpu.system) / 1e6,
      emulator: cpuSeconds(emulatorPid) - fetchCpu0.emulator,
    };
    const fetchedEobs = fetched.eobs;
    const fetchedBytes = fetched.bytes;

    // ---- phase 2: the full pipeline ---------------------------------------------------------
    for (let i = 0; i < options.workers; i++) {
      workers.push(
        spawnBbsync(
          ['worker', '--concurrency', String(options.concurrency), '--no-schedule'],
          env,
          profileArgs('worker'),
        ),
      );
    }
    for (const w of workers) await waitForOutput(w, /bbsync worker running/, 60_000);
    const workerPids = workers.map((w) => w.process.pid!);
    const workerCpu = () => workerPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const runQueues = createQueues(redis, queuePrefix);
    queues = runQueues;
    const start = () =>
      startRunNow({ pool, log: options.log, queues: runQueues, config }, { trigger: 'manual' });

    say(
      `phase 2: full first sync of ${options.users} users (${options.workers} worker process(es), concurrency ${options.concurrency} each)`,
    );
    const cpu0 = {
      worker: workerCpu(),
      emulator: cpuSeconds(emulatorPid),
      postgres: postgres.read(),
    };
    const full = await timedRun(pool, start);
    const cpu1 = {
      worker: workerCpu(),
      emulator: cpuSeconds(emulatorPid),
      postgres: postgres.read(),
    };
    const peaks = workerPids.map(peakRssMb);
    const { rows: countRows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM claims`);
    const eobs = countRows[0]!.n;
    if (fetchedEobs !== eobs)
      throw new Error(`fetch-only saw ${fetchedEobs} EOBs but the sync stored ${eobs}`);

    // ---- phase 3: write-only limit ---------------------------------------------------------
    say('phase 3: write-only limit (the same final rows COPYed into an empty copy of the schema)');
    const extracted = await extractRows(dbUrl);
    let writeOnlySeconds: number;
    const writeCpu0 = { driver: process.cpuUsage(), postgres: postgres.read() };
    try {
      writeOnlySeconds = await loadRows(withDatabase(options.databaseUrl, copyDb), extracted.tables);
    } finally {
      await extracted.remove();
    }
    const writeDriver = process.cpuUsage(writeCpu0.driver);
    const writeOnlyCpu = {
      driver: (writeDriver.user + writeDriver.system) / 1e6,
      postgres: postgres.read() - writeCpu0.postgres,
    };

    // ---- phase 4: an unchanged second sync ---------------------------------------------------
    say('phase 4: second sync, nothing changed upstream');
    const before = totalRequests(await emulatorStats(emulatorUrl));
    const same = await timedRun(pool, start);
    const noChangeRequests = totalRequests(await emulatorStats(emulatorUrl)) - before;

    // ---- phase 5: incremental after a weekly load --------------------------------------------
    say('phase 5: incremental sync after a weekly load with 10% changes');
    const advanced = await fetch(`${emulatorUrl}/__emulator/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ newClaimsFraction: 0.1, changedFraction: 0.1, removedFraction: 0 }),
    });
    if (!advanced.ok) throw new Error(`advance failed: ${advanced.status}`);
    const before5 = totalRequests(await emulatorStats(emulatorUrl));
    const incremental = await timedRun(pool, start);
    const incrementalRequests = totalRequests(await emulatorStats(emulatorUrl)) - before5;
    clearInterval(sampler);

    const eobsPerSecond = eobs / full.seconds;
    const fetchOnlyEobsPerSecond = fetchedEobs / fetchOnlySeconds;
    const writeOnlyEobsPerSecond = eobs / writeOnlySeconds;
    return {
      users: options.users,
      concurrency: options.concurrency,
      workers: options.workers,
      eobs,
      fullSyncSeconds: round(full.seconds),
      eobsPerSecond: round(eobsPerSecond),
      mbPerSecond: round(fetchedBytes / 1e6 / full.seconds),
      rowsWritten: full.run.rows_written,
      rowsPerSecond: round(full.run.rows_written / full.seconds),
      fetchOnlySeconds: round(fetchOnlySeconds),
      fetchOnlyEobsPerSecond: round(fetchOnlyEobsPerSecond),
      fetchOnlyMb: round(fetchedBytes / 1e6),
      writeOnlySeconds: round(writeOnlySeconds),
      writeOnlyEobsPerSecond: round(writeOnlyEobsPerSecond),
      limitRatio: round(eobsPerSecond / Math.min(fetchOnlyEobsPerSecond, writeOnlyEobsPerSecond), 3),
      peakRssMb: round(Math.max(...peaks)),
      peakRssMbAllWorkers: round(peaks.reduce((a, b) => a + b, 0)),
      cpuSeconds: {
        worker: round(cpu1.worker - cpu0.worker),
        emulator: round(cpu1.emulator - cpu0.emulator),
        postgres: round(cpu1.postgres - cpu0.postgres),
      },
      fetchOnlyCpuSeconds: { driver: round(fetchOnlyCpu.driver), emulator: round(fetchOnlyCpu.emulator) },
      writeOnlyCpuSeconds: { driver: round(writeOnlyCpu.driver), postgres: round(writeOnlyCpu.postgres) },
      noChangeSeconds: round(same.seconds),
      noChangeRequestsPerUser: round(noChangeRequests / options.users, 3),
      noChangeRowsWritten: same.run.rows_written,
      incrementalSeconds: round(incremental.seconds),
      incrementalRequests,
      incrementalResourcesChanged: incremental.run.resources_changed,
    };
  } finally {
    await Promise.all(workers.map(stop));
    await stop(emulator);
    // The bench's queues go with it, whether it finished or failed.
    if (queues) {
      await queues.sync.obliterate({ force: true }).catch(() => {});
      await queues.runs.obliterate({ force: true }).catch(() => {});
      await queues.close();
    }
    redis.disconnect();
    await pool.end();
    await dropDatabase(withDatabase(options.databaseUrl, copyDb)).catch(() => {});
    await dropDatabase(withDatabase(options.databaseUrl, options.database)).catch(() => {});
  }
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
