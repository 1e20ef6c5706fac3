/**
 * The HTTP server (`bbsync server`): the public enrollment pages and, behind a login, the
 * operations dashboard. Built from its dependencies so tests run it in-process.
 */
import type { ServerOptions } from 'node:http';

import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';

import type { Config } from '../config.ts';
import { MIN_SESSION_SECRET_LENGTH } from '../config/secrets.ts';
import type { TrustProxy } from '../config/trust-proxy.ts';
import type { EnrollmentFlow } from '../enrollment/enroll.ts';
import { ConfigError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { cookieSecurity } from './cookies.ts';
import { enrollRoutes } from './enroll-routes.ts';
import { html, page } from './html.ts';

export interface ServerDeps {
  config: Config;
  log: Logger;
  flow: EnrollmentFlow;
  /** Secret that signs cookies (SESSION_SECRET). */
  sessionSecret: string;
  /** Starts the first sync of a beneficiary who just connected (see enrollRoutes). */
  onConnected?: (enrollmentId: string) => Promise<void>;
  /** Counts a beneficiary Blue Button has no data for (see enrollRoutes). */
  onNotFound?: () => Promise<void>;
  /** Adds the dashboard routes (registered by the dashboard module when present). */
  extraRoutes?: (app: FastifyInstance) => Promise<void>;
  /** The address the server listens on (default SERVER_HOST): decides COOKIE_SECURE=auto. */
  listenHost?: string;
}

/** Request bodies are small forms: anything larger is refused with 413 before it is read. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** fastify's trustProxy from TRUST_PROXY: never `true` (any client could choose its address). */
function trustProxyOption(
  setting: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (setting === false) return false;
  // A hop count: the addresses of the nearest `setting` hops are proxies, the next one is the client.
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return [...setting];
}

/**
 * The listener's bounds: a request must arrive whole and be answered within the request timeout
 * (also the longest a connection may sit idle), so slow or stalled clients cannot hold sockets.
 */
function timeoutOptions(config: Config) {
  const ms = config.server.requestTimeoutMs;
  return {
    requestTimeout: ms,
    connectionTimeout: ms,
    keepAliveTimeout: Math.min(5_000, ms),
    // Node checks request timeouts on this interval (30 s by default, longer than a short timeout).
    http: <ServerOptions>{
      connectionsCheckingInterval: Math.max(250, Math.min(30_000, Math.floor(ms / 2))),
      headersTimeout: ms,
    },
  };
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  if (deps.sessionSecret.length < MIN_SESSION_SECRET_LENGTH) {
    throw new ConfigError([
      `SESSION_SECRET: must be at least ${MIN_SESSION_SECRET_LENGTH} characters (npx bbsync gen-key prints one)`,
    ]);
  }
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // Request URLs can carry an authorization code or state: we log our own, path-only line.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: trustProxyOption(deps.config.server.trustProxy),
    bodyLimit: BODY_LIMIT_BYTES,
    ...timeoutOptions(deps.config),
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
  await app.register(cookie, { secret: deps.sessionSecret });
  await app.register(formbody);

  const secureCookies = cookieSecurity(deps.config, deps.listenHost);

  app.addHook('onResponse', async (request, reply) => {
    deps.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'http request',
    );
  });

  app.setErrorHandler(async (error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) deps.log.error({ err: error, route: request.routeOptions.url }, 'request failed');
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(
        page(
          'Error',
          html`<h1>${status >= 500 ? 'Something went wrong' : 'This request could not be served'}</h1>
            <div class="notice bad">
              <p>${status >= 500 ? 'An unexpected error happened. It has been logged.' : error.message}</p>
            </div>`,
          { narrow: true },
        ),
      );
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  await enrollRoutes(app, {
    flow: deps.flow,
    secureCookies,
    config: deps.config,
    log: deps.log,
    onConnected: deps.onConnected,
    onNotFound: deps.onNotFound,
  });
  await deps.extraRoutes?.(app);
  return app;
}
