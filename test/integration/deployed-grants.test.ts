/**
 * Issue 15, data access types as BB2 deploys them (BB2_DATA_ACCESS_TYPE): ONE_TIME grants are
 * synced once at connect and never refreshed; RESEARCH_STUDY grants never end; a THIRTEEN_MONTH
 * grant past its expiration, or one BB2 says "User access has timed out" for, becomes `expired`.
 * Real server pages, worker, Redis and Postgres against the emulator (its clock moved by the test).
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { assembleDashboard } from '../../src/commands/server.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { authorizeThroughPages, syntheticLogin } from '../../src/emulator-client/synthetic-enrollment.ts';
import { buildServer } from '../../src/server/app.ts';
import { hashPassword } from '../../src/server/dashboard/password.ts';
import { buildBb2Services } from '../../src/services.ts';
import { capturingLogger, startTestEmulator } from '../helpers/bb2.ts';
import { freePort } from '../helpers/browser.ts';
import { getWith, PASSWORD, session, USER } from '../helpers/server-harness.ts';
import { createSyncWorld, type SyncWorld } from '../helpers/sync-world.ts';
import { poll } from '../helpers/poll.ts';
import { countRows } from '../helpers/tables.ts';

const MONTH = 31 * 24 * 3600 * 1000;
const captured = capturingLogger('info');
let clockOffsetMs = 0;
let emulator: RunningEmulator;
let base: string;
const opened: { close(): Promise<unknown> }[] = [];

const client = (clientId: string, dataAccessType: string) => ({
  clientId,
  clientSecret: `${clientId}-secret`,
  redirectUris: [`http://127.0.0.1:3000/cb-${clientId}`],
  dataAccessType: dataAccessType as 'ONE_TIME',
});

beforeAll(async () => {
  base = `http://127.0.0.1:${await freePort()}`;
  emulator = await startTestEmulator({
    users: 12,
    now: () => new Date(Date.now() + clockOffsetMs),
    clients: [
      { ...client('one-time', 'ONE_TIME'), redirectUris: [`${base}/enroll/callback`] },
      client('research', 'RESEARCH_STUDY'),
      client('thirteen', 'THIRTEEN_MONTH'),
    ],
  });
}, 60_000);

afterAll(async () => {
  for (const o of opened.reverse()) await o.close();
  await emulator?.close();
});

async function world(clientId: string, users: number[], env: Record<string, string> = {}) {
  const w = await createSyncWorld({ emulator, clientId, users, log: captured.log, label: clientId, env });
  opened.push(w);
  await w.startWorkers(2);
  return w;
}

async function control(path: string, body: unknown = {}): Promise<void> {
  const res = await fetch(`${emulator.url}/__emulator/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

/** Calls to the token endpoint (code exchanges and refreshes) and FHIR searches, by client. */
function tokenCalls(): number {
  return emulator.stats().requests['POST /v2/o/token/']?.total ?? 0;
}
function fhirCalls(): number {
  return Object.entries(emulator.stats().requests)
    .filter(([route]) => route.includes('/fhir/'))
    .reduce((n, [, e]) => n + e.total, 0);
}

async function status(w: SyncWorld, enrollmentId: string): Promise<string> {
  const { rows } = await w.tdb.pool.query<{ status: string }>(
    'SELECT status FROM enrollments WHERE enrollment_id = $1',
    [enrollmentId],
  );
  return rows[0]!.status;
}

describe('a ONE_TIME application', () => {
  let w: SyncWorld;
  let server: FastifyInstance;

  beforeAll(async () => {
    w = await world('one-time', [], {
      BB2_DATA_ACCESS_TYPE: 'ONE_TIME',
      BB2_REDIRECT_URI: `${base}/enroll/callback`,
      DASHBOARD_USER: USER,
      DASHBOARD_PASSWORD_HASH: await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 }),
    });
    const services = buildBb2Services(w.config, captured.log, w.tdb.pool);
    const secret = 'one-time-session-secret-0123456789abcdef';
    const dashboard = await assembleDashboard(w.config, captured.log, w.tdb.pool, services, secret);
    server = await buildServer({
      config: w.config,
      log: captured.log,
      flow: services.flow,
      sessionSecret: secret,
      extraRoutes: dashboard.routes,
      onConnected: dashboard.onConnected,
      onNotFound: dashboard.onNotFound,
    });
    opened.push(dashboard, server);
    await server.listen({ port: Number(new URL(base).port), host: '127.0.0.1' });
  });

  /** A beneficiary connecting through bbsync's own /enroll pages, as in a browser. */
  async function connect(index: number): Promise<string> {
    const start = await fetch(`${base}/enroll`, { redirect: 'manual' });
    const cookie = start.headers.get('set-cookie')!.split(';')[0]!;
    const callback = await authorizeThroughPages(
      new URL(start.headers.get('location')!),
      syntheticLogin(index),
      { redirectUri: `${base}/enroll/callback` },
    );
    const page = await fetch(callback, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Your Medicare data is connected');
    const { rows } = await w.tdb.pool.query<{ enrollment_id: string }>(
      'SELECT enrollment_id FROM enrollments ORDER BY enrolled_at DESC LIMIT 1',
    );
    return rows[0]!.enrollment_id;
  }

  it('syncs a beneficiary at once when they connect, then marks them completed: no refresh, never scheduled again', async () => {
    const tokensBefore = tokenCalls();
    const enrollmentId = await connect(0);
    await poll(
      () => status(w, enrollmentId),
      (s) => s === 'completed',
      'the one-time sync',
    );
    expect(await countRows(w.tdb.pool, 'claims')).toBeGreaterThan(0);
    expect(await countRows(w.tdb.pool, 'coverages')).toBeGreaterThan(0);
    // The code exchange was the only call to the token endpoint: no refresh attempt.
    expect(tokenCalls() - tokensBefore).toBe(1);

    // Access tokens expire at BB2; a run (the nightly one) does not schedule the enrollment.
    await control('tokens/expire', {});
    const fhirBefore = fhirCalls();
    const run = await w.run();
    expect(run.enrollments_total).toBe(0);
    expect(fhirCalls()).toBe(fhirBefore);
    expect(tokenCalls() - tokensBefore).toBe(1);
    expect(await status(w, enrollmentId)).toBe('completed');
  });

  it('never refreshes a one-time token that expired before its sync: the enrollment is expired', async () => {
    await w.stopWorkers();
    const enrollmentId = await connect(1);
    await control('tokens/expire', {});
    const tokensBefore = tokenCalls();
    await w.startWorkers(2);
    // The member's outcome is the sync's last write (after the enrollment becomes expired).
    const outcomes = async () =>
      (
        await w.tdb.pool.query<{ outcome: string | null }>(
          'SELECT outcome FROM sync_run_members WHERE enrollment_id = $1',
          [enrollmentId],
        )
      ).rows;
    await poll(
      outcomes,
      (rows) => rows.length > 0 && rows.every((r) => r.outcome !== null),
      'the first sync',
    );
    expect(await status(w, enrollmentId)).toBe('expired');
    expect(tokenCalls()).toBe(tokensBefore);
    expect(await outcomes()).toEqual([{ outcome: 'skipped' }]);
  });

  it('shows both on the dashboard and in /metrics, with the link that connects them again', async () => {
    const app = server;
    const cookie = await session(app);
    const overview = await getWith(app, '/', cookie);
    expect(overview.body).toMatch(/1 grants ended<\/a/);
    expect(overview.body).toContain('1 one-time done');
    const expired = await getWith(app, '/enrollments?status=expired', cookie);
    expect(expired.body).toContain('Their data access grant has ended');
    expect(expired.body).toContain(`<a href="${base}/enroll">${base}/enroll</a>`);
    expect(expired.body).toContain('<option value="completed"');
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('bbsync_enrollments{status="expired"} 1');
    expect(metrics.body).toContain('bbsync_enrollments{status="completed"} 1');
  });
});

describe('a beneficiary Blue Button has no data for (bene_404)', () => {
  it('sees the explanation when the callback says error=not_found, and is counted in /metrics', async () => {
    const app = opened.find((o): o is FastifyInstance => 'inject' in o && 'listen' in o)!;
    const before = await app.inject({ method: 'GET', url: '/metrics' });
    expect(before.body).toContain('bbsync_enrollments_not_found_total 0');
    const patientId = emulator.store.userByIndex(7)!.patientId;
    await control(`beneficiaries/${patientId}`, { notFound: true });
    const start = await fetch(`${base}/enroll`, { redirect: 'manual' });
    // BB2's bene_404 page: its script calls the redirect URI with error=not_found and no state.
    const bene404 = await authorizeThroughPages(new URL(start.headers.get('location')!), syntheticLogin(7), {
      redirectUri: `${base}/enroll/callback`,
    }).catch((err: Error) => err.message);
    expect(bene404).toMatch(/answered 404: .*Your patient data cannot be found/s);
    const errorUri = `${base}/enroll/callback?error=not_found`;
    const page = await fetch(errorUri);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('<h1>Medicare has no claims data for you yet</h1>');
    expect(body).not.toMatch(/went wrong|state parameter/);
    const after = await app.inject({ method: 'GET', url: '/metrics' });
    expect(after.body).toContain('bbsync_enrollments_not_found_total 1');
  });
});

describe('a RESEARCH_STUDY application', () => {
  it('has grants that never end: 14 months on, tokens are refreshed and the sync succeeds', async () => {
    const w = await world('research', [2], { BB2_DATA_ACCESS_TYPE: 'RESEARCH_STUDY' });
    const { enrollmentId } = w.enrolled[0]!;
    const { rows } = await w.tdb.pool.query(
      'SELECT access_grant_expiration FROM enrollments WHERE enrollment_id = $1',
      [enrollmentId],
    );
    expect(rows).toEqual([{ access_grant_expiration: null }]);
    clockOffsetMs = 14 * MONTH;
    try {
      await control('tokens/expire', {});
      const refreshesBefore = emulator.stats().refreshes;
      const run = await w.run();
      expect(run.enrollments_ok).toBe(1);
      expect(emulator.stats().refreshes).toBeGreaterThan(refreshesBefore);
      expect(await status(w, enrollmentId)).toBe('active');
    } finally {
      clockOffsetMs = 0;
    }
  });
});

describe('a THIRTEEN_MONTH application', () => {
  it('makes no request for a grant past its expiration: the enrollment is expired, neither failed nor ok', async () => {
    // Consent 14 months ago: the grant ended a month ago.
    clockOffsetMs = -14 * MONTH;
    let w: SyncWorld;
    try {
      w = await world('thirteen', [3]);
    } finally {
      clockOffsetMs = 0;
    }
    const { enrollmentId } = w.enrolled[0]!;
    const tokensBefore = tokenCalls();
    const fhirBefore = fhirCalls();
    const run = await w.run();
    expect(run).toMatchObject({ enrollments_total: 0, enrollments_ok: 0, enrollments_failed: 0 });
    expect(await status(w, enrollmentId)).toBe('expired');
    expect(tokenCalls()).toBe(tokensBefore);
    expect(fhirCalls()).toBe(fhirBefore);
  });

  it('makes no request for a sync queued before its grant ended that runs after: expired, neither failed nor ok', async () => {
    const w = await world('thirteen', [6]);
    const { enrollmentId } = w.enrolled[0]!;
    // Queued while the grant still runs (the run's start expires nothing), with no worker to take it.
    await w.stopWorkers();
    const run = await w.start();
    expect(run.enrollments_total).toBe(1);
    const queued = await w.queues.sync.getJobCounts('waiting', 'prioritized');
    expect((queued.waiting ?? 0) + (queued.prioritized ?? 0)).toBe(1);
    // The grant ends before a worker takes the sync.
    await w.tdb.pool.query(
      `UPDATE enrollments SET access_grant_expiration = now() - interval '1 minute' WHERE enrollment_id = $1`,
      [enrollmentId],
    );
    const tokensBefore = tokenCalls();
    const fhirBefore = fhirCalls();
    await w.startWorkers(2);
    const { waitForRun } = await import('../../src/db/runs.ts');
    const finished = await waitForRun(w.tdb.pool, run.run_id, { timeoutMs: 60_000 });
    expect(finished).toMatchObject({ enrollments_ok: 0, enrollments_failed: 0, enrollments_skipped: 1 });
    expect(await status(w, enrollmentId)).toBe('expired');
    expect([tokenCalls(), fhirCalls()]).toEqual([tokensBefore, fhirBefore]);
  });

  it('takes an enrollment from active to expired when BB2 says "User access has timed out", on a FHIR call or on a refresh', async () => {
    const w = await world('thirteen', [4, 5]);
    const [fhirFirst, refreshFirst] = w.enrolled;
    // The 13 months are over at BB2 for both; one still holds an access token BB2 knows.
    await control(`grants/${fhirFirst!.patientId}/expire?client_id=thirteen`);
    await control(`grants/${refreshFirst!.patientId}/expire?client_id=thirteen`);
    await control('tokens/expire', { patientId: refreshFirst!.patientId });
    const run = await w.run();
    expect(run).toMatchObject({ enrollments_ok: 0, enrollments_failed: 0, enrollments_skipped: 2 });
    expect(await status(w, fhirFirst!.enrollmentId)).toBe('expired');
    expect(await status(w, refreshFirst!.enrollmentId)).toBe('expired');

    const tokensBefore = tokenCalls();
    const fhirBefore = fhirCalls();
    const again = await w.run();
    expect(again.enrollments_total).toBe(0);
    expect([tokenCalls(), fhirCalls()]).toEqual([tokensBefore, fhirBefore]);
  });
});
