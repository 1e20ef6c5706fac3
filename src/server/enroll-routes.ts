/**
 * The public enrollment pages: `/enroll` sends the beneficiary to Blue Button, `/enroll/callback`
 * is where Blue Button sends them back. The state is bound to the browser by a signed, short-lived,
 * httpOnly cookie and, server side, by a single-use record holding the PKCE verifier.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

import type { Config } from '../config.ts';
import {
  AUTHORIZATION_TTL_SECONDS,
  type EnrollmentFlow,
  type EnrollmentOutcome,
} from '../enrollment/enroll.ts';
import type { Logger } from '../logger.ts';
import { html, page } from './html.ts';
import { addressKey, MemoryWindowCounter } from './rate-limit.ts';

export const ENROLL_COOKIE = 'bbsync_enroll';

/** The window of the /enroll rate limits. */
export const ENROLL_WINDOW_SECONDS = 600;

export interface EnrollRoutesDeps {
  flow: EnrollmentFlow;
  secureCookies: (request: FastifyRequest) => boolean;
  config: Pick<Config, 'server'>;
  log: Logger;
}

export async function enrollRoutes(app: FastifyInstance, deps: EnrollRoutesDeps): Promise<void> {
  // Each GET /enroll stores a pending authorization (its PKCE verifier): bounded per client address
  // and per server instance, so a script cannot fill the table. In memory: /enroll needs no Redis.
  const starts = new MemoryWindowCounter(ENROLL_WINDOW_SECONDS);
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
    const { status, body } = outcomePage(outcome);
    return reply.code(status).type('text/html; charset=utf-8').send(body);
  });
}

function tooManyStartsPage(): string {
  return page(
    'Please wait',
    html`<h1>Too many attempts</h1>
      <div class="notice warn">
        <p>
          Connecting was started too many times from this network. Please wait a few minutes and try again.
        </p>
      </div>`,
    { narrow: true },
  );
}

/** What the beneficiary sees after Blue Button sent them back: plain words, never a stack trace. */
export function outcomePage(outcome: EnrollmentOutcome): { status: number; body: string } {
  const again = html`<p><a class="button" href="/enroll">Connect again</a></p>`;
  switch (outcome.kind) {
    case 'connected': {
      const demographics = /patient\/Patient\./.test(outcome.enrollment.scope);
      return {
        status: 200,
        body: page(
          'Connected',
          html`<h1>Your Medicare data is connected</h1>
            <div class="notice ok">
              <p>Thank you. We can now keep your Medicare claims up to date.</p>
              ${demographics ? '' : html`<p>You chose not to share your personal information (name, address, date of birth); we will only read your claims and coverage.</p>`}
              ${outcome.enrollment.accessGrantExpiration ? html`<p class="muted">Medicare lets this connection last until ${outcome.enrollment.accessGrantExpiration.slice(0, 10)}; we will ask you to connect again before then.</p>` : ''}
            </div>
            <p class="muted">Reference: ${outcome.enrollment.enrollmentId}</p>`,
          { narrow: true },
        ),
      };
    }
    case 'denied':
      return {
        status: 200,
        body: page(
          'Not connected',
          html`<h1>Nothing was shared</h1>
            <div class="notice warn">
              <p>
                You chose not to share your Medicare data, so we did not connect. You can change your mind at
                any time.
              </p>
            </div>
            ${again}`,
          { narrow: true },
        ),
      };
    case 'expired':
      return {
        status: 400,
        body: page(
          'Link expired',
          html`<h1>This link has expired</h1>
            <div class="notice warn">
              <p>
                Connecting must be finished within ${AUTHORIZATION_TTL_SECONDS / 60} minutes. Please start
                again.
              </p>
            </div>
            ${again}`,
          { narrow: true },
        ),
      };
    case 'replayed':
      return {
        status: 400,
        body: page(
          'Link already used',
          html`<h1>This link was already used</h1>
            <div class="notice warn">
              <p>Each connection link works once. If you are not connected yet, please start again.</p>
            </div>
            ${again}`,
          { narrow: true },
        ),
      };
    case 'wrong_browser':
      return {
        status: 400,
        body: page(
          'Link not recognized',
          html`<h1>We could not match this link to your browser</h1>
            <div class="notice bad"><p>Please start connecting from this device and browser.</p></div>
            ${again}`,
          { narrow: true },
        ),
      };
    case 'error':
      return {
        status: 502,
        body: page(
          'Something went wrong',
          html`<h1>We could not connect your data</h1>
            <div class="notice bad">
              <p>
                Something went wrong while talking to Medicare's Blue Button service. Nothing was saved.
                Please try again in a few minutes.
              </p>
              <p class="muted">Details: ${outcome.category}</p>
            </div>
            ${again}`,
          { narrow: true },
        ),
      };
  }
}
