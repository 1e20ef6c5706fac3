/**
 * Issue 15, an inactive application: CMS turns the application off, and BB2 answers /token with
 * 403 `invalid_client` "This application, X, is temporarily inactive…" and FHIR with 401 and the
 * same text (WS validate_app_is_active, ApplicationActivePermission). That is the deployment's
 * condition, not any enrollment's: the sync queue pauses with one alert, no attempt is spent, no
 * enrollment fails, no token changes; a probe finds the application accepted again and every
 * member syncs. Real workers, Redis and Postgres against the emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { waitForRun } from '../../src/db/runs.ts';
import { unenroll } from '../../src/enrollment/unenroll.ts';
import { buildBb2Services } from '../../src/services.ts';
import { START_RUN_JOB, type StartRunPayload } from '../../src/jobs/start-run.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { createMetricsRegistry } from '../../src/server/dashboard/metrics.ts';
import { resumeSyncs } from '../../src/workers/app-inactive.ts';
import { capturingLogger, startTestEmulator } from '../helpers/bb2.ts';
import { createSyncWorld, type SyncWorld } from '../helpers/sync-world.ts';

const USERS = [0, 1, 2, 3];
const PAUSED_LINE = 'Blue Button says this application is inactive';
const RESUMED_LINE = 'Blue Button accepts this application again';

let emulator: RunningEmulator;
let world: SyncWorld;
let logged: () => string;

beforeAll(async () => {
  emulator = await startTestEmulator({ users: USERS.length });
  const capture = capturingLogger('info');
  logged = capture.text;
  world = await createSyncWorld({
    emulator,
    clientId: emulator.clients[0]!.clientId,
    users: USERS,
    log: capture.log,
    label: 'app_inactive',
    env: { APP_INACTIVE_PROBE_MS: '1000', SYNC_FEED_INTERVAL_MS: '200' },
  });
  await world.startWorkers(2);
}, 120_000);

afterAll(async () => {
  await world?.close();
  await emulator?.close();
});

async function setActive(active: boolean): Promise<void> {
  const res = await fetch(`${emulator.url}/__emulator/clients/${world.config.bb2.clientId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ active }),
  });
  expect(res.status).toBe(200);
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function lines(text: string): number {
  return logged()
    .split('\n')
    .filter((l) => l.includes(text)).length;
}

async function alerts() {
  const { rows } = await world.tdb.pool.query<{
    ended_at: string | null;
    ended_by: string | null;
    probes: number;
    answer: string;
    last_probe_answer: string | null;
  }>('SELECT ended_at, ended_by, probes, answer, last_probe_answer FROM deployment_alerts ORDER BY alert_id');
  return rows;
}

async function tokensAndStates() {
  const { rows } = await world.tdb.pool.query<{
    enrollment_id: string;
    status: string;
    last_error_category: string | null;
    refresh: string;
  }>(
    `SELECT enrollment_id, status, last_error_category, refresh_token_ciphertext AS refresh
       FROM enrollments ORDER BY enrollment_id`,
  );
  return rows;
}

async function metricsText(): Promise<string> {
  return createMetricsRegistry({
    pool: world.tdb.pool,
    queues: world.queues,
    withTimeout: (p) => p,
    pingRedis: async () => 'PONG',
  }).metrics();
}

/** Sync jobs in the queue: none running, and every one's attempts unspent. */
async function queuedUnspent(expected: number): Promise<boolean> {
  const counts = await world.queues.sync.getJobCounts('active', 'waiting', 'prioritized', 'failed');
  if (counts.active !== 0 || (counts.waiting ?? 0) + (counts.prioritized ?? 0) !== expected) return false;
  const jobs = await world.queues.sync.getJobs(['waiting', 'prioritized']);
  return jobs.every((j) => j.attemptsMade === 0);
}

describe('an application BB2 says is inactive', () => {
  it('pauses every sync with one alert, spends nothing, and resumes when a probe finds it active again', async () => {
    // Every access token is fresh: the syncs meet FHIR's 401 (the next test meets /token's 403).
    const before = await tokensAndStates();
    await setActive(false);

    const run = await world.start();
    await until('the sync queue to pause', () => world.queues.sync.isPaused());
    await until('every sync to be back in the queue, unspent', () => queuedUnspent(USERS.length));
    // A few probes, still refused: still paused, still one alert.
    await until('two probes', async () => ((await alerts())[0]?.probes ?? 0) >= 2);

    expect(await world.queues.sync.isPaused()).toBe(true);
    const [alert, ...more] = await alerts();
    expect(more).toEqual([]);
    expect(alert).toMatchObject({ ended_at: null });
    expect(alert!.answer).toMatch(/temporarily inactive/);
    expect(alert!.last_probe_answer).toMatch(/not active/);
    expect(lines(PAUSED_LINE)).toBe(1);
    expect(await tokensAndStates()).toEqual(before);
    const { rows: attempts } = await world.tdb.pool.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM sync_attempts GROUP BY status',
    );
    expect(attempts.filter((a) => a.status !== 'retrying')).toEqual([]);
    const { rows: members } = await world.tdb.pool.query<{ outcome: string | null }>(
      'SELECT outcome FROM sync_run_members WHERE run_id = $1',
      [run.run_id],
    );
    expect(members.map((m) => m.outcome)).toEqual(USERS.map(() => null));
    expect(await metricsText()).toMatch(/^bbsync_application_inactive 1$/m);
    const fhir401 = Object.entries(emulator.stats().requests)
      .filter(([route]) => route.includes('/v2/fhir/'))
      .reduce((n, [, entry]) => n + (entry.byStatus['401'] ?? 0), 0);
    expect(fhir401).toBeGreaterThan(0);

    await setActive(true);
    const finished = await waitForRun(world.tdb.pool, run.run_id, { timeoutMs: 60_000 });
    expect(finished).toMatchObject({
      status: 'finished',
      enrollments_ok: USERS.length,
      enrollments_failed: 0,
    });
    expect((await alerts())[0]).toMatchObject({ ended_by: 'probe' });
    expect(await world.queues.sync.isPaused()).toBe(false);
    expect(lines(RESUMED_LINE)).toBe(1);
    expect(lines(PAUSED_LINE)).toBe(1);
    expect(await metricsText()).toMatch(/^bbsync_application_inactive 0$/m);
    const after = await tokensAndStates();
    expect(after.map((e) => [e.status, e.last_error_category])).toEqual(USERS.map(() => ['active', null]));
  }, 120_000);

  it('keeps a scheduled run’s members and every refresh token while paused, and an operator can resume before any probe', async () => {
    await resumeSyncs(
      { pool: world.tdb.pool, syncQueue: world.queues.sync, log: capturingLogger().log },
      'test',
    );
    // Every access token is due: each sync refreshes first, and /token answers 403 (BB2 refuses
    // before it looks at the refresh token, which stays valid).
    await world.tdb.pool.query('UPDATE enrollments SET access_token_expires_at = now()');
    const before = await tokensAndStates();
    const refusedBefore = emulator.stats().requests['POST /v2/o/token/']?.byStatus['403'] ?? 0;
    // BFD loaded since every cursor: a scheduled run takes everyone (its own BFD probe is refused too).
    await world.tdb.pool.query(
      `INSERT INTO bfd_transaction_times (transaction_time) VALUES (now() + interval '1 day')`,
    );
    const alertsBefore = (await alerts()).length;
    const pausedLines = lines(PAUSED_LINE);
    await setActive(false);

    const job = await world.queues.runs.add(
      START_RUN_JOB,
      { trigger: 'scheduled' } satisfies StartRunPayload,
      {
        jobId: 'scheduled-while-inactive',
      },
    );
    await until('the scheduled run to start', async () => (await job.getState()) === 'completed');
    const { runId } = (await world.queues.runs.getJob(job.id!))!.returnvalue as { runId: string };
    await until('the sync queue to pause', () => world.queues.sync.isPaused());
    // No probe before the operator acts.
    await world.tdb.pool.query(
      `UPDATE deployment_alerts SET last_probe_at = now() + interval '1 hour' WHERE ended_at IS NULL`,
    );
    await until('every sync to be back in the queue, unspent', () => queuedUnspent(USERS.length));
    expect((await alerts()).length).toBe(alertsBefore + 1);
    expect(lines(PAUSED_LINE)).toBe(pausedLines + 1);
    expect(emulator.stats().requests['POST /v2/o/token/']?.byStatus['403'] ?? 0).toBeGreaterThan(
      refusedBefore,
    );
    expect(await tokensAndStates()).toEqual(before);

    await setActive(true);
    const ended = await resumeSyncs(
      { pool: world.tdb.pool, syncQueue: world.queues.sync, log: capturingLogger('info').log },
      'cli:tester',
    );
    expect(ended).toBeDefined();
    const finished = await waitForRun(world.tdb.pool, runId, { timeoutMs: 60_000 });
    expect(finished).toMatchObject({ enrollments_ok: USERS.length, enrollments_failed: 0 });
    expect((await alerts()).at(-1)).toMatchObject({ ended_by: 'cli:tester', probes: 0 });
    // The refresh tokens kept during the pause were the valid ones: each was used, and rotated.
    const after = await tokensAndStates();
    expect(after.map((e) => [e.status, e.last_error_category])).toEqual(USERS.map(() => ['active', null]));
    expect(after.every((e, i) => e.refresh !== before[i]!.refresh)).toBe(true);
  }, 120_000);

  it('keeps an unenroll revoking while BB2 refuses the application, and finishes it at BB2 once accepted', async () => {
    const services = buildBb2Services(world.config, capturingLogger().log, world.tdb.pool);
    const deps = {
      pool: world.tdb.pool,
      log: capturingLogger().log,
      vault: services.vault,
      oauth: services.oauth,
    };
    const { enrollmentId } = world.enrolled[3]!;
    await setActive(false);
    // BB2's /revoke/ refuses the application (403 invalid_client): the grant is not gone, so the
    // enrollment is not revoked here as if it were.
    await expect(unenroll(deps, enrollmentId, { purge: false, actor: 'test' })).rejects.toMatchObject({
      category: 'app_inactive',
    });
    const status = async () =>
      (
        await world.tdb.pool.query<{ status: string }>(
          'SELECT status FROM enrollments WHERE enrollment_id = $1',
          [enrollmentId],
        )
      ).rows[0]!.status;
    expect(await status()).toBe('revoking');

    await setActive(true);
    expect(await unenroll(deps, enrollmentId, { purge: false, actor: 'test' })).toMatchObject({
      revokedAtBb2: true,
    });
    expect(await status()).toBe('revoked');
  });
});
