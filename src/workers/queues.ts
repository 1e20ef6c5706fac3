/**
 * Queue names, Redis connections and job options: everything BullMQ-specific that producers
 * (the CLI, the dashboard) and workers share.
 */
import { Queue, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';

import type { Config } from '../config.ts';

/**
 * `sync`: one job per enrollment sync. `runs`: fan-out jobs that start a run (and the nightly
 * scheduler). `maintenance`: the janitor and retention.
 */
export const QUEUE_NAMES = { sync: 'sync', runs: 'runs', maintenance: 'maintenance' } as const;

export const SCHEDULER_ID = 'nightly-sync';

/**
 * A connection for workers (blocking commands; BullMQ needs maxRetriesPerRequest null), or, with
 * `failFast`, for producers that should report a down Redis at once instead of queueing commands.
 */
export function redisConnection(url: string, options: { failFast?: boolean } = {}): Redis {
  const connection = new Redis(url, {
    maxRetriesPerRequest: options.failFast ? 1 : null,
    enableOfflineQueue: !options.failFast,
    lazyConnect: Boolean(options.failFast),
    connectTimeout: options.failFast ? 3000 : 10_000,
    connectionName: 'bbsync',
  });
  // Without a listener ioredis prints "[ioredis] Unhandled error event" and a stack trace for
  // every failed reconnect. Commands check Redis before they start and watch it (watchRedis).
  connection.on('error', () => {});
  return connection;
}

/** Connects a fail-fast connection, with a message that says what to do when Redis is not there. */
export async function connectOrExplain(connection: Redis, url: string): Promise<void> {
  try {
    await connection.connect();
  } catch (err) {
    connection.disconnect();
    throw new Error(
      `cannot reach Redis at ${url} (${(err as Error).message}); start it (e.g. \`docker compose up -d\`) or set REDIS_URL`,
    );
  }
}

export interface Queues {
  sync: Queue;
  runs: Queue;
  /** The janitor and retention (workers/maintenance.ts). */
  maintenance: Queue;
  close(): Promise<void>;
}

export function createQueues(connection: Redis, prefix: string): Queues {
  const options = { connection, prefix, streams: { events: { maxLen: 5000 } } };
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
