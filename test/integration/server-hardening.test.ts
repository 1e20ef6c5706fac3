/**
 * The server's defences against a hostile client (issue 12, findings 1, 4 and the server parts of
 * 6 and 7), through the real app (fastify inject, and real HTTP where the socket matters): the
 * client address and login throttling shared in Redis, server-side sessions, the redirect after
 * login, request bounds, the /enroll rate limit, and what /readyz and /metrics tell whom.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildBb2Services } from '../../src/services.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { ConfigError } from '../../src/errors.ts';
import { buildServer } from '../../src/server/app.ts';
import { buildMetricsServer, dashboardRoutes } from '../../src/server/dashboard/index.ts';
import type { LoginLimits } from '../../src/server/dashboard/login-throttle.ts';
import { DEFAULT_LOGIN_LIMITS } from '../../src/server/dashboard/login-throttle.ts';
import { hashPassword } from '../../src/server/dashboard/password.ts';
import { createQueues, redisConnection, type Queues } from '../../src/workers/queues.ts';
import { capturingLogger, startTestEmulator, testEnv } from '../helpers/bb2.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const USER = 'ops';
const PASSWORD = 'correct horse battery staple';
const SECRET = 'hardening-test-session-secret-0123456789';
const ORIGIN = 'http://dashboard.test';

let emulator: RunningEmulator;
let tdb: TestDatabase;
let redis: Redis;
let passwordHash: string;
const captured = capturingLogger('info');
const opened: { close(): Promise<unknown> }[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator({ users: 3 });
  tdb = await createTestDatabase('server_hardening');
  passwordHash = await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 });
  redis = redisConnection(testEnv(emulator, tdb.url).REDIS_URL!);
});

afterAll(async () => {
  for (const o of opened.reverse()) await o.close();
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  }
  redis?.disconnect();
  await tdb?.drop();
  await emulator?.close();
});

const prefixes: string[] = [];

/** A Redis prefix of the test's own, so its counters and sessions start empty. */
function freshPrefix(): string {
  const prefix = `bbsync-test-hardening-${randomBytes(4).toString('hex')}`;
  prefixes.push(prefix);
  return prefix;
}

function configWith(env: Record<string, string>): Config {
  return loadConfig({
    ...testEnv(emulator, tdb.url),
    DASHBOARD_USER: USER,
    DASHBOARD_PASSWORD_HASH: passwordHash,
    ...env,
  });
}

/** `bbsync server`'s app with the dashboard, as runServer assembles it. */
async function buildApp(
  config: Config,
  options: { loginLimits?: LoginLimits; listenHost?: string; pingRedis?: () => Promise<unknown> } = {},
): Promise<FastifyInstance> {
  const services = buildBb2Services(config, captured.log, tdb.pool);
  const queues: Queues = createQueues(redis, config.queuePrefix);
  const app = await buildServer({
    config,
    log: captured.log,
    flow: services.flow,
    sessionSecret: SECRET,
    listenHost: options.listenHost,
    extraRoutes: dashboardRoutes({
      config,
      log: captured.log,
      pool: tdb.pool,
      queues,
      redis,
      pingRedis: options.pingRedis ?? (() => redis.ping()),
      revoke: { vault: services.vault, oauth: services.oauth },
      sessionSecret: SECRET,
      listenHost: options.listenHost,
      loginLimits: options.loginLimits,
    }),
  });
  opened.push(app, { close: () => queues.close() });
  return app;
}

function csrfOf(body: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(body);
  if (!m) throw new Error(`no CSRF token in page: ${body.slice(0, 300)}`);
  return m[1]!;
}

function cookiesOf(response: LightMyRequestResponse): string[] {
  return ([] as string[]).concat(response.headers['set-cookie'] ?? []);
}

function cookieValue(response: LightMyRequestResponse, name: string): string | undefined {
  const c = cookiesOf(response).find((s) => s.startsWith(`${name}=`));
  return c?.split(';')[0];
}

interface LoginOptions {
  username?: string;
  password?: string;
  /** The raw, already URL-encoded `next` form value. */
  nextEncoded?: string;
  remoteAddress?: string;
  headers?: Record<string, string>;
}

/** One login as a browser does it: the form (for its CSRF cookie and token), then the POST. */
async function login(app: FastifyInstance, o: LoginOptions = {}): Promise<LightMyRequestResponse> {
  const form = await app.inject({
    method: 'GET',
    url: '/login',
    remoteAddress: o.remoteAddress,
    headers: o.headers,
  });
  const body =
    `_csrf=${encodeURIComponent(csrfOf(form.body))}&username=${encodeURIComponent(o.username ?? USER)}` +
    `&password=${encodeURIComponent(o.password ?? PASSWORD)}&next=${o.nextEncoded ?? '%2F'}`;
  return app.inject({
    method: 'POST',
    url: '/login',
    remoteAddress: o.remoteAddress,
    headers: {
      ...o.headers,
      cookie: cookieValue(form, 'bbsync_csrf')!,
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: body,
  });
}

/** The session cookie (`name=value`) of a successful login. */
async function session(app: FastifyInstance, o: LoginOptions = {}): Promise<string> {
  const response = await login(app, o);
  expect(response.statusCode).toBe(303);
  return cookieValue(response, 'bbsync_session')!;
}

async function getWith(app: FastifyInstance, url: string, cookie: string) {
  return app.inject({ method: 'GET', url, headers: { cookie, accept: 'text/html' } });
}

describe('finding 1: the client address and login throttling', () => {
  it('throttles a client that sends a new X-Forwarded-For on every try when TRUST_PROXY is off', async () => {
    const app = await buildApp(configWith({ QUEUE_PREFIX: freshPrefix() }));
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
    const config = configWith({ QUEUE_PREFIX: freshPrefix() });
    const [first, second] = [await buildApp(config), await buildApp(config)];
    for (let i = 0; i < 6; i++)
      expect((await login(first, { password: 'guess', remoteAddress: '192.0.2.20' })).statusCode).toBe(401);
    for (let i = 0; i < 4; i++)
      expect((await login(second, { password: 'guess', remoteAddress: '192.0.2.20' })).statusCode).toBe(401);
    expect((await login(second, { password: 'guess', remoteAddress: '192.0.2.20' })).statusCode).toBe(429);
    expect((await login(first, { password: 'guess', remoteAddress: '192.0.2.20' })).statusCode).toBe(429);
  });

  it('believes X-Forwarded-For only from the trusted hop, and throttles each client behind the proxy on its own', async () => {
    const app = await buildApp(configWith({ QUEUE_PREFIX: freshPrefix(), TRUST_PROXY: '1' }));
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
    const app = await buildApp(configWith({ QUEUE_PREFIX: freshPrefix(), TRUST_PROXY: '1' }), {
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
    expect(captured.text()).toContain('"scope":"overall"');
  });

  it('keeps the counters in Redis, each with an expiry, and a right password does not count', async () => {
    const prefix = freshPrefix();
    const app = await buildApp(configWith({ QUEUE_PREFIX: prefix }));
    for (let i = 0; i < 3; i++) await login(app, { password: 'guess', remoteAddress: '192.0.2.30' });
    await session(app, { remoteAddress: '192.0.2.31' });
    const keys = await redis.keys(`${prefix}:dashboard:login:*`);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const key of keys) {
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(DEFAULT_LOGIN_LIMITS.windowSeconds);
    }
    expect(await redis.get(`${prefix}:dashboard:login:overall`)).toBe('3');
    expect(await redis.exists(`${prefix}:dashboard:login:address:192.0.2.31`)).toBe(0);
  });

  it('refuses TRUST_PROXY=true and malformed proxy lists with a clear configuration error', () => {
    expect(() => configWith({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: true would let any client/);
    expect(() => configWith({ TRUST_PROXY: '10.0.0.0/99,proxy.example' })).toThrow(
      /TRUST_PROXY: not an IP address or CIDR: 10\.0\.0\.0\/99, proxy\.example/,
    );
    expect(configWith({}).server.trustProxy).toBe(false);
    expect(configWith({ TRUST_PROXY: '2' }).server.trustProxy).toBe(2);
    expect(configWith({ TRUST_PROXY: '10.0.0.0/8, ::1' }).server.trustProxy).toEqual(['10.0.0.0/8', '::1']);
  });
});

describe('finding 7: sessions kept server side', () => {
  it('logout deletes the session, so a copied cookie no longer works', async () => {
    const app = await buildApp(configWith({ QUEUE_PREFIX: freshPrefix() }));
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
    const config = configWith({ QUEUE_PREFIX: freshPrefix() });
    const [first, second] = [await buildApp(config), await buildApp(config)];
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
    const { rows } = await tdb.pool.query(
      `SELECT actor, details FROM audit_log WHERE action = 'revoke_sessions' ORDER BY at DESC LIMIT 1`,
    );
    expect(rows[0]).toMatchObject({ actor: 'dashboard:ops', details: { which: 'others', ended: 1 } });
  });

  it('refuses a SESSION_SECRET shorter than 32 characters with a clear configuration error', async () => {
    expect(() => configWith({ SESSION_SECRET: 'short-secret' })).toThrow(
      /SESSION_SECRET: must be at least 32/,
    );
    const config = configWith({});
    const services = buildBb2Services(config, captured.log, tdb.pool);
    await expect(
      buildServer({ config, log: captured.log, flow: services.flow, sessionSecret: 'x'.repeat(31) }),
    ).rejects.toBeInstanceOf(ConfigError);
  });

  it('marks cookies Secure unless the server listens on loopback, even over plain http', async () => {
    const onLan = await buildApp(configWith({ QUEUE_PREFIX: freshPrefix(), SERVER_HOST: '0.0.0.0' }));
    const response = await login(onLan);
    expect(response.statusCode).toBe(303);
    const session = cookiesOf(response).find((c) => c.startsWith('bbsync_session='));
    expect(session).toMatch(/; Secure/i);
    const enroll = await onLan.inject({ method: 'GET', url: '/enroll' });
    expect(cookiesOf(enroll).find((c) => c.startsWith('bbsync_enroll='))).toMatch(/; Secure/i);

    const onLoopback = await buildApp(configWith({ QUEUE_PREFIX: freshPrefix(), SERVER_HOST: '127.0.0.1' }));
    const local = await login(onLoopback);
    expect(cookiesOf(local).find((c) => c.startsWith('bbsync_session='))).not.toMatch(/Secure/i);
    // A --host given on the command line counts, not only SERVER_HOST.
    const overridden = await buildApp(configWith({ QUEUE_PREFIX: freshPrefix() }), { listenHost: '::' });
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
    const app = await buildApp(configWith({ QUEUE_PREFIX: freshPrefix() }));
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

describe('finding 6: bounded requests and a bounded /enroll', () => {
  it('closes a connection that sends half a request and then nothing', async () => {
    const app = await buildApp(
      configWith({ QUEUE_PREFIX: freshPrefix(), SERVER_REQUEST_TIMEOUT_MS: '1000' }),
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
    const app = await buildApp(configWith({ QUEUE_PREFIX: freshPrefix() }));
    const response = await app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `username=${'a'.repeat(70 * 1024)}`,
    });
    expect(response.statusCode).toBe(413);
  });

  it('limits how many enrollment links one address can start, so GET /enroll cannot fill the table', async () => {
    const app = await buildApp(configWith({ QUEUE_PREFIX: freshPrefix(), ENROLL_RATE_LIMIT: '3' }));
    const count = async () =>
      (await tdb.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM authorization_requests`)).rows[0]!
        .n;
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
    const app = await buildApp(
      configWith({ QUEUE_PREFIX: freshPrefix(), ENROLL_RATE_LIMIT: '3', ENROLL_RATE_LIMIT_GLOBAL: '4' }),
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
    const app = await buildApp(configWith({ QUEUE_PREFIX: freshPrefix() }), {
      pingRedis: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6390')),
    });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'unavailable' });
    expect(response.body).not.toMatch(/redis|postgres|ECONNREFUSED/i);
    expect(captured.text()).toContain('"dependency":"redis"');
    const healthy = await buildApp(configWith({ QUEUE_PREFIX: freshPrefix() }));
    expect((await healthy.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ok' });
  });

  it('serves /metrics and the detailed /readyz on METRICS_PORT only, when it is set', async () => {
    const config = configWith({ QUEUE_PREFIX: freshPrefix(), METRICS_PORT: '9464' });
    const app = await buildApp(config);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ok' });

    const queues = createQueues(redis, config.queuePrefix);
    const metrics = await buildMetricsServer({
      config,
      log: captured.log,
      pool: tdb.pool,
      queues,
      pingRedis: () => redis.ping(),
    });
    opened.push(metrics, { close: () => queues.close() });
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
