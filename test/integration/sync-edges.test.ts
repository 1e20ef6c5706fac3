/**
 * What a sync does at the edges BB2 can push it to: a 429 on its own, a `next` link to another
 * origin, a resource that cannot be normalized, a token BB2 rejects even fresh, members that are
 * no longer active, and a job whose worker keeps dying. Real workers, Redis and Postgres against
 * the emulator; where BB2 must misbehave in a way the emulator does not offer, a proxy in between
 * changes what passes (test/helpers/bb2-proxy.ts). Each test builds its own world.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

import { getRun, waitForRun } from '../../src/db/runs.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { capturingLogger, leakedTokens, startTestEmulator } from '../helpers/bb2.ts';
import { startBb2Proxy, startCountingServer, type Bb2Proxy, type Json } from '../helpers/bb2-proxy.ts';
import { createSyncWorld, exited, type SyncWorld } from '../helpers/sync-world.ts';

const CLIENT = {
  clientId: 'edges',
  clientSecret: 'edges-secret',
  redirectUris: ['http://127.0.0.1:3000/cb'],
};

const toClose: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of toClose.splice(0).reverse()) await close();
});

interface Setup {
  emulator: RunningEmulator;
  world: SyncWorld;
  proxy: Bb2Proxy | undefined;
  log: ReturnType<typeof capturingLogger>;
}

/** Index of the first synthetic user with at least `eobs` claims. */
function userWithClaims(emulator: RunningEmulator, eobs: number): number {
  for (let i = 0; i < emulator.store.userCount; i++) {
    const record = emulator.store.record(emulator.store.userByIndex(i)!.patientId);
    if (record && record.eobs.length >= eobs) return i;
  }
  throw new Error(`no user with ${eobs} claims`);
}

/**
 * This test's own emulator and deployment. `users` picks whom to enroll (from the emulator's
 * data); `proxied` puts a proxy between the pipeline and the emulator.
 */
async function setUp(
  label: string,
  options: {
    users: (emulator: RunningEmulator) => number[];
    env?: Record<string, string>;
    proxied?: boolean;
    workers?: number;
  },
): Promise<Setup> {
  const emulator = await startTestEmulator({ users: 30, seed: 5, clients: [CLIENT] });
  toClose.push(() => emulator.close());
  const proxy = options.proxied ? await startBb2Proxy(emulator.url) : undefined;
  if (proxy) toClose.push(() => proxy.close());
  const log = capturingLogger('info');
  const world = await createSyncWorld({
    emulator,
    clientId: CLIENT.clientId,
    users: options.users(emulator),
    log: log.log,
    label,
    env: { ...(proxy ? { BB2_BASE_URL: proxy.url } : {}), ...options.env },
  });
  toClose.push(() => world.close());
  if (options.workers) await world.startWorkers(options.workers);
  return { emulator, world, proxy, log };
}

async function attempts(world: SyncWorld) {
  const { rows } = await world.tdb.pool.query<{
    status: string;
    error_category: string | null;
    error_message: string | null;
    resources_quarantined: number;
  }>(
    `SELECT status, error_category, error_message, resources_quarantined FROM sync_attempts ORDER BY attempt_id`,
  );
  return rows;
}

async function enrollmentStatus(world: SyncWorld, enrollmentId: string): Promise<string> {
  const { rows } = await world.tdb.pool.query<{ status: string }>(
    'SELECT status FROM enrollments WHERE enrollment_id = $1',
    [enrollmentId],
  );
  return rows[0]!.status;
}

describe('a 429 from BB2', () => {
  it('pauses the queue for Retry-After without spending an attempt, then the sync completes', async () => {
    // One attempt only: had a 429 spent it, the sync would fail for good.
    const { emulator, world } = await setUp('edges_429', {
      users: () => [0],
      env: { SYNC_ATTEMPTS: '1' },
      workers: 1,
    });
    emulator.setFaults({ rate429: 1, retryAfterSeconds: 3 });
    const run = await world.start();
    // The queue is paused (BullMQ's rate-limit key, set to its maximum by Worker.rateLimit, not
    // the per-second job limiter) for at most Retry-After, and the job has used none of its
    // attempts.
    await vi.waitFor(
      async () => {
        const ttl = await world.queues.sync.getRateLimitTtl(Number.MAX_SAFE_INTEGER);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(3000);
      },
      { timeout: 30_000, interval: 50 },
    );
    const [job] = await world.queues.sync.getJobs(['wait', 'active', 'delayed', 'prioritized']);
    expect(job?.attemptsMade).toBe(0);
    expect(await attempts(world)).toContainEqual(expect.objectContaining({ error_category: 'rate_limited' }));

    emulator.setFaults({});
    const finished = await waitForRun(world.tdb.pool, run.run_id, { timeoutMs: 60_000 });
    expect(finished).toMatchObject({ enrollments_ok: 1, enrollments_failed: 0 });
    const all = await attempts(world);
    expect(all.at(-1)?.status).toBe('ok');
    expect(all.filter((a) => a.status === 'failed')).toEqual([]);
    const enrollment = world.enrolled[0]!;
    expect(await enrollmentStatus(world, enrollment.enrollmentId)).toBe('active');
  });
});

describe('a next link to another origin', () => {
  it('is refused: the access token goes nowhere but BB2, and the sync fails naming the link', async () => {
    const other = await startCountingServer();
    toClose.push(() => other.close());
    const { world, proxy } = await setUp('edges_origin', {
      users: (emulator) => [userWithClaims(emulator, 6)],
      env: { BB2_PAGE_SIZE: '5', SYNC_ATTEMPTS: '2' },
      proxied: true,
      workers: 1,
    });
    proxy!.editBundle = (bundle) => {
      for (const link of (bundle.link ?? []) as Json[]) {
        if (link.relation === 'next') link.url = String(link.url).replace(proxy!.url, other.url);
      }
      return bundle;
    };
    const run = await world.run({ timeoutMs: 60_000 });
    expect(run).toMatchObject({ enrollments_ok: 0, enrollments_failed: 1 });
    expect(other.requests).toEqual([]);
    const last = (await attempts(world)).at(-1)!;
    expect(last.status).toBe('failed');
    expect(last.error_message).toContain(`leads to ${other.url}, not BB2_BASE_URL: not followed`);
    // Not the beneficiary's doing: the enrollment stays active.
    expect(await enrollmentStatus(world, world.enrolled[0]!.enrollmentId)).toBe('active');
  });
});

describe('a resource that cannot be normalized', () => {
  it('is quarantined, its stored claim survives a full reconcile, and the quarantine clears once it normalizes', async () => {
    const { world, proxy, emulator } = await setUp('edges_quarantine', {
      users: (em) => [userWithClaims(em, 3)],
      proxied: true,
      workers: 1,
    });
    const { patientId } = world.enrolled[0]!;
    const broken = emulator.store.record(patientId)!.eobs[0]!.id;
    const claims = async () =>
      (
        await world.tdb.pool.query<{ claim_id: string }>(
          'SELECT claim_id FROM claims WHERE patient_id = $1 ORDER BY 1',
          [patientId],
        )
      ).rows.map((r) => r.claim_id);
    const quarantined = async () =>
      (
        await world.tdb.pool.query<{ resource_id: string; reason: string }>(
          'SELECT resource_id, reason FROM quarantined_resources',
        )
      ).rows;

    expect(await world.run()).toMatchObject({ enrollments_ok: 1 });
    const stored = await claims();
    expect(stored).toContain(broken);

    // BB2 now sends that claim without its patient reference.
    proxy!.editBundle = (bundle) => {
      for (const entry of (bundle.entry ?? []) as Json[]) {
        if (entry.resource?.id === broken) delete entry.resource.patient;
      }
      return bundle;
    };
    const reconcile = await world.run({ full: true });
    expect(reconcile).toMatchObject({ enrollments_ok: 1, resources_removed: 0 });
    expect(await quarantined()).toEqual([
      { resource_id: broken, reason: expect.stringMatching(/patient/) as unknown },
    ]);
    expect((await attempts(world)).at(-1)?.resources_quarantined).toBe(1);
    expect(await claims()).toEqual(stored); // still returned by BB2, so not removed

    // Fixed upstream: the next full pull normalizes it again and the quarantine entry goes.
    proxy!.editBundle = undefined;
    expect(await world.run({ full: true })).toMatchObject({ enrollments_ok: 1, resources_removed: 0 });
    expect(await quarantined()).toEqual([]);
    expect(await claims()).toEqual(stored);
  });
});

describe('a second 401 after a fresh refresh', () => {
  it('marks the enrollment reauth_required after exactly one refresh, and stops retrying', async () => {
    const { emulator, world, proxy, log } = await setUp('edges_401', {
      users: () => [0],
      env: { SYNC_ATTEMPTS: '3' },
      proxied: true,
      workers: 1,
    });
    const refreshesBefore = emulator.stats().refreshes;
    proxy!.spoilBearer = true; // BB2 accepts no access token of ours any more
    const run = await world.run();
    expect(run).toMatchObject({ enrollments_ok: 0, enrollments_failed: 1 });
    expect(emulator.stats().refreshes - refreshesBefore).toBe(1);
    expect(proxy!.fhirRequests).toHaveLength(2); // the page, and once more with the new token
    expect(await enrollmentStatus(world, world.enrolled[0]!.enrollmentId)).toBe('reauth_required');
    expect(await attempts(world)).toEqual([
      expect.objectContaining({ status: 'failed', error_category: 'reauth_required' }),
    ]);
    expect(leakedTokens(emulator, log.text())).toEqual([]);
  });
});

describe('members of a run that are no longer active', () => {
  it('are counted as skipped, without a request to BB2, and the run still finishes', async () => {
    const { emulator, world } = await setUp('edges_skipped', { users: () => [0, 1, 2] });
    const run = await world.start(); // fanned out to all three; no worker yet
    const gone = world.enrolled[1]!;
    // The beneficiary disconnected between the fan-out and the sync.
    await world.tdb.pool.query(`UPDATE enrollments SET status = 'revoked' WHERE enrollment_id = $1`, [
      gone.enrollmentId,
    ]);
    await world.startWorkers(2);
    const finished = await waitForRun(world.tdb.pool, run.run_id, { timeoutMs: 60_000 });
    expect(finished).toMatchObject({
      enrollments_total: 3,
      enrollments_ok: 2,
      enrollments_skipped: 1,
      enrollments_failed: 0,
    });
    const { rows } = await world.tdb.pool.query<{ enrollment_id: string; outcome: string }>(
      'SELECT enrollment_id, outcome FROM sync_run_members WHERE run_id = $1 ORDER BY outcome',
      [run.run_id],
    );
    expect(rows.filter((r) => r.outcome === 'skipped').map((r) => r.enrollment_id)).toEqual([
      gone.enrollmentId,
    ]);
    expect(emulator.stats().fhirRequestsByPatient[gone.patientId] ?? 0).toBe(0);
  });
});

describe('a job whose worker keeps dying', () => {
  it('is failed by the stalled-job check after the third death, and its run records the failure', async () => {
    // Pages of one resource: every walk has many pages, so each worker dies after committing one.
    const { emulator, world } = await setUp('edges_stalled', {
      users: (em) => [userWithClaims(em, 6)],
      // Half the test world's lock: a dead worker's job is recovered after two passes of the
      // stalled-job check (one marks it, the next moves it), each a lock duration apart.
      env: { BB2_PAGE_SIZE: '1', SYNC_LOCK_DURATION_MS: '2500' },
    });
    const run = await world.start();
    // maxStalledCount is 2: the job is recovered after two deaths and given up at the third.
    for (let death = 1; death <= 3; death++) {
      const doomed = world.spawnWorker({ BBSYNC_FAILPOINTS: 'sync.after-page-commit' }, 1);
      expect((await exited(doomed)).signal).toBe('SIGKILL');
    }
    expect((await getRun(world.tdb.pool, run.run_id))?.status).toBe('running');
    // A healthy worker's stalled-job check finds the job a third time without its worker.
    await world.startWorkers(1);
    const finished = await waitForRun(world.tdb.pool, run.run_id, { timeoutMs: 120_000 });
    expect(finished).toMatchObject({ enrollments_ok: 0, enrollments_failed: 1 });
    const [job] = await world.queues.sync.getJobs(['failed']);
    expect(job?.failedReason).toMatch(/stalled/);
    expect(emulator.stats().refreshTokenReuse).toBe(0);
  }, 300_000);
});
