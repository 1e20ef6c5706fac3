/**
 * Who gets into the dashboard, through the real app (issue 12, findings 1 and 4, and the session
 * part of 7): the client address and login throttling shared in Redis, server-side sessions that
 * logout and /sessions end, the minimum SESSION_SECRET, Secure cookies, the redirect after login.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ConfigError } from '../../src/errors.ts';
import { buildServer } from '../../src/server/app.ts';
import { DEFAULT_LOGIN_LIMITS } from '../../src/server/dashboard/login-throttle.ts';
import { buildBb2Services } from '../../src/services.ts';
import {
  cookieValue,
  cookiesOf,
  csrfOf,
  getWith,
  login,
  ORIGIN,
  session,
  startServerHarness,
  type ServerHarness,
} from '../helpers/server-harness.ts';

let h: ServerHarness;

beforeAll(async () => {
  h = await startServerHarness('server_login');
});

afterAll(async () => {
  await h?.close();
});

describe('finding 1: the client address and login throttling', () => {
  it('throttles a client that sends a new X-Forwarded-For on every try when TRUST_PROXY is off', async () => {
    const app = await h.buildApp(h.configWith({ QUEUE_PREFIX: h.freshPrefix() }));
    const statuses: number[] = [];
    for (let i = 1; i <= 12; i++) {
      const r = await login(app, {
        password: `guess-${i}`,
        remoteAddress: '192.0.2.10',
        headers: { 'x-forwarded-for': `203.0.113.${i}` },
      });
      statuses.push(r.statusCode);
    }
    expect(statuses.slice(0, DEFAULT_LOGIN_LIMITS.perAddress)).toEqual(
      Array(DEFAULT_LOGIN_LIMITS.perAddress).fill(401),
    );
    expect(statuses.slice(DEFAULT_LOGIN_LIMITS.perAddress)).toEqual([429, 429]);
    // Even the right password waits: the address is out of tries.
    const right = await login(app, {
      remoteAddress: '192.0.2.10',
      headers: { 'x-forwarded-for': '203.0.113.99' },
    });
    expect(right.statusCode).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('counts login attempts together across two server instances sharing one Redis', async () => {
    const config = h.configWith({ QUEUE_PREFIX: h.freshPrefix() });
    const [first, second] = [await h.buildApp(config), await h.buildApp(config)];
    for (let i = 0; i < 6; i++)
      expect((await login(first, { password: 'guess', remoteAddress: '192.0.2.20' })).statusCode).toBe(401);
    for (let i = 0; i < 4; i++)
      expect((await login(second, { password: 'guess', remoteAddress: '192.0.2.20' })).statusCode).toBe(401);
    expect((await login(second, { password: 'guess', remoteAddress: '192.0.2.20' })).statusCode).toBe(429);
    expect((await login(first, { password: 'guess', remoteAddress: '192.0.2.20' })).statusCode).toBe(429);
  });

  it('believes X-Forwarded-For only from the trusted hop, and throttles each client behind the proxy on its own', async () => {
    const app = await h.buildApp(h.configWith({ QUEUE_PREFIX: h.freshPrefix(), TRUST_PROXY: '1' }));
    const from = (client: string) => ({ remoteAddress: '10.0.0.2', headers: { 'x-forwarded-for': client } });
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.perAddress; i++)
      expect((await login(app, { password: 'guess', ...from('198.51.100.1') })).statusCode).toBe(401);
    expect((await login(app, { password: 'guess', ...from('198.51.100.1') })).statusCode).toBe(429);
    // A spoofed left-most entry does not help: the proxy appends the real client last.
    expect((await login(app, { password: 'guess', ...from('203.0.113.7, 198.51.100.1') })).statusCode).toBe(
      429,
    );
    expect((await login(app, { ...from('198.51.100.2') })).statusCode).toBe(303);
  });

  it('limits attempts per user name from many addresses, and overall', async () => {
    const app = await h.buildApp(h.configWith({ QUEUE_PREFIX: h.freshPrefix(), TRUST_PROXY: '1' }), {
      loginLimits: { ...DEFAULT_LOGIN_LIMITS, perUser: 5, overall: 12 },
    });
    const from = (i: number) => ({
      remoteAddress: '10.0.0.2',
      headers: { 'x-forwarded-for': `198.51.100.${i}` },
    });
    for (let i = 1; i <= 5; i++)
      expect((await login(app, { password: 'guess', ...from(i) })).statusCode).toBe(401);
    const perUser = await login(app, { password: 'guess', ...from(6) });
    expect(perUser.statusCode).toBe(429);
    // Other user names still get an answer, until the overall ceiling.
    const others: number[] = [];
    for (let i = 7; i <= 13; i++)
      others.push((await login(app, { username: `user${i}`, password: 'guess', ...from(i) })).statusCode);
    expect(others.slice(0, 6)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(others[6]).toBe(429);
    expect(h.captured.text()).toContain('"scope":"overall"');
  });

  it('keeps the counters in Redis, each with an expiry, and a right password does not count', async () => {
    const prefix = h.freshPrefix();
    const app = await h.buildApp(h.configWith({ QUEUE_PREFIX: prefix }));
    for (let i = 0; i < 3; i++) await login(app, { password: 'guess', remoteAddress: '192.0.2.30' });
    await session(app, { remoteAddress: '192.0.2.31' });
    const keys = await h.redis.keys(`{${prefix}}:dashboard:login:*`);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const key of keys) {
      const ttl = await h.redis.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(DEFAULT_LOGIN_LIMITS.windowSeconds);
    }
    expect(await h.redis.get(`{${prefix}}:dashboard:login:overall`)).toBe('3');
    expect(await h.redis.exists(`{${prefix}}:dashboard:login:address:192.0.2.31`)).toBe(0);
  });

  it('refuses TRUST_PROXY=true and malformed proxy lists with a clear configuration error', () => {
    expect(() => h.configWith({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: true would let any client/);
    expect(() => h.configWith({ TRUST_PROXY: '10.0.0.0/99,proxy.example' })).toThrow(
      /TRUST_PROXY: not an IP address or CIDR: 10\.0\.0\.0\/99, proxy\.example/,
    );
    expect(h.configWith({}).server.trustProxy).toBe(false);
    expect(h.configWith({ TRUST_PROXY: '2' }).server.trustProxy).toBe(2);
    expect(h.configWith({ TRUST_PROXY: '10.0.0.0/8, ::1' }).server.trustProxy).toEqual(['10.0.0.0/8', '::1']);
  });
});

describe('finding 7: sessions kept server side', () => {
  it('logout deletes the session, so a copied cookie no longer works', async () => {
    const app = await h.buildApp(h.configWith({ QUEUE_PREFIX: h.freshPrefix() }));
    const cookie = await session(app);
    const overview = await getWith(app, '/', cookie);
    expect(overview.statusCode).toBe(200);
    const logout = await app.inject({
      method: 'POST',
      url: '/logout',
      headers: {
        cookie: `${cookie}; ${cookieValue(overview, 'bbsync_csrf') ?? ''}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: `_csrf=${encodeURIComponent(csrfOf(overview.body))}`,
    });
    expect(logout.statusCode).toBe(303);
    const replayed = await getWith(app, '/', cookie);
    expect(replayed.statusCode).toBe(302);
    expect(replayed.headers.location).toMatch(/^\/login/);
  });

  it('lets an operator log out every other session from /sessions, on every server instance', async () => {
    const config = h.configWith({ QUEUE_PREFIX: h.freshPrefix() });
    const [first, second] = [await h.buildApp(config), await h.buildApp(config)];
    const mine = await session(first, { headers: { 'user-agent': 'laptop' } });
    const lost = await session(second, { headers: { 'user-agent': 'lost phone' } });
    // Sessions live in Redis: either instance accepts either cookie.
    expect((await getWith(second, '/', mine)).statusCode).toBe(200);
    expect((await getWith(first, '/', lost)).statusCode).toBe(200);

    const page = await getWith(first, '/sessions', mine);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('lost phone');
    expect(page.body).toContain('this session');
    const revoke = await first.inject({
      method: 'POST',
      url: '/sessions/revoke',
      headers: {
        cookie: `${mine}; ${cookieValue(page, 'bbsync_csrf') ?? ''}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: `_csrf=${encodeURIComponent(csrfOf(page.body))}&session=others`,
    });
    expect(revoke.statusCode).toBe(303);
    expect(revoke.headers.location).toBe('/sessions?flash=sessions-ended');
    expect((await getWith(second, '/', lost)).statusCode).toBe(302);
    expect((await getWith(first, '/', lost)).statusCode).toBe(302);
    expect((await getWith(second, '/', mine)).statusCode).toBe(200);
    const { rows } = await h.tdb.pool.query(
      `SELECT actor, details FROM audit_log WHERE action = 'revoke_sessions' ORDER BY at DESC LIMIT 1`,
    );
    expect(rows[0]).toMatchObject({ actor: 'dashboard:ops', details: { which: 'others', ended: 1 } });
  });

  it('refuses a SESSION_SECRET shorter than 32 characters with a clear configuration error', async () => {
    expect(() => h.configWith({ SESSION_SECRET: 'short-secret' })).toThrow(
      /SESSION_SECRET: must be at least 32/,
    );
    const config = h.configWith({});
    const services = buildBb2Services(config, h.captured.log, h.tdb.pool);
    await expect(
      buildServer({ config, log: h.captured.log, flow: services.flow, sessionSecret: 'x'.repeat(31) }),
    ).rejects.toBeInstanceOf(ConfigError);
  });

  it('marks cookies Secure unless the server listens on loopback, even over plain http', async () => {
    const onLan = await h.buildApp(h.configWith({ QUEUE_PREFIX: h.freshPrefix(), SERVER_HOST: '0.0.0.0' }));
    const response = await login(onLan);
    expect(response.statusCode).toBe(303);
    const session = cookiesOf(response).find((c) => c.startsWith('bbsync_session='));
    expect(session).toMatch(/; Secure/i);
    const enroll = await onLan.inject({ method: 'GET', url: '/enroll' });
    expect(cookiesOf(enroll).find((c) => c.startsWith('bbsync_enroll='))).toMatch(/; Secure/i);

    const onLoopback = await h.buildApp(
      h.configWith({ QUEUE_PREFIX: h.freshPrefix(), SERVER_HOST: '127.0.0.1' }),
    );
    const local = await login(onLoopback);
    expect(cookiesOf(local).find((c) => c.startsWith('bbsync_session='))).not.toMatch(/Secure/i);
    // A --host given on the command line counts, not only SERVER_HOST.
    const overridden = await h.buildApp(h.configWith({ QUEUE_PREFIX: h.freshPrefix() }), {
      listenHost: '::',
    });
    expect(cookiesOf(await login(overridden)).find((c) => c.startsWith('bbsync_session='))).toMatch(
      /; Secure/i,
    );
  });
});

describe('finding 4: the redirect after login', () => {
  // [the `next` form value as sent (URL-encoded), where the operator must land]
  const cases: [string, string][] = [
    ['%2F%09%2Fevil.example', '/'],
    ['%2F%0A%2Fevil.example', '/'],
    ['%2F%0D%0ALocation%3A%20https%3A%2F%2Fevil.example', '/'],
    ['%2F%5Cevil.example', '/'],
    ['%5C%5Cevil.example', '/'],
    ['%2F%2Fevil.example', '/'],
    ['%2F%2F%2Fevil.example', '/'],
    ['https%3A%2F%2Fevil.example%2F', '/'],
    ['http%3Aevil.example', '/'],
    ['%2F%252F%252Fevil.example', '/'],
    ['%2F%2509%2Fevil.example', '/'],
    ['%2F%255Cevil.example', '/'],
    ['%20%2F%2Fevil.example', '/'],
    ['javascript%3Aalert(1)', '/'],
    ['%2Fruns%2Frun_1%3Fpage%3D2', '/runs/run_1?page=2'],
    ['%2Fenrollments%3Fid%3Denr_1', '/enrollments?id=enr_1'],
  ];

  it.each(cases)('sends the operator to a path of this site only: next=%s', async (nextEncoded, expected) => {
    const app = await h.buildApp(h.configWith({ QUEUE_PREFIX: h.freshPrefix() }));
    const response = await login(app, { nextEncoded });
    expect(response.statusCode).toBe(303);
    const location = String(response.headers.location);
    // As a browser resolves it (it drops TAB, CR and LF and reads \ as /).
    expect(new URL(location, ORIGIN).origin).toBe(ORIGIN);
    expect(location).toBe(expected);

    // The same when an operator already logged in opens /login?next=...
    const cookie = cookieValue(response, 'bbsync_session')!;
    const again = await getWith(app, `/login?next=${nextEncoded}`, cookie);
    expect(again.statusCode).toBe(302);
    expect(new URL(String(again.headers.location), ORIGIN).origin).toBe(ORIGIN);
    expect(again.headers.location).toBe(expected);
  });
});
