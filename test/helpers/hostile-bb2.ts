/**
 * The set-up hostile-sync.test.ts and hostile-sync-v3.test.ts share: one emulator with a client
 * per world, the worlds (each its own database and queues) closed after the file, one fault at a
 * time failing one enrollment, and the clean world the every-fault-on sync is compared with.
 */
import { afterAll, beforeAll, expect } from 'vitest';

import type { FaultConfig, RunningEmulator } from '../../src/emulator/index.ts';
import { capturingLogger, startTestEmulator } from './bb2.ts';
import { createSyncWorld, type Enrolled, type SyncWorld } from './sync-world.ts';
import { lastError } from './tables.ts';

/** A world of the file: its emulator client, its database label and its environment. */
export interface HostileWorldOptions {
  clientId: string;
  label: string;
  env?: Record<string, string>;
}

export interface HostileBb2 {
  /** The emulator, started before the file's tests. */
  readonly emulator: RunningEmulator;
  /** The log of every world's in-process workers, searched for leaked tokens. */
  readonly captured: ReturnType<typeof capturingLogger>;
  /** A world of `users`, closed after the file. */
  world(options: HostileWorldOptions & { users: readonly number[] }): Promise<SyncWorld>;
  /**
   * Syncs the `user`th enrollment of `world` in full with `faults` on (off again afterwards) and
   * expects it to fail with `category` and a message matching `message`; resolves to it.
   */
  expectFaultFails(
    world: SyncWorld,
    user: number,
    faults: Partial<FaultConfig>,
    expected: { category: string; message: RegExp },
  ): Promise<Enrolled>;
  /**
   * A clean world of `users` synced in full by `workers` in-process workers, then a hostile world
   * of the same users, not synced yet: what expectEveryFaultSyncLikeClean compares.
   */
  cleanThenHostile(options: {
    users: readonly number[];
    workers: number;
    timeoutMs?: number;
    clean: HostileWorldOptions;
    hostile: HostileWorldOptions;
  }): Promise<{ clean: SyncWorld; hostile: SyncWorld }>;
}

/** Registers the file's beforeAll (start the emulator) and afterAll (faults off, close everything). */
export function useHostileBb2(options: {
  clientIds: readonly string[];
  users: number;
  seed: number;
}): HostileBb2 {
  const clients = options.clientIds.map((clientId) => ({
    clientId,
    clientSecret: `${clientId}-secret`,
    redirectUris: [`http://127.0.0.1:3000/${clientId}/callback`],
  }));
  const captured = capturingLogger('info');
  let emulator: RunningEmulator | undefined;
  const worlds: SyncWorld[] = [];

  beforeAll(async () => {
    emulator = await startTestEmulator({ users: options.users, seed: options.seed, clients });
  });
  afterAll(async () => {
    emulator?.setFaults({});
    for (const world of worlds) await world.close();
    await emulator?.close();
  });

  const started = (): RunningEmulator => {
    if (!emulator) throw new Error('the emulator starts in beforeAll');
    return emulator;
  };
  const world: HostileBb2['world'] = async (o) => {
    const created = await createSyncWorld({ ...o, emulator: started(), log: captured.log });
    worlds.push(created);
    return created;
  };

  return {
    get emulator() {
      return started();
    },
    captured,
    world,
    async expectFaultFails(target, user, faults, expected) {
      const enrollment = target.enrolled[user]!;
      started().setFaults(faults);
      try {
        const run = await target.run({
          full: true,
          enrollmentIds: [enrollment.enrollmentId],
          timeoutMs: 90_000,
        });
        expect(run).toMatchObject({ enrollments_ok: 0, enrollments_failed: 1 });
      } finally {
        started().setFaults({});
      }
      const error = await lastError(target.tdb.pool, enrollment.enrollmentId);
      expect(error?.category).toBe(expected.category);
      expect(error?.message).toMatch(expected.message);
      return enrollment;
    },
    async cleanThenHostile(o) {
      const clean = await world({ ...o.clean, users: o.users });
      await clean.startWorkers(o.workers);
      expect(await clean.run({ full: true, timeoutMs: o.timeoutMs })).toMatchObject({
        enrollments_ok: o.users.length,
      });
      await clean.stopWorkers();
      const hostile = await world({ ...o.hostile, users: o.users });
      return { clean, hostile };
    },
  };
}
