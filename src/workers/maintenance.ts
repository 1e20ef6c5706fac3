/**
 * BullMQ glue of the maintenance jobs: the janitor (every JANITOR_EVERY_MS) and retention (daily,
 * when RETENTION_DAYS_AFTER_REVOKE is set), on their own queue so a long sync backlog never
 * delays them. Every worker upserts the two Job Schedulers; BullMQ runs each occurrence once.
 */
import { Queue, Worker } from 'bullmq';

import type { Config } from '../config.ts';
import type { Pool } from '../db/client.ts';
import { classifyError } from '../errors.ts';
import { JANITOR_JOB, runJanitor } from '../jobs/janitor.ts';
import { RETENTION_JOB, runRetention } from '../jobs/retention.ts';
import type { Logger } from '../logger.ts';
import { QUEUE_NAMES } from './queues.ts';
import { duplicateConnection, type RedisClient } from './redis.ts';

/** Retention runs once a day, at a quiet hour (UTC). */
export const RETENTION_CRON = '30 3 * * *';

export interface MaintenanceDeps {
  config: Config;
  log: Logger;
  pool: Pool;
  connection: RedisClient;
  /** The sync queue, to tell whether a run member's job still exists. */
  syncQueue: Queue;
  finishUnenroll: (enrollmentId: string) => Promise<unknown>;
}

export async function startMaintenance(deps: MaintenanceDeps): Promise<{ close(): Promise<void> }> {
  const { config, log } = deps;
  const queueConnection = duplicateConnection(deps.connection);
  const workerConnection = duplicateConnection(deps.connection);
  const queue = new Queue(QUEUE_NAMES.maintenance, {
    connection: queueConnection,
    prefix: config.queuePrefix,
  });
  queue.on('error', (err) =>
    log.warn({ category: 'network', err: { message: err.message } }, 'maintenance queue error'),
  );
  const worker = new Worker(
    QUEUE_NAMES.maintenance,
    async (job) => {
      if (job.name === RETENTION_JOB) {
        return runRetention({ pool: deps.pool, log, daysAfterRevoke: config.retention.daysAfterRevoke });
      }
      return runJanitor({
        pool: deps.pool,
        log,
        finishUnenroll: deps.finishUnenroll,
        // A run younger than one lock duration may still be fanning out or starting its jobs.
        graceMs: config.sync.lockDurationMs,
        historyDays: config.retention.runHistoryDays,
        jobState: async (jobId) => {
          const found = await deps.syncQueue.getJob(jobId);
          return found ? await found.getState() : undefined;
        },
      });
    },
    { connection: workerConnection, prefix: config.queuePrefix, concurrency: 1 },
  );
  worker.on('error', (err) => log.error({ ...classifyError(err) }, 'maintenance worker error'));
  worker.on('failed', (job, err) =>
    log.error({ job: job?.name, ...classifyError(err) }, 'maintenance job failed; its next run tries again'),
  );
  await queue.upsertJobScheduler(
    JANITOR_JOB,
    { every: config.sync.janitorEveryMs },
    { name: JANITOR_JOB, opts: { removeOnComplete: 100, removeOnFail: 100 } },
  );
  if (config.retention.daysAfterRevoke > 0) {
    await queue.upsertJobScheduler(
      RETENTION_JOB,
      { pattern: RETENTION_CRON, tz: 'UTC' },
      { name: RETENTION_JOB, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
  } else {
    await queue.removeJobScheduler(RETENTION_JOB);
  }
  return {
    async close() {
      await worker.close();
      await queue.close();
      queueConnection.disconnect();
      workerConnection.disconnect();
    },
  };
}
