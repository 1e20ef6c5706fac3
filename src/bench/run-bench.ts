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
import { loadavg } from 'node:os';

import pg from 'pg';

import { createFhirClient } from '../bluebutton/fhir-reads.ts';
import { makeGetText } from '../bluebutton/http.ts';
import { loadConfig, type Config } from '../config.ts';
import { buildBb2Services } from '../services.ts';
import { createPool, withDatabase, type Pool } from '../db/client.ts';
import { dropDatabase, ensureDatabase, migrateDatabase } from '../db/migrate.ts';
import { waitForRun, type SyncRun } from '../db/runs.ts';
import { enrollSynthetic, syntheticLogin } from '../emulator-client/synthetic-enrollment.ts';
import type { Logger } from '../logger.ts';
import { startRunNow } from '../workers/enqueue.ts';
import { createQueues } from '../workers/queues.ts';
import { connectOrExplain, redisConnection } from '../workers/redis.ts';
import { spawnBbsync, stop, waitForOutput, type Child } from './children.ts';
import { extractRows, fetchEverything, loadRows } from './limits.ts';
import { naiveSync, prepareNaive } from './naive.ts';
import { cpuSeconds, peakRssMb, PostgresBackendMeter } from './proc.ts';
import { perEob, type CpuPerEob } from './result.ts';

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
  /** The naive baseline (naive.ts): the same pages, one ORM upsert of the raw resource each. */
  naiveSeconds: number;
  naiveEobsPerSecond: number;
  naiveCpuSeconds: { driver: number; emulator: number; postgres: number };
  /** Naive wall time ÷ the full sync's: how many times faster the pipeline is, same run. */
  speedupVsNaive: number;
  /**
   * CPU milliseconds per EOB, by process and in total, for the full sync and each limit phase.
   * Postgres counts only the backends of the bench's own databases (not other databases' on a
   * shared server, nor the server's shared WAL writer and checkpointer).
   */
  cpuMsPerEob: {
    fullSync: CpuPerEob;
    fetchOnly: CpuPerEob;
    writeOnly: CpuPerEob;
    naive: CpuPerEob;
  };
  /** The machine's 1-minute load average at the end of each phase (CPU is the figure to trust). */
  loadAverage: { fetchOnly: number; fullSync: number; writeOnly: number; naive: number };
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

const BENCH_APP = 'bbsync-bench';

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { say } = options;
  const dbUrl = withDatabase(options.databaseUrl, options.database);
  const copyDb = `${options.database}_copy`;
  const naiveDb = `${options.database}_naive`;
  const queuePrefix = `bbsync-bench-${process.pid}`;
  let emulator: Child | undefined;
  const workers: Child[] = [];
  let queues: ReturnType<typeof createQueues> | undefined;
  // `node --cpu-prof` for the children, each kind into its own folder.
  const profileArgs = (kind: string) =>
    options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}/${kind}`] : [];
  const pool = createPool(dbUrl, { max: 20, applicationName: BENCH_APP });
  const redisTarget = { kind: 'standalone', url: options.redisUrl } as const;
  const redis = redisConnection(redisTarget, { failFast: true });
  const sampling = new pg.Client({ connectionString: withDatabase(options.databaseUrl, 'postgres') });
  let sampler: NodeJS.Timeout | undefined;
  try {
    say(`preparing: database ${options.database}, emulator with ${options.users} users`);
    await recreateDatabase(options.databaseUrl, options.database);
    await recreateDatabase(options.databaseUrl, copyDb);
    await dropDatabase(withDatabase(options.databaseUrl, naiveDb));
    await ensureDatabase(withDatabase(options.databaseUrl, naiveDb));
    await prepareNaive(withDatabase(options.databaseUrl, naiveDb));
    await sampling.connect();
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
    // Postgres backends come and go with connections: sample often so none is missed. The
    // driver's own pool (polling for a run's end) is left out; its naive and COPY clients count.
    const postgres = new PostgresBackendMeter(sampling, [options.database, copyDb, naiveDb], BENCH_APP);
    let sampling0 = false;
    sampler = setInterval(() => {
      if (sampling0) return;
      sampling0 = true;
      postgres
        .sample()
        .catch(() => {}) // a missed sample only loses a backend's last 200 ms
        .finally(() => (sampling0 = false));
    }, 200);
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
    const load1 = loadavg()[0]!;
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
      postgres: await postgres.read(),
    };
    const full = await timedRun(pool, start);
    const cpu1 = {
      worker: workerCpu(),
      emulator: cpuSeconds(emulatorPid),
      postgres: await postgres.read(),
    };
    const load2 = loadavg()[0]!;
    const peaks = workerPids.map(peakRssMb);
    const { rows: countRows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM claims`);
    const eobs = countRows[0]!.n;
    if (fetchedEobs !== eobs)
      throw new Error(`fetch-only saw ${fetchedEobs} EOBs but the sync stored ${eobs}`);

    // ---- phase 3: write-only limit ---------------------------------------------------------
    say('phase 3: write-only limit (the same final rows COPYed into an empty copy of the schema)');
    const extracted = await extractRows(dbUrl);
    let writeOnlySeconds: number;
    const writeCpu0 = { driver: process.cpuUsage(), postgres: await postgres.read() };
    try {
      writeOnlySeconds = await loadRows(withDatabase(options.databaseUrl, copyDb), extracted.tables);
    } finally {
      await extracted.remove();
    }
    const writeDriver = process.cpuUsage(writeCpu0.driver);
    const writeOnlyCpu = {
      driver: (writeDriver.user + writeDriver.system) / 1e6,
      postgres: (await postgres.read()) - writeCpu0.postgres,
    };
    const load3 = loadavg()[0]!;

    // ---- phase 3b: the naive baseline --------------------------------------------------------
    say('naive baseline: the same pages, each resource upserted raw with one ORM statement');
    const naiveCpu0 = {
      driver: process.cpuUsage(),
      emulator: cpuSeconds(emulatorPid),
      postgres: await postgres.read(),
    };
    const n0 = performance.now();
    const naive = await naiveSync(fhir, tokens, withDatabase(options.databaseUrl, naiveDb));
    const naiveSeconds = (performance.now() - n0) / 1000;
    const naiveDriver = process.cpuUsage(naiveCpu0.driver);
    const naiveCpu = {
      driver: (naiveDriver.user + naiveDriver.system) / 1e6,
      emulator: cpuSeconds(emulatorPid) - naiveCpu0.emulator,
      postgres: (await postgres.read()) - naiveCpu0.postgres,
    };
    const load4 = loadavg()[0]!;
    if (naive.eobs !== eobs) throw new Error(`the naive baseline stored ${naive.eobs} EOBs, not ${eobs}`);

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
      naiveSeconds: round(naiveSeconds),
      naiveEobsPerSecond: round(eobs / naiveSeconds),
      naiveCpuSeconds: {
        driver: round(naiveCpu.driver),
        emulator: round(naiveCpu.emulator),
        postgres: round(naiveCpu.postgres),
      },
      speedupVsNaive: round(naiveSeconds / full.seconds, 3),
      cpuMsPerEob: {
        fullSync: perEob(
          {
            worker: cpu1.worker - cpu0.worker,
            emulator: cpu1.emulator - cpu0.emulator,
            postgres: cpu1.postgres - cpu0.postgres,
          },
          eobs,
        ),
        fetchOnly: perEob(fetchOnlyCpu, fetchedEobs),
        writeOnly: perEob(writeOnlyCpu, eobs),
        naive: perEob(naiveCpu, eobs),
      },
      loadAverage: {
        fetchOnly: round(load1),
        fullSync: round(load2),
        writeOnly: round(load3),
        naive: round(load4),
      },
      noChangeSeconds: round(same.seconds),
      noChangeRequestsPerUser: round(noChangeRequests / options.users, 3),
      noChangeRowsWritten: same.run.rows_written,
      incrementalSeconds: round(incremental.seconds),
      incrementalRequests,
      incrementalResourcesChanged: incremental.run.resources_changed,
    };
  } finally {
    if (sampler) clearInterval(sampler);
    await sampling.end().catch(() => {});
    await Promise.all(workers.map(stop));
    await stop(emulator);
    // The bench's queues go with it, whether it finished or failed.
    if (queues) {
      await queues.sync.obliterate({ force: true }).catch(() => {});
      await queues.runs.obliterate({ force: true }).catch(() => {});
      await queues.maintenance.obliterate({ force: true }).catch(() => {});
      await queues.close();
    }
    redis.disconnect();
    await pool.end();
    await dropDatabase(withDatabase(options.databaseUrl, copyDb)).catch(() => {});
    await dropDatabase(withDatabase(options.databaseUrl, naiveDb)).catch(() => {});
    await dropDatabase(withDatabase(options.databaseUrl, options.database)).catch(() => {});
  }
}

function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
