/**
 * The server's bounds, through the real app and real sockets (issue 12, the server parts of
 * findings 6 and 7): request timeouts and body limits, the /enroll rate limits, and what /readyz
 * and /metrics tell whom.
 */
import { connect } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildMetricsServer } from '../../src/server/dashboard/index.ts';
import { createQueues } from '../../src/workers/queues.ts';
import { startServerHarness, type ServerHarness } from '../helpers/server-harness.ts';

let h: ServerHarness;

beforeAll(async () => {
  h = await startServerHarness('server_bounds');
});

afterAll(async () => {
  await h?.close();
});

describe('finding 6: bounded requests and a bounded /enroll', () => {
  it('closes a connection that sends half a request and then nothing', async () => {
    const app = await h.buildApp(
      h.configWith({ QUEUE_PREFIX: h.freshPrefix(), SERVER_REQUEST_TIMEOUT_MS: '1000' }),
    );
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    let closed = false;
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('close', () => (closed = true));
    socket.on('error', () => {});
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /enroll HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    await expect.poll(() => closed, { timeout: 20_000, interval: 100 }).toBe(true);
    // Node answers 408 when it can; either way the socket is gone and no handler ran.
    if (answer) expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('refuses a request body over 64 KiB with 413 before reading it', async () => {
    const app = await h.buildApp(h.configWith({ QUEUE_PREFIX: h.freshPrefix() }));
    const response = await app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `username=${'a'.repeat(70 * 1024)}`,
    });
    expect(response.statusCode).toBe(413);
  });

  it('limits how many enrollment links one address can start, so GET /enroll cannot fill the table', async () => {
    const app = await h.buildApp(h.configWith({ QUEUE_PREFIX: h.freshPrefix(), ENROLL_RATE_LIMIT: '3' }));
    const count = async () =>
      (await h.tdb.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM authorization_requests`))
        .rows[0]!.n;
    const before = await count();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await app.inject({ method: 'GET', url: '/enroll', remoteAddress: '192.0.2.40' })).statusCode,
      );
    expect(statuses).toEqual([302, 302, 302, 429, 429, 429]);
    expect(await count()).toBe(before + 3);
    const limited = await app.inject({ method: 'GET', url: '/enroll', remoteAddress: '192.0.2.40' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).toContain('Too many attempts');
    // Spoofed X-Forwarded-For does not reset it (TRUST_PROXY is off), another client is not affected.
    const spoofed = await app.inject({
      method: 'GET',
      url: '/enroll',
      remoteAddress: '192.0.2.40',
      headers: { 'x-forwarded-for': '203.0.113.50' },
    });
    expect(spoofed.statusCode).toBe(429);
    expect(
      (await app.inject({ method: 'GET', url: '/enroll', remoteAddress: '192.0.2.41' })).statusCode,
    ).toBe(302);
  });

  it('bounds enrollment starts from all addresses together on one instance', async () => {
    const app = await h.buildApp(
      h.configWith({ QUEUE_PREFIX: h.freshPrefix(), ENROLL_RATE_LIMIT: '3', ENROLL_RATE_LIMIT_GLOBAL: '4' }),
    );
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await app.inject({ method: 'GET', url: '/enroll', remoteAddress: `192.0.2.${60 + i}` })).statusCode,
      );
    expect(statuses).toEqual([302, 302, 302, 302, 429, 429]);
  });
});

describe('finding 7: what /readyz and /metrics tell whom', () => {
  it('answers the public /readyz with ok or unavailable only, never which dependency is down', async () => {
    const app = await h.buildApp(h.configWith({ QUEUE_PREFIX: h.freshPrefix() }), {
      pingRedis: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6390')),
    });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'unavailable' });
    expect(response.body).not.toMatch(/redis|postgres|ECONNREFUSED/i);
    expect(h.captured.text()).toContain('"dependency":"redis"');
    const healthy = await h.buildApp(h.configWith({ QUEUE_PREFIX: h.freshPrefix() }));
    expect((await healthy.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ok' });
  });

  it('serves /metrics and the detailed /readyz on METRICS_PORT only, when it is set', async () => {
    const config = h.configWith({ QUEUE_PREFIX: h.freshPrefix(), METRICS_PORT: '9464' });
    const app = await h.buildApp(config);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ok' });

    const queues = createQueues(h.redis, config.queuePrefix);
    const metrics = await buildMetricsServer({
      config,
      log: h.captured.log,
      pool: h.tdb.pool,
      queues,
      pingRedis: () => h.redis.ping(),
    });
    h.closeLater(metrics);
    h.closeLater({ close: () => queues.close() });
    const scrape = await metrics.inject({ method: 'GET', url: '/metrics' });
    expect(scrape.statusCode).toBe(200);
    expect(scrape.body).toContain('# TYPE bbsync_enrollments gauge');
    expect((await metrics.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'ok',
      postgres: 'ok',
      redis: 'ok',
    });
    // Nothing else lives there: no dashboard, no enrollment pages.
    expect((await metrics.inject({ method: 'GET', url: '/enroll' })).statusCode).toBe(404);
    expect((await metrics.inject({ method: 'GET', url: '/login' })).statusCode).toBe(404);
  });
});
