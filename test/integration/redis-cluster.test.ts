/**
 * Issue 18: everything bbsync keeps in Redis works on a real 3-node Redis Cluster (started by the
 * test setup, test/helpers/redis-cluster.ts): the BullMQ queues a run goes through, with a
 * `bbsync worker` process that builds its connection from REDIS_CLUSTER_NODES; the shared BB2
 * request limiter; dashboard sessions and login counters. They work because every key carries the
 * deployment's hash tag (`{prefix}`); without it the same MULTI fails with CROSSSLOT.
 */
import { randomBytes } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { loadConfig } from '../../src/config.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { DEFAULT_LOGIN_LIMITS, LoginThrottle } from '../../src/server/dashboard/login-throttle.ts';
import { SessionStore } from '../../src/server/dashboard/session.ts';
import { hashTagged, type RedisTarget } from '../../src/config/redis-target.ts';
import { redisConnection, type RedisClient } from '../../src/workers/redis.ts';
import { createRequestLimiter } from '../../src/workers/request-limiter.ts';
import { startTestEmulator } from '../helpers/bb2.ts';
import { expectOneBudgetBetween, expectRunThroughQueues } from '../helpers/redis-checks.ts';

const nodes = inject('redisClusterNodes');
const clusterEnv = { REDIS_CLUSTER_NODES: nodes };
const connections: RedisClient[] = [];

function clusterConnection(): RedisClient {
  const target: RedisTarget = loadConfig(clusterEnv).redis;
  const connection = redisConnection(target);
  connections.push(connection);
  return connection;
}

const freshPrefix = () => hashTagged(`bbsync-test-cluster-${randomBytes(4).toString('hex')}`);
const noTimeout = <T>(p: Promise<T>) => p;

afterAll(() => {
  for (const c of connections.splice(0)) c.disconnect();
});

describe.skipIf(!nodes)('bbsync on a Redis Cluster', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startTestEmulator({ users: 5, seed: 18 });
    return () => emulator.close();
  });

  it('syncs a run through BullMQ queues on the cluster, with a worker process built from REDIS_CLUSTER_NODES', async () => {
    await expectRunThroughQueues(emulator, clusterEnv, 'cluster', async (world) => {
      // Every queue key sits in the one slot of the deployment's hash tag.
      const probe = clusterConnection();
      const slot = (key: string) => probe.call('CLUSTER', 'KEYSLOT', key) as Promise<number>;
      expect(await slot(`${world.config.queuePrefix}:sync:completed`)).toBe(
        await slot(`${world.config.queuePrefix}:runs:meta`),
      );
    });
  });

  it('keeps two request limiters on the cluster under one budget together', async () => {
    const perSecond = 5;
    const prefix = freshPrefix();
    const [a, b] = [0, 1].map(() =>
      createRequestLimiter(clusterConnection(), { maxPerSecond: perSecond, prefix }),
    );
    await expectOneBudgetBetween([a!, b!], perSecond);
  });

  it('keeps dashboard sessions and login counters on the cluster', async () => {
    const redis = clusterConnection();
    const prefix = `${freshPrefix()}:dashboard`;
    const sessions = new SessionStore(redis, prefix, noTimeout);
    const now = Date.now();
    const client = { address: '192.0.2.7', userAgent: 'test' };
    const first = await sessions.create('ops', 'hash-1', client, now);
    const second = await sessions.create('ops', 'hash-1', client, now + 1000);
    expect(await sessions.read(first.sid, { user: 'ops', passwordHash: 'hash-1' }, now + 2000)).toMatchObject(
      {
        user: 'ops',
        handle: first.handle,
      },
    );
    expect((await sessions.list('ops', now + 2000)).map((s) => s.handle)).toEqual([
      second.handle,
      first.handle,
    ]);
    expect(await sessions.revokeAll('ops', { except: second.handle })).toBe(1);
    expect(await sessions.read(first.sid, { user: 'ops', passwordHash: 'hash-1' }, now + 3000)).toBeNull();

    const limits = { ...DEFAULT_LOGIN_LIMITS, perAddress: 2 };
    const throttle = new LoginThrottle(redis, prefix, limits, noTimeout);
    expect(await throttle.attempt('192.0.2.8', 'ops')).toEqual({ allowed: true });
    expect(await throttle.attempt('192.0.2.8', 'ops')).toEqual({ allowed: true });
    expect(await throttle.attempt('192.0.2.8', 'ops')).toMatchObject({ allowed: false, scope: 'address' });
    await throttle.succeeded('192.0.2.8', 'ops');
    expect(await throttle.attempt('192.0.2.8', 'ops')).toEqual({ allowed: true });
  });

  it('refuses the same session write (keys in two slots) when the prefix carries no hash tag', async () => {
    const sessions = new SessionStore(
      clusterConnection(),
      `bbsync-untagged-${randomBytes(4).toString('hex')}`,
      noTimeout,
    );
    await expect(
      sessions.create('ops', 'hash-1', { address: '192.0.2.9', userAgent: 'test' }, Date.now()),
    ).rejects.toThrow(/CROSSSLOT|same slots/);
  });
});
