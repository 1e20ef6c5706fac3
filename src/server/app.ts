/**
 * The HTTP server (`bbsync server`): the public enrollment pages and, behind a login, the
 * operations dashboard. Built from its dependencies so tests run it in-process.
 */
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';

import type { Config } from '../config.ts';
import type { EnrollmentFlow } from '../enrollment/enroll.ts';
import type { Logger } from '../logger.ts';
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
  /** Adds the dashboard routes (registered by the dashboard module when present). */
  extraRoutes?: (app: FastifyInstance) => Promise<void>;
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // Request URLs can carry an authorization code or state: we log our own, path-only line.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: true,
    bodyLimit: 64 * 1024,
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

  const cookieSecure = deps.config.server.cookieSecure;
  const secureCookies = (requestIsHttps: boolean) =>
    cookieSecure === 'auto' ? requestIsHttps : cookieSecure;

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
  await enrollRoutes(app, { flow: deps.flow, secureCookies, onConnected: deps.onConnected });
  await deps.extraRoutes?.(app);
  return app;
}
