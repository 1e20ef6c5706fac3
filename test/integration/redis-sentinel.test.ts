/**
 * Issue 18: bbsync on a Redis Sentinel group (REDIS_SENTINELS + REDIS_SENTINEL_NAME), live: a real
 * primary, replica and Sentinel started by test/helpers/redis-sentinel.ts. A run goes through the
 * BullMQ queues with a `bbsync worker` process that finds the primary through the Sentinel, and a
 * queue keeps working through a failover on connections made by the one factory
 * (src/workers/redis.ts), as a worker's would.
 */
import { randomBytes } from 'node:crypto';

import { Queue, Worker } from 'bullmq';
import { beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config.ts';
import { hashTagged } from '../../src/config/redis-target.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { redisConnection, type RedisClient } from '../../src/workers/redis.ts';
import { startTestEmulator } from '../helpers/bb2.ts';
import { sentinelMissing, startSentinelGroup, type SentinelGroup } from '../helpers/redis-sentinel.ts';
import { expectRunThroughQueues } from '../helpers/redis-checks.ts';

const missing = await sentinelMissing();
if (missing) {
  if (process.env.CI) throw new Error(`bbsync tests: the Redis Sentinel tests ${missing}`);
  console.log(`bbsync tests: Redis Sentinel tests skipped: they ${missing}`);
}

describe.skipIf(missing !== undefined)('bbsync on a Redis Sentinel group', () => {
  let group: SentinelGroup;
  let env: Record<string, string>;
  const connections: RedisClient[] = [];
  beforeAll(async () => {
    group = await startSentinelGroup();
    env = { REDIS_SENTINELS: group.sentinels, REDIS_SENTINEL_NAME: group.name };
    return async () => {
      for (const c of connections.splice(0)) c.disconnect();
      await group.stop();
    };
  });

  it('syncs a run through BullMQ with a worker process that finds the primary through the Sentinel', async () => {
    const emulator: RunningEmulator = await startTestEmulator({ users: 3, seed: 18 });
    try {
      await expectRunThroughQueues(emulator, env, 'sentinel');
    } finally {
      await emulator.close();
    }
  });

  it('keeps a queue and its worker working through a failover to the replica', async () => {
    const target = loadConfig(env).redis;
    const producer = redisConnection(target, { name: 'bbsync-test-producer' });
    const consumer = redisConnection(target, { name: 'bbsync-test-worker' });
    connections.push(producer, consumer);
    const prefix = hashTagged(`bbsync-test-sentinel-${randomBytes(4).toString('hex')}`);
    const queue = new Queue('failover', { connection: producer, prefix });
    const done: string[] = [];
    const worker = new Worker(
      'failover',
      async (job) => {
        done.push(String(job.data.n));
      },
      { connection: consumer, prefix },
    );
    worker.on('error', () => {});
    try {
      await queue.add('before', { n: 'before' });
      await expect.poll(() => done, { timeout: 30_000, interval: 100 }).toContain('before');

      const oldPrimary = await group.primaryPort();
      const newPrimary = await group.failover();
      expect(newPrimary).toBe(group.replicaPort);
      expect(newPrimary).not.toBe(oldPrimary);

      // The producer's next write lands on the new primary (the old one is a read-only replica
      // now): the connection asked the Sentinel again instead of failing for good.
      await expect
        .poll(
          async () => {
            try {
              await queue.add('after', { n: 'after' });
              return true;
            } catch {
              return false;
            }
          },
          { timeout: 60_000, interval: 500 },
        )
        .toBe(true);
      await expect.poll(() => done, { timeout: 60_000, interval: 200 }).toContain('after');
      expect(await queue.getJobCountByTypes('completed')).toBeGreaterThanOrEqual(2);
    } finally {
      await worker.close(true);
      await queue.close();
    }
  });
});
