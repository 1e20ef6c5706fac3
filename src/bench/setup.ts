/**
 * The benchmark's stage: its databases, the emulator child, the enrolled users, the worker
 * children, and the sampler that meters the Postgres backends. run-bench.ts drives the phases on it.
 */
import pg from 'pg';

import { createFhirClient, type FhirClient } from '../bluebutton/fhir-reads.ts';
import { makeGetText } from '../bluebutton/http.ts';
import { loadConfig, type Config } from '../config.ts';
import type { RedisTarget } from '../config/redis-target.ts';
import { createPool, withDatabase, type Pool } from '../db/client.ts';
import { dropDatabase, ensureDatabase, migrateDatabase } from '../db/migrate.ts';
import { enrollSynthetic, syntheticLogin } from '../emulator-client/synthetic-enrollment.ts';
import type { Logger } from '../logger.ts';
import { buildBb2Services } from '../services.ts';
import { createQueues } from '../workers/queues.ts';
import { connectOrExplain, redisConnection, type RedisClient } from '../workers/redis.ts';
import { spawnBbsync, stop, waitForOutput, type Child } from './children.ts';
import { prepareNaive } from './naive.ts';
import { cpuSeconds, PostgresBackendMeter } from './proc.ts';

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

/** The driver's own pool (polling for a run's end) is left out of the Postgres CPU by this name. */
const BENCH_APP = 'bbsync-bench';

/** What the phases share; `close()` stops and drops everything the bench started or created. */
export class BenchStage {
  readonly dbUrl: string;
  readonly copyDb: string;
  readonly naiveDb: string;
  readonly queuePrefix = `bbsync-bench-${process.pid}`;
  readonly pool: Pool;
  readonly redisTarget: RedisTarget;
  readonly redis: RedisClient;
  readonly sampling: pg.Client;
  readonly workers: Child[] = [];
  emulator: Child | undefined;
  emulatorUrl = '';
  queues: ReturnType<typeof createQueues> | undefined;
  postgres: PostgresBackendMeter | undefined;
  #sampler: NodeJS.Timeout | undefined;

  constructor(readonly options: BenchOptions) {
    this.dbUrl = withDatabase(options.databaseUrl, options.database);
    this.copyDb = `${options.database}_copy`;
    this.naiveDb = `${options.database}_naive`;
    this.pool = createPool(this.dbUrl, { max: 20, applicationName: BENCH_APP });
    this.redisTarget = { kind: 'standalone', url: options.redisUrl };
    this.redis = redisConnection(this.redisTarget, { failFast: true });
    this.sampling = new pg.Client({ connectionString: withDatabase(options.databaseUrl, 'postgres') });
  }

  url(database: string): string {
    return withDatabase(this.options.databaseUrl, database);
  }

  get emulatorPid(): number {
    return this.emulator!.process.pid!;
  }

  /** `node --cpu-prof` for the children, each kind into its own folder. */
  profileArgs(kind: string): string[] {
    const dir = this.options.profileDir;
    return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}/${kind}`] : [];
  }

  /** Empty databases (the synced one, its copy for the write-only load, the naive one), Redis. */
  async prepare(): Promise<void> {
    const { options } = this;
    await recreateDatabase(options.databaseUrl, options.database);
    await recreateDatabase(options.databaseUrl, this.copyDb);
    await dropDatabase(this.url(this.naiveDb));
    await ensureDatabase(this.url(this.naiveDb));
    await prepareNaive(this.url(this.naiveDb));
    await this.sampling.connect();
    await connectOrExplain(this.redis, this.redisTarget);
  }

  async startEmulator(): Promise<void> {
    const { options } = this;
    const args = ['emulator', '--port', '0', '--users', String(options.users)];
    args.push('--seed', String(options.seed), '--page-cache-mb', '4096');
    this.emulator = spawnBbsync(args, { LOG_LEVEL: 'warn' }, this.profileArgs('emulator'));
    this.emulatorUrl = (await waitForOutput(this.emulator, /BB2 emulator listening on (\S+)/, 30_000))[1]!;
  }

  /** The worker's environment (and the driver's configuration) against the emulator. */
  workerEnv(): Record<string, string> {
    return {
      NODE_ENV: 'production',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'warn',
      DATABASE_URL: this.dbUrl,
      REDIS_URL: this.options.redisUrl,
      QUEUE_PREFIX: this.queuePrefix,
      BB2_BASE_URL: this.emulatorUrl,
      BB2_CLIENT_ID: 'bbsync-local',
      BB2_CLIENT_SECRET: 'bbsync-local-secret',
      BB2_REDIRECT_URI: 'http://127.0.0.1:3000/enroll/callback',
      TOKEN_ENCRYPTION_KEY: `bench:${Buffer.alloc(32, 3).toString('base64')}`,
      BB2_MAX_REQUESTS_PER_SECOND: '10000',
      SYNC_CONCURRENCY: String(this.options.concurrency),
    };
  }

  /**
   * Enrolls every user through the emulator's OAuth forms, 16 at a time; resolves to the driver's
   * configuration, a FHIR client like the worker's, and each user's access token.
   */
  async enrollAll(): Promise<{ config: Config; fhir: FhirClient; tokens: string[] }> {
    const { options } = this;
    const config = loadConfig(this.workerEnv());
    const services = buildBb2Services(config, options.log, this.pool);
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
    const fhir = createFhirClient({
      baseUrl: config.bb2.baseUrl,
      pageSize: config.bb2.pageSize,
      getText: makeGetText({ timeoutMs: config.bb2.requestTimeoutMs }),
    });
    const tokens: string[] = [];
    for (const id of ids) tokens.push((await services.vault.getAccessToken(id)).accessToken);
    return { config, fhir, tokens };
  }

  #checkpointRefused = false;

  /**
   * A CHECKPOINT before a timed phase that writes (untimed), so that every such phase starts with
   * no dirty buffers and no WAL towards the next checkpoint. An N=500 phase writes about 185 MB of
   * WAL and Postgres, by default, checkpoints about every 540 MB: without this, a checkpoint fell in
   * the full sync in one run and in the write-only limit in the next, and `limitRatio` moved by a
   * third with it (docs/performance.md, session 15). Needs superuser or pg_checkpoint; refused, it
   * says so once and the phases run as they come.
   */
  async checkpoint(): Promise<void> {
    if (this.#checkpointRefused) return;
    try {
      await this.pool.query('CHECKPOINT');
    } catch (err) {
      this.#checkpointRefused = true;
      this.options.say(
        `could not CHECKPOINT before the timed phases (${(err as Error).message}): a checkpoint may fall in any phase`,
      );
    }
  }

  /**
   * Meters the Postgres backends of the bench's databases. Backends come and go with connections:
   * it samples every 200 ms so none is missed.
   */
  startMeter(): PostgresBackendMeter {
    const { options } = this;
    const dbs = [options.database, this.copyDb, this.naiveDb];
    const meter = new PostgresBackendMeter(this.sampling, dbs, BENCH_APP);
    let busy = false;
    this.#sampler = setInterval(() => {
      if (busy) return;
      busy = true;
      meter
        .sample()
        .catch(() => {}) // a missed sample only loses a backend's last 200 ms
        .finally(() => (busy = false));
    }, 200);
    this.#sampler.unref();
    this.postgres = meter;
    return meter;
  }

  /** Starts the worker children and the driver's queues; resolves once every worker runs. */
  async startWorkers(): Promise<ReturnType<typeof createQueues>> {
    const { options } = this;
    const args = ['worker', '--concurrency', String(options.concurrency), '--no-schedule'];
    for (let i = 0; i < options.workers; i++) {
      this.workers.push(spawnBbsync(args, this.workerEnv(), this.profileArgs('worker')));
    }
    for (const w of this.workers) await waitForOutput(w, /bbsync worker running/, 60_000);
    this.queues = createQueues(this.redis, this.queuePrefix);
    return this.queues;
  }

  /** CPU seconds the worker children have used so far. */
  workerCpu(): number {
    return this.workers.reduce((sum, w) => sum + cpuSeconds(w.process.pid!), 0);
  }

  /** Stops the children, removes the bench's queues and drops its databases, whatever happened. */
  async close(): Promise<void> {
    if (this.#sampler) clearInterval(this.#sampler);
    await this.sampling.end().catch(() => {});
    await Promise.all(this.workers.map(stop));
    await stop(this.emulator);
    if (this.queues) {
      await this.queues.sync.obliterate({ force: true }).catch(() => {});
      await this.queues.runs.obliterate({ force: true }).catch(() => {});
      await this.queues.maintenance.obliterate({ force: true }).catch(() => {});
      await this.queues.close();
    }
    this.redis.disconnect();
    await this.pool.end();
    for (const db of [this.copyDb, this.naiveDb, this.options.database]) {
      await dropDatabase(this.url(db)).catch(() => {});
    }
  }
}

async function recreateDatabase(serverUrl: string, name: string): Promise<void> {
  await dropDatabase(withDatabase(serverUrl, name));
  await migrateDatabase(withDatabase(serverUrl, name));
}
