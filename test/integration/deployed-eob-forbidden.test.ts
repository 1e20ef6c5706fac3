/**
 * Issue 15, EOB forbidden: BB2 answers 403 "You do not have permission to perform this action." on
 * v2 ExplanationOfBenefit for a Part-D-only application or a beneficiary without SAMHSA consent
 * (WS V2ExplanationOfBenefitPermission). Patient and Coverage still sync; the enrollment shows the
 * condition and EOB is not asked for again until the beneficiary reconnects or an operator clears it.
 * Real forms, worker, Redis and Postgres against the emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { listEnrollments } from '../../src/db/dashboard.ts';
import { clearEobForbidden } from '../../src/db/runs.ts';
import { createMetricsRegistry } from '../../src/server/dashboard/metrics.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { capturingLogger, startTestEmulator } from '../helpers/bb2.ts';
import { createSyncWorld, type SyncWorld } from '../helpers/sync-world.ts';
import { countRows } from '../helpers/tables.ts';

let emulator: RunningEmulator;
let world: SyncWorld;

beforeAll(async () => {
  emulator = await startTestEmulator({ users: 4 });
  world = await createSyncWorld({
    emulator,
    clientId: emulator.clients[0]!.clientId,
    users: [0, 1],
    log: capturingLogger('info').log,
    label: 'eob_forbidden',
  });
  await world.startWorkers(2);
}, 120_000);

afterAll(async () => {
  await world?.close();
  await emulator?.close();
});

function eobSearches(): number {
  return emulator.stats().requests['GET /v2/fhir/ExplanationOfBenefit/']?.total ?? 0;
}

async function condition(enrollmentId: string) {
  const { rows } = await world.tdb.pool.query(
    'SELECT status, eob_forbidden_at IS NOT NULL AS eob_forbidden FROM enrollments WHERE enrollment_id = $1',
    [enrollmentId],
  );
  return rows[0];
}

describe('a token BB2 refuses ExplanationOfBenefit to', () => {
  it('still syncs Patient and Coverage, shows the condition, and is not asked for EOB again until cleared', async () => {
    const [refused, fine] = world.enrolled;
    const res = await fetch(`${emulator.url}/__emulator/beneficiaries/${refused!.patientId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ samhsaRefused: true }),
    });
    expect(res.status).toBe(200);

    const run = await world.run();
    expect(run).toMatchObject({ enrollments_ok: 2, enrollments_failed: 0 });
    const pid = refused!.patientId;
    expect(await countRows(world.tdb.pool, 'patients', 'patient_id = $1', [pid])).toBe(1);
    expect(await countRows(world.tdb.pool, 'coverages', 'patient_id = $1', [pid])).toBeGreaterThan(0);
    expect(await countRows(world.tdb.pool, 'claims', 'patient_id = $1', [pid])).toBe(0);
    expect(await countRows(world.tdb.pool, 'claims', 'patient_id = $1', [fine!.patientId])).toBeGreaterThan(
      0,
    );
    expect(await condition(refused!.enrollmentId)).toEqual({ status: 'active', eob_forbidden: true });
    expect((await condition(fine!.enrollmentId)).eob_forbidden).toBe(false);
    const metrics = createMetricsRegistry({
      pool: world.tdb.pool,
      queues: world.queues,
      withTimeout: (p) => p,
      pingRedis: async () => 'PONG',
    });
    expect(await metrics.metrics()).toContain('bbsync_enrollments_eob_forbidden 1');
    const listed = await listEnrollments(world.tdb.pool, {
      eobForbidden: true,
      sort: 'enrollment',
      dir: 'asc',
      limit: 10,
      offset: 0,
    });
    expect(listed.rows.map((r) => [r.enrollment_id, r.eob_forbidden])).toEqual([
      [refused!.enrollmentId, true],
    ]);

    // The next (nightly) run asks for EOB for the other beneficiary only.
    const before = eobSearches();
    const again = await world.run({ enrollmentIds: [refused!.enrollmentId] });
    expect(again.enrollments_ok).toBe(1);
    expect(eobSearches()).toBe(before);

    // Once the beneficiary consents to SAMHSA sharing and an operator clears it, EOB syncs again.
    await fetch(`${emulator.url}/__emulator/beneficiaries/${pid}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ samhsaRefused: false }),
    });
    expect(await clearEobForbidden(world.tdb.pool, refused!.enrollmentId)).toBe(true);
    const cleared = await world.run({ enrollmentIds: [refused!.enrollmentId], full: true });
    expect(cleared.enrollments_ok).toBe(1);
    expect(eobSearches()).toBeGreaterThan(before);
    expect(await countRows(world.tdb.pool, 'claims', 'patient_id = $1', [pid])).toBeGreaterThan(0);
    expect((await condition(refused!.enrollmentId)).eob_forbidden).toBe(false);
  });
});
