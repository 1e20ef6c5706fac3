/**
 * Issue 12, findings 3 and 6 (a shutdown that waits on BB2): a `bbsync worker` process whose BB2
 * request hangs (BB2 never answers; a proxy holds the request) is asked to stop. It aborts the
 * request in flight instead of waiting on it, exits, leaves nothing half-written and no attempt
 * `running`; the rotated refresh token it received just before stays stored, and another worker
 * later finishes the sync with it. Real worker process, Redis, Postgres and emulator.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { getRun, waitForRun } from '../../src/db/runs.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { capturingLogger, startTestEmulator } from '../helpers/bb2.ts';
import { startBb2Proxy, type Bb2Proxy } from '../helpers/bb2-proxy.ts';
import { createSyncWorld, exited, type SyncWorld } from '../helpers/sync-world.ts';

const CLIENT = { clientId: 'hang', clientSecret: 'hang-secret', redirectUris: ['http://127.0.0.1:3000/cb'] };

let emulator: RunningEmulator;
let proxy: Bb2Proxy;
let world: SyncWorld;

beforeAll(async () => {
  emulator = await startTestEmulator({ users: 10, seed: 31, clients: [CLIENT] });
  proxy = await startBb2Proxy(emulator.url);
  const user = [...Array(emulator.store.userCount).keys()].find(
    (i) => (emulator.store.record(emulator.store.userByIndex(i)!.patientId)?.eobs.length ?? 0) > 0,
  )!;
  world = await createSyncWorld({
    emulator,
    clientId: CLIENT.clientId,
    users: [user],
    log: capturingLogger('info').log,
    label: 'shutdown_hang',
    // Far shorter than BB2_TIMEOUT_MS (60 s): the shutdown, not the HTTP timeout, ends the wait.
    env: { BB2_BASE_URL: proxy.url, SYNC_SHUTDOWN_GRACE_MS: '500' },
  });
});

afterAll(async () => {
  await world?.close();
  await proxy?.close();
  await emulator?.close();
});

async function one<T>(sql: string, params: unknown[] = []): Promise<T> {
  const { rows } = await world.tdb.pool.query(sql, params);
  return rows[0] as T;
}

/** Forces the next sync to refresh first: BB2 rotates the refresh token on every refresh. */
async function expireAccessTokens(): Promise<void> {
  await world.tdb.pool.query(`UPDATE enrollments SET access_token_expires_at = now() - interval '1 minute'`);
}

describe('shutdown during a hanging BB2 request', { timeout: 300_000 }, () => {
  it('aborts the request, exits, half-commits nothing, keeps the rotated refresh token, and the job is finished later', async () => {
    const e = world.enrolled[0]!;
    const before = await one<{ rt: string }>(
      'SELECT refresh_token_ciphertext AS rt FROM enrollments WHERE enrollment_id = $1',
      [e.enrollmentId],
    );
    await expireAccessTokens();
    // Patient and Coverage pass; the claims search never gets an answer.
    proxy.hang = (path) => path.includes('/ExplanationOfBenefit');
    const run = await world.start({ full: true });
    const first = world.spawnWorker({}, 2);
    await vi.waitFor(() => expect(proxy.hung.length).toBeGreaterThan(0), { timeout: 60_000, interval: 100 });
    // The refresh happened before the hang, and its rotated token is stored already.
    expect(emulator.stats().refreshes).toBe(1);
    const rotated = await one<{ rt: string }>(
      'SELECT refresh_token_ciphertext AS rt FROM enrollments WHERE enrollment_id = $1',
      [e.enrollmentId],
    );
    expect(rotated.rt).not.toBe(before.rt);

    first.kill('SIGTERM');
    expect(await exited(first)).toEqual({ code: 0, signal: null });
    expect(first.output()).toMatch(/interrupting running syncs/);
    expect(first.output()).toMatch(/workers stopped/);
    // The worker gave up the request itself: BB2 never answered it.
    expect(proxy.hung.every((h) => h.abandoned)).toBe(true);

    // Nothing half-written: the walks that finished are whole, the hanging one wrote nothing,
    // and no attempt is left `running` for the janitor.
    const left = await one<Record<string, number>>(
      `SELECT (SELECT count(*)::int FROM claims WHERE patient_id = $1) AS claims,
              (SELECT count(*)::int FROM fhir_resources WHERE patient_id = $1 AND resource_type = 'ExplanationOfBenefit') AS raw_eobs,
              (SELECT count(*)::int FROM sync_progress WHERE enrollment_id = $2 AND resource_type = 'ExplanationOfBenefit') AS eob_progress,
              (SELECT count(*)::int FROM coverages WHERE patient_id = $1) AS coverages,
              (SELECT count(*)::int FROM sync_attempts WHERE enrollment_id = $2 AND status = 'running') AS running`,
      [e.patientId, e.enrollmentId],
    );
    const record = emulator.store.record(e.patientId)!;
    expect(left).toEqual({
      claims: 0,
      raw_eobs: 0,
      eob_progress: 0,
      coverages: record.coverages.length,
      running: 0,
    });
    expect((await getRun(world.tdb.pool, run.run_id))?.status).toBe('running');

    // BB2 answers again; the next refresh must present the token rotated before the shutdown.
    proxy.hang = undefined;
    await expireAccessTokens();
    const second = world.spawnWorker({}, 2);
    try {
      const finished = await waitForRun(world.tdb.pool, run.run_id, { timeoutMs: 120_000 });
      expect(finished).toMatchObject({ enrollments_ok: 1, enrollments_failed: 0 });
    } finally {
      second.kill('SIGTERM');
      await exited(second);
    }
    const stats = emulator.stats();
    expect(stats).toMatchObject({ refreshes: 2, refreshTokenReuse: 0, lostRefreshTokens: 0 });
    const after = await one<{ status: string; claims: number }>(
      `SELECT e.status, (SELECT count(DISTINCT claim_id)::int FROM claims WHERE patient_id = e.patient_id) AS claims
         FROM enrollments e WHERE enrollment_id = $1`,
      [e.enrollmentId],
    );
    expect(after).toEqual({ status: 'active', claims: new Set(record.eobs.map((x) => x.id)).size });
  });
});
