/**
 * The public enrollment pages: `/enroll` sends the beneficiary to Blue Button, `/enroll/callback`
 * is where Blue Button sends them back. The state is bound to the browser by a signed, short-lived,
 * httpOnly cookie and, server side, by a single-use record holding the PKCE verifier.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

import type { Config } from '../config.ts';
import { AUTHORIZATION_TTL_SECONDS, type EnrollmentFlow } from '../enrollment/enroll.ts';
import type { Logger } from '../logger.ts';
import { outcomePage, tooManyStartsPage } from './enroll-pages.ts';
import { addressKey, MemoryWindowCounter } from './rate-limit.ts';

export const ENROLL_COOKIE = 'bbsync_enroll';

/** The window of the /enroll rate limits. */
export const ENROLL_WINDOW_SECONDS = 600;

export interface EnrollRoutesDeps {
  flow: EnrollmentFlow;
  secureCookies: (request: FastifyRequest) => boolean;
  config: Pick<Config, 'server'>;
  log: Logger;
  /** Called once a beneficiary is connected (the server starts their first sync); never awaited by the page. */
  onConnected?: (enrollmentId: string) => Promise<void>;
  /** Counts a beneficiary Blue Button has no data for (for /metrics); at most ENROLL_RATE_LIMIT_GLOBAL per window. */
  onNotFound?: () => Promise<void>;
}

export async function enrollRoutes(app: FastifyInstance, deps: EnrollRoutesDeps): Promise<void> {
  // Each GET /enroll stores a pending authorization (its PKCE verifier): bounded per client address
  // and per server instance, so a script cannot fill the table. In memory: /enroll needs no Redis.
  const starts = new MemoryWindowCounter(ENROLL_WINDOW_SECONDS);
  const notFound = new MemoryWindowCounter(ENROLL_WINDOW_SECONDS);
  const { enrollRateLimit, enrollRateLimitGlobal } = deps.config.server;

  app.get('/enroll', async (request, reply) => {
    const [perAddress, overall] = await starts.hit([`address:${addressKey(request.ip)}`, 'global']);
    const limited =
      perAddress!.count > enrollRateLimit
        ? perAddress!
        : overall!.count > enrollRateLimitGlobal
          ? overall!
          : undefined;
    if (limited) {
      deps.log.warn(
        { scope: limited === overall ? 'global' : 'address' },
        'enrollment start refused: rate limit',
      );
      reply.header('retry-after', String(limited.resetInSeconds));
      return reply.code(429).type('text/html; charset=utf-8').send(tooManyStartsPage());
    }
    const { url, state } = await deps.flow.start();
    reply.setCookie(ENROLL_COOKIE, state, {
      path: '/enroll',
      httpOnly: true,
      // Lax: the cookie must come back on the top-level redirect from Blue Button.
      sameSite: 'lax',
      secure: deps.secureCookies(request),
      signed: true,
      maxAge: AUTHORIZATION_TTL_SECONDS,
    });
    return reply.redirect(url.href, 302);
  });

  app.get('/enroll/callback', async (request, reply) => {
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    const raw = request.cookies[ENROLL_COOKIE];
    const unsigned = raw ? request.unsignCookie(raw) : undefined;
    const outcome = await deps.flow.complete(
      query,
      unsigned?.valid ? (unsigned.value ?? undefined) : undefined,
    );
    reply.clearCookie(ENROLL_COOKIE, { path: '/enroll' });
    if (outcome.kind === 'not_found') await countNotFound(request);
    if (outcome.kind === 'connected' && deps.onConnected) {
      const { enrollmentId } = outcome.enrollment;
      deps
        .onConnected(enrollmentId)
        .catch((err: unknown) =>
          request.log.warn(
            { enrollmentId, err: { message: (err as Error).message } },
            'could not start the first sync of a new enrollment: the nightly run will do it',
          ),
        );
    }
    const { status, body } = outcomePage(outcome);
    return reply.code(status).type('text/html; charset=utf-8').send(body);
  });

  /** The not-found callback needs no state, so anyone can call it: counted within the global bound only. */
  async function countNotFound(request: FastifyRequest): Promise<void> {
    const [seen] = await notFound.hit(['global']);
    if (seen!.count > enrollRateLimitGlobal || !deps.onNotFound) return;
    await deps
      .onNotFound()
      .catch((err: unknown) =>
        request.log.warn(
          { err: { message: (err as Error).message } },
          'could not count a not-found enrollment',
        ),
      );
  }
}
