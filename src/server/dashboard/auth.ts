/**
 * The dashboard's login: CSRF protection, reading the session cookie, refusing cross-site writes,
 * the login and logout routes, and the hook that keeps every other page behind a login.
 */
import { createHmac } from 'node:crypto';

import csrfProtection from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { recordAudit } from '../../db/audit.ts';
import { flashFrom } from './layout.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { formExpiredPage, loginPage, notConfiguredPage } from './pages/login.ts';
import { safeEqual, verifyPassword } from './password.ts';
import { safeNext } from './redirect-after-login.ts';
import { sendPage, wantsHtml, type DashboardContext } from './respond.ts';
import { CSRF_COOKIE, SESSION_COOKIE, SESSION_TTL_SECONDS, type Operator } from './session.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in operator of a dashboard request, or null. */
    operator: Operator | null;
  }
}

/** What CSRF tokens of pages without a login (the login form) are bound to. */
const ANONYMOUS = 'anonymous';

export interface Credentials {
  user: string;
  passwordHash: string;
}

/**
 * Whether a state-changing request comes from this site (defence in depth on top of CSRF tokens,
 * and the only check on bull-board's JSON actions). Browsers say so in Sec-Fetch-Site; older ones
 * send an Origin (helmet's no-referrer policy makes Chromium send `Origin: null` on form posts, so
 * "null" proves nothing either way). Clients that send neither are not browsers: no CSRF risk.
 */
function sameOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null') return true;
  try {
    return new URL(origin).host === request.host;
  } catch {
    return false;
  }
}

export function csrfTokenFor(secureCookie: (request: FastifyRequest) => boolean) {
  return (request: FastifyRequest, reply: FastifyReply): string =>
    reply.generateCsrf({ userInfo: request.operator?.sid ?? ANONYMOUS, secure: secureCookie(request) });
}

/** The operator of the request's session cookie, or null (no cookie, a bad signature, ended). */
async function readOperator(
  request: FastifyRequest,
  ctx: DashboardContext,
  credentials: Credentials,
): Promise<Operator | null> {
  const raw = request.cookies[SESSION_COOKIE];
  if (!raw) return null;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return null;
  try {
    return await ctx.sessions.read(unsigned.value, credentials, ctx.now().getTime());
  } catch (err) {
    ctx.log.warn({ err: { message: (err as Error).message } }, 'dashboard sessions unavailable (Redis)');
    return null;
  }
}

/**
 * Registers CSRF protection, the session-reading hook and the login routes on `dash`. Without
 * credentials (`problems` not empty) every request answers 503 with how to configure the login.
 */
export async function registerAuth(
  dash: FastifyInstance,
  ctx: DashboardContext,
  options: {
    credentials: Credentials;
    problems: string[];
    sessionSecret: string;
    throttle: LoginThrottle;
  },
): Promise<void> {
  const { credentials, problems } = options;
  dash.decorateRequest('operator', null);
  await dash.register(csrfProtection, {
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, signed: true },
    // Tokens are bound to the login (its random session id), so a planted cookie is useless.
    // Before login (the login form) they are bound to a fixed marker: @fastify/csrf needs a value.
    getUserInfo: (request) => request.operator?.sid ?? ANONYMOUS,
    csrfOpts: {
      userInfo: true,
      hmacKey: createHmac('sha256', options.sessionSecret).update('bbsync-csrf').digest('base64url'),
    },
  });

  dash.addHook('onRequest', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (problems.length > 0) {
      if (wantsHtml(request)) return sendPage(reply, notConfiguredPage(problems), 503);
      return reply
        .code(503)
        .send({ error: 'the dashboard is not configured (DASHBOARD_USER, DASHBOARD_PASSWORD_HASH)' });
    }
    request.operator = await readOperator(request, ctx, credentials);
    if (request.method !== 'GET' && request.method !== 'HEAD' && !sameOrigin(request)) {
      return reply.code(403).send({ error: 'cross-site request refused' });
    }
  });

  dash.setErrorHandler(async (error: Error & { code?: string; statusCode?: number }, request, reply) => {
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      ctx.log.warn(
        { route: request.routeOptions.url, code: error.code },
        'dashboard request without a valid CSRF token',
      );
      return sendPage(reply, formExpiredPage(), 403);
    }
    throw error;
  });

  loginRoutes(dash, ctx, credentials, options.throttle);
}

function loginRoutes(
  dash: FastifyInstance,
  ctx: DashboardContext,
  credentials: Credentials,
  throttle: LoginThrottle,
): void {
  const { log } = ctx;

  dash.get<{ Querystring: { next?: string; flash?: string } }>('/login', async (request, reply) => {
    const next = safeNext(request.query.next);
    if (request.operator) return reply.redirect(next, 302);
    return sendPage(
      reply,
      loginPage({ csrf: ctx.csrfFor(request, reply), next, flash: flashFrom(request.query) }),
    );
  });

  dash.post<{ Body: LoginBody }>('/login', { preHandler: dash.csrfProtection }, async (request, reply) => {
    const next = safeNext(request.body?.next);
    const refuse = (status: number, error: string) =>
      sendPage(reply, loginPage({ csrf: ctx.csrfFor(request, reply), next, error }), status);
    try {
      return await logIn(ctx, credentials, throttle, request, reply, { next, refuse });
    } catch (err) {
      log.error({ err: { message: (err as Error).message } }, 'dashboard login failed: sessions unavailable');
      return refuse(
        503,
        'Logging in is not possible right now (the session store does not answer). Try again.',
      );
    }
  });

  dash.post('/logout', { preHandler: dash.csrfProtection }, async (request, reply) => {
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    if (request.operator) {
      await ctx.sessions.destroy(request.operator);
      log.info({ user: request.operator.user }, 'dashboard logout');
    }
    return reply.redirect('/login?flash=logged-out', 303);
  });
}

type LoginBody = { username?: string; password?: string; next?: string };

/** Checks one login attempt (throttle, then password) and on success starts a session. */
async function logIn(
  ctx: DashboardContext,
  credentials: Credentials,
  throttle: LoginThrottle,
  request: FastifyRequest<{ Body: LoginBody }>,
  reply: FastifyReply,
  options: { next: string; refuse: (status: number, error: string) => FastifyReply },
): Promise<FastifyReply> {
  const { log } = ctx;
  const givenUser = String(request.body?.username ?? '').slice(0, 200);
  const givenPassword = String(request.body?.password ?? '');
  const verdict = await throttle.attempt(request.ip, givenUser);
  if (!verdict.allowed) {
    log.warn({ ip: request.ip, scope: verdict.scope }, 'dashboard login refused: too many attempts');
    reply.header('retry-after', String(verdict.retryAfterSeconds));
    const minutes = Math.ceil(verdict.retryAfterSeconds / 60);
    return options.refuse(429, `Too many login attempts. Try again in ${minutes} minute(s).`);
  }
  // The password is always checked, so a wrong user name takes as long as a wrong password.
  const passwordOk = await verifyPassword(givenPassword, credentials.passwordHash);
  if (!(safeEqual(givenUser, credentials.user) && passwordOk)) {
    log.warn({ ip: request.ip }, 'dashboard login failed');
    return options.refuse(401, 'Wrong user name or password.');
  }
  await throttle.succeeded(request.ip, givenUser);
  const operator = await ctx.sessions.create(
    credentials.user,
    credentials.passwordHash,
    { address: request.ip, userAgent: String(request.headers['user-agent'] ?? '') },
    ctx.now().getTime(),
  );
  reply.setCookie(SESSION_COOKIE, operator.sid, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secureCookie(request),
    signed: true,
    maxAge: SESSION_TTL_SECONDS,
  });
  await recordAudit(ctx.pool, { actor: `dashboard:${credentials.user}`, action: 'login' });
  log.info({ user: credentials.user }, 'dashboard login');
  return reply.redirect(options.next, 303);
}

/** Keeps every route of `secured` behind a login: a redirect for pages, 401 for anything else. */
export function requireOperator(secured: FastifyInstance): void {
  secured.addHook('onRequest', async (request, reply) => {
    if (request.operator) return;
    if (wantsHtml(request)) {
      if (request.method === 'GET')
        return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 302);
      return reply.redirect('/login?flash=session-ended', 303);
    }
    return reply.code(401).send({ error: 'login required' });
  });
}
