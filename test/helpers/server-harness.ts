/**
 * `bbsync server`'s app with the dashboard, built as runServer builds it, on a database and a Redis
 * prefix of the test's own: for the tests of the server's defences (login, sessions, bounds).
 */
import { randomBytes } from 'node:crypto';

import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';

import { loadConfig, type Config } from '../../src/config.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { buildServer } from '../../src/server/app.ts';
import { dashboardRoutes } from '../../src/server/dashboard/index.ts';
import type { LoginLimits } from '../../src/server/dashboard/login-throttle.ts';
import { hashPassword } from '../../src/server/dashboard/password.ts';
import { buildBb2Services } from '../../src/services.ts';
import { createQueues, type Queues } from '../../src/workers/queues.ts';
import { redisConnection, type RedisClient } from '../../src/workers/redis.ts';
import { capturingLogger, startTestEmulator, testEnv } from './bb2.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export const USER = 'ops';
export const PASSWORD = 'correct horse battery staple';
export const SECRET = 'hardening-test-session-secret-0123456789';
/** An origin to resolve redirects against, as a browser would. */
export const ORIGIN = 'http://dashboard.test';

export interface AppOptions {
  loginLimits?: LoginLimits;
  listenHost?: string;
  pingRedis?: () => Promise<unknown>;
}

export interface ServerHarness {
  tdb: TestDatabase;
  redis: RedisClient;
  captured: ReturnType<typeof capturingLogger>;
  /** A Redis prefix (QUEUE_PREFIX) of the test's own, so its counters and sessions start empty. */
  freshPrefix(): string;
  /** The configuration of the harness's database and emulator, with the dashboard login. */
  configWith(env: Record<string, string>): Config;
  buildApp(config: Config, options?: AppOptions): Promise<FastifyInstance>;
  /** Registers something to close at the end (apps are registered by buildApp). */
  closeLater(o: { close(): Promise<unknown> }): void;
  close(): Promise<void>;
}

export async function startServerHarness(label: string): Promise<ServerHarness> {
  const emulator: RunningEmulator = await startTestEmulator({ users: 3 });
  const tdb = await createTestDatabase(label);
  const passwordHash = await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 });
  const redis = redisConnection(loadConfig(testEnv(emulator, tdb.url)).redis);
  const captured = capturingLogger('info');
  const opened: { close(): Promise<unknown> }[] = [];
  const prefixes: string[] = [];

  const configWith = (env: Record<string, string>): Config =>
    loadConfig({
      ...testEnv(emulator, tdb.url),
      DASHBOARD_USER: USER,
      DASHBOARD_PASSWORD_HASH: passwordHash,
      ...env,
    });

  const buildApp = async (config: Config, options: AppOptions = {}): Promise<FastifyInstance> => {
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
  };

  return {
    tdb,
    redis,
    captured,
    configWith,
    buildApp,
    freshPrefix() {
      const prefix = `bbsync-test-server-${randomBytes(4).toString('hex')}`;
      prefixes.push(prefix);
      return prefix;
    },
    closeLater(o) {
      opened.push(o);
    },
    async close() {
      for (const o of opened.reverse()) await o.close();
      for (const prefix of prefixes) {
        const keys = await redis.keys(`{${prefix}}:*`);
        if (keys.length) await redis.del(...keys);
      }
      redis.disconnect();
      await tdb.drop();
      await emulator.close();
    },
  };
}

export function csrfOf(body: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(body);
  if (!m) throw new Error(`no CSRF token in page: ${body.slice(0, 300)}`);
  return m[1]!;
}

export function cookiesOf(response: LightMyRequestResponse): string[] {
  return ([] as string[]).concat(response.headers['set-cookie'] ?? []);
}

export function cookieValue(response: LightMyRequestResponse, name: string): string | undefined {
  const c = cookiesOf(response).find((s) => s.startsWith(`${name}=`));
  return c?.split(';')[0];
}

export interface LoginOptions {
  username?: string;
  password?: string;
  /** The raw, already URL-encoded `next` form value. */
  nextEncoded?: string;
  remoteAddress?: string;
  headers?: Record<string, string>;
}

/** One login as a browser does it: the form (for its CSRF cookie and token), then the POST. */
export async function login(app: FastifyInstance, o: LoginOptions = {}): Promise<LightMyRequestResponse> {
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
export async function session(app: FastifyInstance, o: LoginOptions = {}): Promise<string> {
  const response = await login(app, o);
  expect(response.statusCode).toBe(303);
  return cookieValue(response, 'bbsync_session')!;
}

export async function getWith(app: FastifyInstance, url: string, cookie: string) {
  return app.inject({ method: 'GET', url, headers: { cookie, accept: 'text/html' } });
}
