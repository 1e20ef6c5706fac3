/**
 * Queue names and job options: everything BullMQ-specific that producers
 * (the CLI, the dashboard) and workers share.
 */
import { Queue, type JobsOptions } from 'bullmq';

import type { Config } from '../config.ts';
import { hashTagged } from '../config/redis-target.ts';
import type { RedisClient } from './redis.ts';

/**
 * `sync`: one job per enrollment sync. `runs`: fan-out jobs that start a run (and the nightly
 * scheduler). `maintenance`: the janitor and retention.
 */
export const QUEUE_NAMES = { sync: 'sync', runs: 'runs', maintenance: 'maintenance' } as const;

export const SCHEDULER_ID = 'nightly-sync';

/** The BullMQ job states the dashboard and /metrics count, in the order they show them. */
export const JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'completed',
  'failed',
] as const;

export interface Queues {
  sync: Queue;
  runs: Queue;
  /** The janitor and retention (workers/maintenance.ts). */
  maintenance: Queue;
  close(): Promise<void>;
}

/** The queues under `prefix`, hash-tagged (`{bbsync}`) so that BullMQ works on a Redis Cluster. */
export function createQueues(connection: RedisClient, prefix: string): Queues {
  const options = { connection, prefix: hashTagged(prefix), streams: { events: { maxLen: 5000 } } };
  const sync = new Queue(QUEUE_NAMES.sync, options);
  const runs = new Queue(QUEUE_NAMES.runs, options);
  const maintenance = new Queue(QUEUE_NAMES.maintenance, options);
  // Queue errors (a Redis hiccup) must not crash the process; BullMQ reconnects.
  for (const q of [sync, runs, maintenance]) q.on('error', () => {});
  return {
    sync,
    runs,
    maintenance,
    close: async () => {
      await Promise.all([sync.close(), runs.close(), maintenance.close()]);
    },
  };
}

/**
 * Retries with exponential backoff and jitter for transient failures; finished jobs are kept a
 * while for the queue view, then removed (Redis is not the record: Postgres is).
 */
export function syncJobOptions(config: Config): JobsOptions {
  return {
    attempts: config.sync.attempts,
    backoff: { type: 'exponential', delay: config.sync.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 24 * 3600, count: 20_000 },
    removeOnFail: { age: 14 * 24 * 3600, count: 50_000 },
  };
}

export function runJobOptions(config: Config): JobsOptions {
  return {
    attempts: 5,
    backoff: { type: 'exponential', delay: config.sync.backoffMs, jitter: 0.5 },
    removeOnComplete: { age: 30 * 24 * 3600, count: 1000 },
    removeOnFail: { age: 30 * 24 * 3600, count: 1000 },
  };
}
