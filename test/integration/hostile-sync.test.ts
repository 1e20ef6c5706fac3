/**
 * Issue 12, finding 2 and the "Done when" of a hostile BB2: syncs through real workers against the
 * emulator's hostile mode. Each bad answer fails its enrollment with a clear category and never
 * the worker; with every fault on, what could be synced equals a clean sync, and no refresh token
 * is lost.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import type { FaultConfig } from '../../src/emulator/index.ts';
import { expectEveryFaultSyncLikeClean, SMALL_FAULTS } from '../helpers/every-fault.ts';
import { useHostileBb2 } from '../helpers/hostile-bb2.ts';
import type { SyncWorld } from '../helpers/sync-world.ts';
import { lastError } from '../helpers/tables.ts';

const bb2 = useHostileBb2({ clientIds: ['units', 'clean', 'hostile'], users: 12, seed: 5 });

describe('bounded answers, walks that end', () => {
  let units: SyncWorld;
  beforeAll(async () => {
    units = await bb2.world({
      clientId: 'units',
      users: [0, 1, 2, 3, 4, 5],
      label: 'hostile_units',
      env: {
        SYNC_ATTEMPTS: '2',
        BB2_MAX_RESPONSE_BYTES: String(4 * 1024 * 1024),
        BB2_PAGE_SIZE: '2',
        BB2_MAX_PAGES_PER_WALK: '3',
      },
    });
    await units.startWorkers(2);
  });

  it.each<[string, Partial<FaultConfig>, number, string, RegExp]>([
    ['a gzip bomb', { gzipBombRate: 1 }, 0, 'malformed_response', /larger than BB2_MAX_RESPONSE_BYTES/],
    ['a huge body', { hugeBodyRate: 1 }, 1, 'malformed_response', /larger than BB2_MAX_RESPONSE_BYTES/],
    ['a broken gzip stream', { badGzipRate: 1 }, 2, 'malformed_response', /broken gzip/],
    ['a next link to the same page', { selfLinkRate: 1 }, 3, 'paging_error', /repeats a page/],
    ['a next link to another origin', { foreignLinkRate: 1 }, 4, 'paging_error', /bb2-mirror\.invalid/],
  ])(
    'fails the enrollment given %s, with a clear category',
    async (_label, faults, user, category, message) => {
      await bb2.expectFaultFails(units, user, { ...faults, ...SMALL_FAULTS }, { category, message });
    },
  );

  it('stops a walk at BB2_MAX_PAGES_PER_WALK as paging_error', async () => {
    const enrollment = units.enrolled[5]!;
    expect(bb2.emulator.store.record(enrollment.patientId)!.eobs.length).toBeGreaterThan(6);
    const run = await units.run({ full: true, enrollmentIds: [enrollment.enrollmentId], timeoutMs: 90_000 });
    expect(run).toMatchObject({ enrollments_failed: 1 });
    const error = await lastError(units.tdb.pool, enrollment.enrollmentId);
    expect(error).toMatchObject({
      category: 'paging_error',
      message: expect.stringMatching(/BB2_MAX_PAGES_PER_WALK \(3\)/),
    });
  });
});

describe('a sync against hostile BB2 with every fault on', () => {
  it('ends with the clean tables for every enrollment it could sync, no crash, no lost token, and a category for each failure', async () => {
    const { clean, hostile } = await bb2.cleanThenHostile({
      users: [6, 7, 8, 9, 10, 11],
      workers: 4,
      clean: { clientId: 'clean', label: 'hostile_clean' },
      hostile: {
        clientId: 'hostile',
        label: 'hostile_all',
        env: { SYNC_ATTEMPTS: '4', BB2_MAX_RESPONSE_BYTES: String(4 * 1024 * 1024) },
      },
    });
    await expectEveryFaultSyncLikeClean({ emulator: bb2.emulator, captured: bb2.captured, clean, hostile });
  });
});
