import { createFhirClient } from '../bluebutton/fhir-reads.ts';
import { RequestCounter } from '../bluebutton/request-counter.ts';
import { makeFailpoint } from '../failpoints.ts';
import { createWriteQueue } from '../db/write-queue.ts';
import { requireBb2Client, requireTokenKeys } from '../config.ts';
import { createPageReader } from '../workers/page-threads.ts';
import { createRequestLimiter } from '../workers/request-limiter.ts';
import { redisConnection } from '../workers/redis.ts';
import type { Config } from '../config.ts';
import { createPool, type Pool } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { startWorkers, type RunningWorkers } from '../workers/worker.ts';
import { commandContext } from './command-config.ts';
import { openDatabase, pipelinePoolOptions } from './database.ts';
import { checkRedis, watchRedis } from './reach.ts';
import { buildBb2Services } from '../services.ts';
import { finishUnenroll } from '../enrollment/unenroll.ts';

/** Connections and services a worker process runs on, built from the configuration. */
export async function assembleWorkers(
  config: Config,
  log: Logger,
  pool: Pool,
  options: { concurrency: number; schedule?: boolean },
): Promise<
  RunningWorkers & {
    /** How often this process's requests waited for the shared limiter (BB2's budget, our window). */
    limiterWaits(): { budget: number; window: number };
    stop(): Promise<void>;
  }
> {
  const connection = redisConnection(config.redis);
  const limiterConnection = redisConnection(config.redis);
  watchRedis(connection, log, config.redis);
  const requestCounter = new RequestCounter();
  // Page writes have connections of their own, as many as may write at once: the COPY work then
  // runs in backends that stay warm (their page tables already map the shared buffers they touch,
  // their caches are built), not spread over every connection of the main pool. Postgres CPU per
  // EOB -25% in the full sync (docs/performance.md, "Page writes on connections of their own").
  const writePool = createPool(config.databaseUrl, {
    max: config.sync.dbWriters,
    applicationName: 'bbsync-writer',
    ...pipelinePoolOptions(config, log),
  });
  const pageReader = createPageReader(config.sync.parseThreads);
  const limiter = createRequestLimiter(limiterConnection, {
    maxPerSecond: config.bb2.maxRequestsPerSecond,
    prefix: config.queuePrefix,
    maxWaitMs: config.bb2.rateLimitMaxWaitMs,
  });
  const services = buildBb2Services(config, log, pool, {
    beforeRequest: limiter,
    onResponse: (endpoint, status) => requestCounter.record(endpoint, status),
    onRateLimit: limiter.observe,
  });
  const workers = await startWorkers({
    config,
    log,
    pool,
    connection,
    requestCounter,
    concurrency: options.concurrency,
    schedule: options.schedule,
    probeApplication: () => services.oauth.probeApplication(),
    finishUnenroll: (enrollmentId) =>
      finishUnenroll({ pool, log, vault: services.vault, oauth: services.oauth }, enrollmentId, {
        resumed: true,
      }),
    sync: {
      pool,
      vault: services.vault,
      fhir: createFhirClient({
        baseUrl: config.bb2.baseUrl,
        pageSize: config.bb2.pageSize,
        getText: services.getText,
        apiVersion: config.bb2.apiVersion,
        v3EobSources: config.bb2.v3EobSources,
      }),
      reconcileMaxDeleteShare: config.sync.reconcileMaxDeleteShare,
      maxPagesPerWalk: config.bb2.maxPagesPerWalk,
      failpoint: makeFailpoint(config.failpoints),
      writeBatch: createWriteQueue(writePool, { writers: config.sync.dbWriters }),
      readPage: pageReader.read,
      releasePage: pageReader.release,
      oneTime: config.bb2.dataAccessType === 'ONE_TIME',
    },
  });
  return {
    ...workers,
    limiterWaits: limiter.waits,
    async stop() {
      await workers.close();
      await pageReader.close();
      await writePool.end();
      connection.disconnect();
      limiterConnection.disconnect();
    },
  };
}

/** Services try a few times at start (a container may come up a moment after them). */
export const SERVICE_START_ATTEMPTS = 3;

export async function runWorker(options: { concurrency?: number; schedule?: boolean }): Promise<void> {
  const { config, log } = commandContext({ service: true });
  requireBb2Client(config);
  requireTokenKeys(config);
  const concurrency = options.concurrency ?? config.sync.concurrency;
  const say = (line: string) => process.stderr.write(`bbsync: ${line}\n`);
  // Each running sync holds one connection for its lock and uses up to two more; page writes have
  // SYNC_DB_WRITERS connections of their own (assembleWorkers).
  const pool = await openDatabase(config.databaseUrl, {
    max: Math.max(config.databasePoolSize, concurrency * 3 + 2),
    applicationName: 'bbsync-worker',
    ...pipelinePoolOptions(config, log),
    attempts: SERVICE_START_ATTEMPTS,
    say,
  });
  // Before consuming: a worker that cannot reach Redis says so once and exits, instead of
  // logging connection errors forever.
  await checkRedis(config.redis, { attempts: SERVICE_START_ATTEMPTS, say }).catch(async (err: unknown) => {
    await pool.end();
    throw err;
  });
  const workers = await assembleWorkers(config, log, pool, { concurrency, schedule: options.schedule });
  log.info(
    { concurrency, bb2: config.bb2.baseUrl, maxRequestsPerSecond: config.bb2.maxRequestsPerSecond },
    'worker started',
  );
  process.stderr.write(`bbsync worker running (concurrency ${concurrency}); Ctrl-C to stop\n`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await workers.stop();
  await pool.end();
}
