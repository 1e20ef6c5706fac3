/** Checks every Redis topology's tests make (one server, a Cluster, a Sentinel group). */
import { expect, vi } from 'vitest';

import type { RedisTarget } from '../../src/config/redis-target.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { capturingLogger } from './bb2.ts';
import { createSyncWorld, type SyncWorld } from './sync-world.ts';

/**
 * One sync run of three beneficiaries through the BullMQ queues, with a `bbsync worker` process,
 * on the Redis that `env` names. `inspect` looks at the world before it closes.
 */
export async function expectRunThroughQueues(
  emulator: RunningEmulator,
  env: Record<string, string>,
  kind: RedisTarget['kind'],
  inspect: (world: SyncWorld) => Promise<void> = async () => {},
): Promise<void> {
  const world = await createSyncWorld({
    emulator,
    clientId: 'bbsync-local',
    users: [0, 1, 2],
    log: capturingLogger('info').log,
    label: kind,
    env,
  });
  try {
    expect(world.config.redis.kind).toBe(kind);
    const worker = world.spawnWorker({}, 2);
    const run = await world.run({ timeoutMs: 90_000 });
    expect(run, worker.output()).toMatchObject({
      enrollments_total: 3,
      enrollments_ok: 3,
      enrollments_failed: 0,
    });
    // The run finishes when the last outcome is in Postgres; BullMQ marks that job completed just after.
    await vi.waitFor(async () => expect(await world.queues.sync.getJobCountByTypes('completed')).toBe(3), {
      timeout: 30_000,
      interval: 100,
    });
    await inspect(world);
  } finally {
    await world.close();
  }
}

/**
 * Two request limiters with a budget of `perSecond` share it: 2 x budget + 1 turns taken in turn
 * from both need three one-second windows (the last turn comes at the start of the third at the
 * earliest). Two limiters counting apart (`perSecond` each per window) would be done within two.
 */
export async function expectOneBudgetBetween(
  limiters: readonly [() => Promise<unknown>, () => Promise<unknown>],
  perSecond: number,
): Promise<void> {
  const turns = 2 * perSecond + 1;
  const firstWindow = Math.floor(Date.now() / 1000);
  const granted: number[] = [];
  await Promise.all(
    Array.from({ length: turns }, async (_, i) => {
      await limiters[i % 2]!();
      granted.push(Date.now());
    }),
  );
  expect(granted).toHaveLength(turns);
  expect(Math.floor(Math.max(...granted) / 1000) - firstWindow).toBeGreaterThanOrEqual(2);
}
