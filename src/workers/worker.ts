/**
 * The BullMQ glue: workers that run the job handlers of src/jobs, the mapping of our errors onto
 * BullMQ's retry semantics, the nightly Job Scheduler, and graceful shutdown. This is the only
 * place that knows BullMQ; the handlers are plain functions.
 */
import { DelayedError, UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import { duplicateConnection, type RedisClient } from './redis.ts';

import type { Config } from '../config.ts';
import type { Pool } from '../db/client.ts';
import { addRequestCounts } from '../db/request-counts.ts';
import { recordMemberOutcome } from '../db/runs.ts';
import { AppInactiveError, classifyError, isTransient, RateLimitedError } from '../errors.ts';
import type { ApplicationProbe } from '../bluebutton/oauth.ts';
import type { RequestCounter } from '../bluebutton/request-counter.ts';
import { probeTransactionTime, type ProbeResult } from '../jobs/bfd-probe.ts';
import { START_RUN_JOB, startRun, type StartRunPayload } from '../jobs/start-run.ts';
import {
  syncEnrollment,
  type SyncDeps,
  type SyncEnrollmentPayload,
  type SyncJobContext,
} from '../jobs/sync-enrollment.ts';
import { EnrollmentBusyError, SyncInterruptedError } from '../jobs/sync-errors.ts';
import type { Logger } from '../logger.ts';
import { createAppInactiveGuard, type AppInactiveGuard } from './app-inactive.ts';
import { createFeeder } from './feeder.ts';
import { startMaintenance } from './maintenance.ts';
import { createQueues, QUEUE_NAMES, runJobOptions, SCHEDULER_ID, type Queues } from './queues.ts';

export interface WorkerDeps {
  config: Config;
  log: Logger;
  pool: Pool;
  /** The workers' own connection (BullMQ blocks on it). */
  connection: RedisClient;
  sync: Omit<SyncDeps, 'log'>;
  requestCounter: RequestCounter;
  concurrency: number;
  /** Upsert the nightly scheduler (default true). */
  schedule?: boolean;
  /** Finishes an unenroll left `revoking` (the janitor's last duty). */
  finishUnenroll: (enrollmentId: string) => Promise<unknown>;
  /** Asks BB2 whether it accepts the application again, while syncs are paused (OAuthClient.probeApplication). */
  probeApplication: () => Promise<ApplicationProbe>;
  /**
   * Stand-ins for the two handlers that call BB2 (a sync and the transaction-time probe), for the
   * scale simulation's modelled BB2 (scripts/scale-simulate.ts). Production passes none.
   */
  standIns?: { sync?: SyncStandIn; probe?: (known: string | null) => Promise<ProbeResult> };
}

/** A sync job's handler in place of syncEnrollment (it throws as syncEnrollment would). */
export type SyncStandIn = (payload: SyncEnrollmentPayload, ctx: SyncJobContext) => Promise<unknown>;

export interface RunningWorkers {
  queues: Queues;
  close(): Promise<void>;
}

/** Turns what a handler threw into what BullMQ should do with the job. */
async function toBullmq(
  err: unknown,
  job: Job,
  token: string | undefined,
  worker: Worker,
  appInactive: AppInactiveGuard,
): Promise<never> {
  if (err instanceof AppInactiveError) return handBackPaused(err, job, token, worker, appInactive);
  if (err instanceof RateLimitedError) {
    // BB2 said 429: pause this queue for every worker for Retry-After, without spending an attempt.
    await worker.rateLimit(err.retryAfterMs);
    throw Worker.RateLimitError();
  }
  if (err instanceof EnrollmentBusyError) {
    await job.moveToDelayed(Date.now() + 2000 + Math.floor(Math.random() * 2000), token);
    throw new DelayedError();
  }
  if (err instanceof SyncInterruptedError) {
    await job.moveToDelayed(Date.now() + 1000, token);
    throw new DelayedError();
  }
  if (!isTransient(err)) {
    // Re-consent needed, a request BB2 refuses, a statement Postgres refuses, a bug: retrying
    // would not help. The message names the category (and a refused statement's constraint or column).
    const { category, message } = classifyError(err);
    throw new UnrecoverableError(`${category}: ${message}`);
  }
  throw err;
}

/**
 * BB2 refuses the whole application: the alert raised once and the queue paused (app-inactive.ts),
 * the job back in the queue without spending an attempt. If the pause cannot be recorded, the
 * queue is rate limited for a minute instead, so the syncs do not spin.
 */
async function handBackPaused(
  err: AppInactiveError,
  job: Job,
  token: string | undefined,
  worker: Worker,
  appInactive: AppInactiveGuard,
): Promise<never> {
  try {
    await appInactive.met(err);
  } catch {
    await worker.rateLimit(60_000);
    throw Worker.RateLimitError();
  }
  await job.moveToWait(token);
  throw new WaitingError();
}

export async function startWorkers(deps: WorkerDeps): Promise<RunningWorkers> {
  const { config, log } = deps;
  // BullMQ never closes connections it is given: these are ours to close on shutdown.
  const queueConnection = duplicateConnection(deps.connection);
  const runsConnection = duplicateConnection(deps.connection);
  const queues = createQueues(queueConnection, config.queuePrefix);
  const feeder = createFeeder({ pool: deps.pool, queues, config, log });
  const appInactive = createAppInactiveGuard({
    pool: deps.pool,
    syncQueue: queues.sync,
    log,
    probe: deps.probeApplication,
    probeEveryMs: config.sync.appInactiveProbeMs,
  });
  const syncWorker = createSyncWorker(deps, appInactive);
  const runsWorker = createRunsWorker(deps, runsConnection, feeder);
  for (const worker of [syncWorker, runsWorker]) {
    worker.on('error', (err) => {
      // A lost Redis connection fails every command until it is back: the command that made the
      // connection reports it once per reconnect attempt instead (src/commands/reach.ts).
      if (classifyError(err).category === 'network') return;
      log.error({ err: { message: err.message } }, 'worker error');
    });
  }

  if (deps.schedule !== false) await ensureScheduler(queues, config, log);
  const maintenance = await startMaintenance({
    config,
    log,
    pool: deps.pool,
    connection: deps.connection,
    syncQueue: queues.sync,
    finishUnenroll: deps.finishUnenroll,
  });
  const ticks = startTicks(deps, feeder, appInactive);

  let closing: Promise<void> | undefined;
  return {
    queues,
    close() {
      closing ??= (async () => {
        await ticks.stop();
        await drainWorkers(syncWorker, runsWorker, config, log);
        await maintenance.close();
        await ticks.flushCounts();
        await queues.close();
        queueConnection.disconnect();
        runsConnection.disconnect();
        log.info('workers stopped');
      })();
      return closing;
    },
  };
}

/** The worker of sync jobs: each runs syncEnrollment (or the stand-in); its errors become BullMQ's. */
function createSyncWorker(deps: WorkerDeps, appInactive: AppInactiveGuard): Worker {
  const { config, log } = deps;
  const sync: SyncStandIn =
    deps.standIns?.sync ?? ((payload, ctx) => syncEnrollment({ ...deps.sync, log }, payload, ctx));
  const syncWorker: Worker = new Worker<SyncEnrollmentPayload>(
    QUEUE_NAMES.sync,
    async (job, token, signal) => {
      try {
        return await sync(job.data, {
          jobId: job.id!,
          attempt: job.attemptsMade + 1,
          maxAttempts: job.opts.attempts ?? 1,
          signal,
        });
      } catch (err) {
        return toBullmq(err, job, token, syncWorker, appInactive);
      }
    },
    {
      connection: deps.connection,
      prefix: config.queuePrefix,
      concurrency: deps.concurrency,
      lockDuration: config.sync.lockDurationMs,
      stalledInterval: config.sync.lockDurationMs,
      // A job whose worker died twice is given up (a third worker death is not a coincidence).
      maxStalledCount: 2,
      // Needed for worker.rateLimit(); the real request limit is the Redis limiter per request.
      limiter: { max: 100_000, duration: 1000 },
      // A job that keeps getting rate limited or stalled eventually fails instead of looping.
      maxStartedAttempts: config.sync.attempts * 20,
    },
  );
  syncWorker.on('failed', (job, err) => {
    if (job) recordFailedForGood(deps, job, err);
  });
  return syncWorker;
}

/**
 * A job can also fail without its handler having the last word: it stalled too often (its worker
 * kept dying) or was started too many times. Its run must still learn the outcome, or the run
 * would never finish. Recording an outcome is idempotent, so this is always safe.
 */
function recordFailedForGood(deps: WorkerDeps, job: Job<SyncEnrollmentPayload>, err: Error): void {
  const { log } = deps;
  const runId = job.data.runId;
  if (!runId) return;
  void (async () => {
    if (!(await job.isFailed())) return; // a retry is coming
    await recordMemberOutcome(deps.pool, runId, job.data.enrollmentId, 'failed', {
      requests: 0,
      resourcesChanged: 0,
      rowsWritten: 0,
      resourcesRemoved: 0,
    });
    log.warn(
      { jobId: job.id, enrollmentId: job.data.enrollmentId, error: err.message },
      'sync job failed for good',
    );
  })().catch((recordErr: unknown) =>
    // The janitor finishes the run later if this outcome is never recorded.
    log.error(
      { ...classifyError(recordErr), jobId: job.id, enrollmentId: job.data.enrollmentId },
      'could not record a failed sync in its run',
    ),
  );
}

/** The worker of start-run jobs (the nightly scheduler's, `bbsync sync`'s), one at a time. */
function createRunsWorker(
  deps: WorkerDeps,
  connection: RedisClient,
  feeder: ReturnType<typeof createFeeder>,
): Worker {
  const { config, log } = deps;
  const probe = deps.standIns?.probe ?? ((known) => probeTransactionTime({ ...deps.sync, log }, known));
  return new Worker<StartRunPayload>(
    QUEUE_NAMES.runs,
    async (job) => {
      const run = await startRun(
        { pool: deps.pool, log, probe, reconcileEvery: config.sync.fullEvery, feed: () => feeder.feed() },
        job.data,
        { jobId: job.id!, createdAt: new Date(job.timestamp) },
      );
      return { runId: run.run_id, enrollments: run.enrollments_total };
    },
    { connection, prefix: config.queuePrefix, concurrency: 1 },
  );
}

/**
 * What every worker process does on a timer: store its request counts (every 10 s), feed the
 * queue (SYNC_FEED_INTERVAL_MS; the advisory lock lets one process feed at a time), and keep an
 * inactive application's pause and probe (app-inactive.ts).
 */
function startTicks(
  deps: WorkerDeps,
  feeder: ReturnType<typeof createFeeder>,
  appInactive: AppInactiveGuard,
): { flushCounts(): Promise<void>; stop(): Promise<void> } {
  const { config, log } = deps;
  const flushCounts = async () => {
    const counts = deps.requestCounter.drain();
    await addRequestCounts(deps.pool, counts).catch((err: unknown) =>
      log.warn({ err: { message: (err as Error).message } }, 'could not store request counts'),
    );
  };
  const countsTimer = setInterval(() => void flushCounts(), 10_000);
  countsTimer.unref();
  const feed = () => {
    if (feeder.busy()) return;
    feeder.feed().catch((err: unknown) => {
      if (classifyError(err).category === 'network') return;
      log.warn({ err: { message: (err as Error).message } }, 'feeder pass failed; the next one retries');
    });
  };
  const feedTimer = setInterval(feed, config.sync.feedIntervalMs);
  feedTimer.unref();
  feed();
  const appInactiveTicks = appInactive.startTicking(config.sync.feedIntervalMs);
  return {
    flushCounts,
    async stop() {
      clearInterval(countsTimer);
      clearInterval(feedTimer);
      await appInactiveTicks.stop();
    },
  };
}

/**
 * Shutdown: no new jobs; running syncs get SYNC_SHUTDOWN_GRACE_MS to finish, then stop between
 * pages (their progress is committed) and go back to the queue.
 */
async function drainWorkers(syncWorker: Worker, runsWorker: Worker, config: Config, log: Logger) {
  log.info(
    { graceMs: config.sync.shutdownGraceMs },
    'workers stopping: no new jobs; letting running syncs finish',
  );
  const closed = Promise.all([syncWorker.close(), runsWorker.close()]);
  const inTime = await Promise.race([
    closed.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), config.sync.shutdownGraceMs).unref()),
  ]);
  if (inTime) return;
  log.warn('grace period over: interrupting running syncs');
  syncWorker.cancelAllJobs('shutdown');
  await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000).unref())]);
  await Promise.all([syncWorker.close(true), runsWorker.close(true)]);
}

/**
 * The nightly run: a BullMQ Job Scheduler, upserted at start-up. Every worker does this, so it is
 * only written when missing or different (an upsert replaces the whole template).
 */
export async function ensureScheduler(queues: Queues, config: Config, log: Logger): Promise<void> {
  const existing = await queues.runs.getJobScheduler(SCHEDULER_ID);
  if (existing && existing.pattern === config.sync.cron && (existing.tz ?? 'UTC') === config.sync.tz) return;
  await queues.runs.upsertJobScheduler(
    SCHEDULER_ID,
    { pattern: config.sync.cron, tz: config.sync.tz },
    {
      name: START_RUN_JOB,
      data: { trigger: 'scheduled' } satisfies StartRunPayload,
      opts: runJobOptions(config),
    },
  );
  log.info({ cron: config.sync.cron, tz: config.sync.tz }, 'nightly sync scheduled');
}
