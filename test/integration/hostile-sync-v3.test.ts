/**
 * Issue 19: the hostile BB2 of hostile-sync.test.ts on the v3 API (BB2_API_VERSION=v3): `_offset`
 * next links that loop or leave BB2, v3's 5xx (DRF's 500 and relayed OperationOutcomes), and every
 * hostile fault at once through a `bbsync worker`: what could be synced equals a clean v3 sync,
 * the worker does not crash and no refresh token is lost.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import type { FaultConfig } from '../../src/emulator/index.ts';
import { expectEveryFaultSyncLikeClean } from '../helpers/every-fault.ts';
import { useHostileBb2 } from '../helpers/hostile-bb2.ts';
import type { SyncWorld } from '../helpers/sync-world.ts';

const bb2 = useHostileBb2({ clientIds: ['units3', 'clean3', 'hostile3'], users: 12, seed: 7 });
const V3 = { BB2_API_VERSION: 'v3', BB2_PAGE_SIZE: '5' };

describe('v3 faults, one at a time', () => {
  let units: SyncWorld;
  beforeAll(async () => {
    units = await bb2.world({
      clientId: 'units3',
      users: [0, 1, 2],
      label: 'hostile_v3_units',
      env: { ...V3, SYNC_ATTEMPTS: '2' },
    });
    await units.startWorkers(2);
  });

  it.each<[string, Partial<FaultConfig>, number, string, RegExp]>([
    ['an _offset next link to the same page', { selfLinkRate: 1 }, 0, 'paging_error', /repeats a page/],
    [
      'an _offset next link to another origin',
      { foreignLinkRate: 1 },
      1,
      'paging_error',
      /bb2-mirror\.invalid/,
    ],
    [
      'a 500 on every call (DRF body or OperationOutcome)',
      { rate5xx: 1 },
      2,
      'upstream_5xx',
      /BB2 answered 500/,
    ],
  ])(
    'fails the enrollment given %s, with a clear category',
    async (_label, faults, user, category, message) => {
      const enrollment = await bb2.expectFaultFails(units, user, faults, { category, message });
      // Once BB2 behaves, the same enrollment syncs.
      const again = await units.run({
        full: true,
        enrollmentIds: [enrollment.enrollmentId],
        timeoutMs: 90_000,
      });
      expect(again).toMatchObject({ enrollments_ok: 1 });
    },
  );
});

describe('a v3 sync against hostile BB2 with every fault on', () => {
  it('ends with the clean v3 tables for every enrollment it could sync, no crash, no lost token, and a category for each failure', async () => {
    const { clean, hostile } = await bb2.cleanThenHostile({
      users: [4, 5, 6, 7, 8, 9],
      workers: 3,
      timeoutMs: 120_000,
      clean: { clientId: 'clean3', label: 'hostile_v3_clean', env: V3 },
      hostile: {
        clientId: 'hostile3',
        label: 'hostile_v3_all',
        env: { ...V3, SYNC_ATTEMPTS: '4', BB2_MAX_RESPONSE_BYTES: String(4 * 1024 * 1024) },
      },
    });
    expect(hostile.enrolled.map((e) => e.patientId)).toEqual(clean.enrolled.map((e) => e.patientId));
    await expectEveryFaultSyncLikeClean({
      emulator: bb2.emulator,
      captured: bb2.captured,
      clean,
      hostile,
      alsoCheck: async (run, before, after) => {
        expect(after.requests['GET /v3/fhir/ExplanationOfBenefit']?.total ?? 0).toBeGreaterThan(
          before.requests['GET /v3/fhir/ExplanationOfBenefit']?.total ?? 0,
        );
        // The v3 FHIR faults met the walks: attempts failed on v3 resource URLs and were retried.
        const { rows: failures } = await hostile.tdb.pool.query<{ category: string; message: string }>(
          `SELECT error_category AS category, error_message AS message FROM sync_attempts
            WHERE status IN ('failed', 'retrying') AND run_id = $1`,
          [run.run_id],
        );
        expect(failures.filter((f) => /\/v3\/fhir\//.test(f.message)).length).toBeGreaterThan(0);
      },
    });
  });
});
