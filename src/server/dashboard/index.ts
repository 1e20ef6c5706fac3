/**
 * The operations dashboard, mounted on `bbsync server` (ServerDeps.extraRoutes):
 *
 *   /                      overview: runs, schedule, enrollments, queues, BB2 request rates
 *   /enrollments[/:id]     enrollments with sync state; one enrollment's attempts and actions
 *   /runs[/:id]            runs; one run's failures grouped by error category
 *   /admin/queues          bull-board (read-only unless DASHBOARD_ALLOW_ACTIONS=true)
 *   POST actions           sync now, retry a run's failures, revoke (CSRF token + audit_log)
 *   /login, /logout        DASHBOARD_USER + DASHBOARD_PASSWORD_HASH (scrypt)
 *   /readyz, /metrics      readiness and Prometheus metrics (no login; /metrics takes METRICS_TOKEN)
 *
 * Without DASHBOARD_USER every dashboard URL answers 503 with how to configure it: never open by
 * default. The enrollment pages (/enroll) and /healthz are not part of it and stay public.
 */
import { createHmac } from 'node:crypto';

import csrfProtection from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import type { Config } from '../../config.ts';
import { recordAudit } from '../../db/audit.ts';
import type { Pool } from '../../db/client.ts';
import {
  cursorsFor,
  enrollmentsByStatus,
  failedMemberIds,
  getEnrollmentDetail,
  getRunRow,
  grantsExpiringWithin,
  isEnrollmentSort,
  isEnrollmentStatus,
  isErrorCategory,
  listEnrollments,
  listRuns,
  pendingMembers,
  quarantinedFor,
  recentAttempts,
  recentAudit,
  requestCountsSince,
  runsOfEnrollment,
  summarizeRequests,
  type EnrollmentFilter,
} from '../../db/dashboard.ts';
import { runFailures } from '../../db/runs.ts';
import { unenroll, type UnenrollDeps } from '../../enrollment/unenroll.ts';
import { BbsyncError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { startRunNow } from '../../workers/enqueue.ts';
import { SCHEDULER_ID, type Queues } from '../../workers/queues.ts';
import { html, page } from '../html.ts';
import { dashboardPage, flashFrom, type Section, type Viewer } from './layout.ts';
import { createMetricsRegistry, JOB_STATES } from './metrics.ts';
import {
  EXPIRY_WARNING_DAYS,
  enrollmentPage,
  enrollmentsPage,
  overviewPage,
  revokePage,
  runPage,
  runsPage,
  type NextRun,
  type QueueCounts,
} from './pages.ts';
import { parsePasswordHash, safeEqual, verifyPassword } from './password.ts';
import { registerQueuesView } from './queues-view.ts';
import {
  CSRF_COOKIE,
  LoginLimiter,
  newSession,
  readSession,
  safeNext,
  SESSION_COOKIE,
  SESSION_TTL_SECONDS,
  type Operator,
} from './session.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in operator of a dashboard request, or null. */
    operator: Operator | null;
  }
}

export interface DashboardDeps {
  config: Config;
  log: Logger;
  pool: Pool;
  queues: Queues;
  /** Resolves when Redis answers (for /readyz). */
  pingRedis: () => Promise<unknown>;
  /** For revoking enrollments (the token vault and the BB2 OAuth client). */
  revoke: Pick<UnenrollDeps, 'vault' | 'oauth'>;
  /** SESSION_SECRET: signs the session and CSRF cookies. */
  sessionSecret: string;
  now?: () => Date;
  /** Redis calls made while rendering give up after this long (default 3 s). */
  redisTimeoutMs?: number;
}

const ENROLLMENTS_PAGE_SIZE = 50;
const RUNS_PAGE_SIZE = 50;
/** What CSRF tokens of pages without a login (the login form) are bound to. */
const ANONYMOUS = 'anonymous';

function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

function sendPage(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
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

function notConfiguredPage(problems: string[]): string {
  return page(
    'Dashboard not configured',
    html`<h1>The dashboard is not configured</h1>
      <div class="notice warn">
        <p>The operations dashboard needs a login before it shows anything:</p>
        <ul>
          ${problems.map((p) => html`<li>${p}</li>`)}
        </ul>
        <ol>
          <li>
            Hash a password: <code>npx bbsync hash-password</code> (it asks for the password, or reads it from
            stdin).
          </li>
          <li>
            Set <code>DASHBOARD_USER</code> and <code>DASHBOARD_PASSWORD_HASH</code> (the printed hash) and a
            long random <code>SESSION_SECRET</code> (<code>npx bbsync gen-key</code>) in the environment or
            <code>.env</code>.
          </li>
          <li>Restart <code>npx bbsync server</code>.</li>
        </ol>
      </div>
      <p class="muted">The enrollment pages (<a href="/enroll">/enroll</a>) work without this.</p>`,
    { narrow: true },
  );
}

function loginPage(options: {
  csrf: string;
  next: string;
  error?: string;
  flash?: ReturnType<typeof flashFrom>;
}): string {
  return page(
    'Log in',
    html`<div class="login">
      <h1>bluebutton-sync operations</h1>
      ${options.flash ?? ''}
      ${options.error ? html`<div class="notice bad flash" role="alert">${options.error}</div>` : ''}
      <form method="post" action="/login" class="card">
        <input type="hidden" name="_csrf" value="${options.csrf}" />
        <input type="hidden" name="next" value="${options.next}" />
        <label>User <input name="username" autocomplete="username" required autofocus /></label>
        <label
          >Password <input name="password" type="password" autocomplete="current-password" required
        /></label>
        <button type="submit">Log in</button>
      </form>
    </div>`,
  );
}

export function dashboardRoutes(deps: DashboardDeps): (app: FastifyInstance) => Promise<void> {
  const { config, log, pool, queues } = deps;
  const now = deps.now ?? (() => new Date());
  const redisTimeoutMs = deps.redisTimeoutMs ?? 3000;
  const user = config.server.dashboardUser;
  const passwordHash = config.server.dashboardPasswordHash;
  const problems: string[] = [];
  if (!user) problems.push('DASHBOARD_USER is not set.');
  if (!passwordHash) problems.push('DASHBOARD_PASSWORD_HASH is not set.');
  else if (!parsePasswordHash(passwordHash))
    problems.push('DASHBOARD_PASSWORD_HASH has parameters out of bounds: hash the password again.');
  const configured = problems.length === 0;
  const limiter = new LoginLimiter();
  const secure = (request: FastifyRequest) =>
    config.server.cookieSecure === 'auto' ? request.protocol === 'https' : config.server.cookieSecure;

  const withTimeout = <T>(p: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Redis did not answer in time')), redisTimeoutMs);
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });

  const metrics = createMetricsRegistry({ pool, queues, withTimeout, pingRedis: deps.pingRedis });
  const redisReachable = () =>
    withTimeout(deps.pingRedis()).then(
      () => true,
      () => false,
    );

  /** The schedule and queue depths, or 'unavailable' (BullMQ would wait for a down Redis: ping first). */
  const queueState = async (): Promise<{
    nextRun: NextRun | 'unavailable';
    counts: QueueCounts | 'unavailable';
  }> => {
    if (!(await redisReachable())) return { nextRun: 'unavailable', counts: 'unavailable' };
    const [nextRun, counts] = await Promise.all([
      withTimeout(queues.runs.getJobScheduler(SCHEDULER_ID)).then(
        (s): NextRun => (s ? { at: s.next, pattern: s.pattern ?? undefined, tz: s.tz ?? undefined } : null),
        () => 'unavailable' as const,
      ),
      Promise.all(
        [queues.sync, queues.runs].map(async (q) => ({
          name: q.name,
          counts: await withTimeout(q.getJobCounts(...JOB_STATES)),
        })),
      ).then(
        (v): QueueCounts => v,
        () => 'unavailable' as const,
      ),
    ]);
    return { nextRun, counts };
  };

  return async (app) => {
    // ---- health and metrics (no login) ------------------------------------------------------
    app.get('/readyz', async (_request, reply) => {
      const check = async (name: string, probe: () => Promise<unknown>) => {
        try {
          await withTimeout(probe());
          return 'ok';
        } catch (err) {
          log.warn({ dependency: name, err: { message: (err as Error).message } }, 'readiness check failed');
          return 'unreachable';
        }
      };
      const [postgres, redis] = await Promise.all([
        check('postgres', () => pool.query('SELECT 1')),
        check('redis', deps.pingRedis),
      ]);
      const ok = postgres === 'ok' && redis === 'ok';
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', postgres, redis });
    });

    app.get('/metrics', async (request, reply) => {
      const token = config.server.metricsToken;
      if (token) {
        const header = request.headers.authorization ?? '';
        const given = header.startsWith('Bearer ') ? header.slice(7) : '';
        if (!safeEqual(given, token)) {
          return reply
            .code(401)
            .header('www-authenticate', 'Bearer realm="metrics"')
            .send({ error: 'bearer token required' });
        }
      }
      try {
        const text = await metrics.metrics();
        return reply.header('cache-control', 'no-store').type(metrics.contentType).send(text);
      } catch (err) {
        log.warn({ err: { message: (err as Error).message } }, 'metrics unavailable');
        return reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send('# metrics unavailable: the database did not answer\n');
      }
    });

    if (!configured) log.warn({ problems }, 'the dashboard is not configured: it answers 503 until it is');

    // ---- the dashboard ------------------------------------------------------------------------
    await app.register(async (dash) => {
      dash.decorateRequest('operator', null);
      await dash.register(csrfProtection, {
        cookieKey: CSRF_COOKIE,
        cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, signed: true },
        // Tokens are bound to the login (its random session id), so a planted cookie is useless.
        // Before login (the login form) they are bound to a fixed marker: @fastify/csrf needs a value.
        getUserInfo: (request) => request.operator?.sid ?? ANONYMOUS,
        csrfOpts: {
          userInfo: true,
          hmacKey: createHmac('sha256', deps.sessionSecret).update('bbsync-csrf').digest('base64url'),
        },
      });

      dash.addHook('onRequest', async (request, reply) => {
        reply.header('cache-control', 'no-store');
        if (!configured) {
          if (wantsHtml(request)) return sendPage(reply, notConfiguredPage(problems), 503);
          return reply
            .code(503)
            .send({ error: 'the dashboard is not configured (DASHBOARD_USER, DASHBOARD_PASSWORD_HASH)' });
        }
        const raw = request.cookies[SESSION_COOKIE];
        if (raw) {
          const unsigned = request.unsignCookie(raw);
          request.operator =
            unsigned.valid && unsigned.value
              ? (readSession(unsigned.value, { user, passwordHash }, now().getTime()) ?? null)
              : null;
        }
        if (request.method !== 'GET' && request.method !== 'HEAD' && !sameOrigin(request)) {
          return reply.code(403).send({ error: 'cross-site request refused' });
        }
      });

      dash.setErrorHandler(async (error: Error & { code?: string; statusCode?: number }, request, reply) => {
        if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
          log.warn(
            { route: request.routeOptions.url, code: error.code },
            'dashboard request without a valid CSRF token',
          );
          return sendPage(
            reply,
            page(
              'Form expired',
              html`<h1>This form has expired</h1>
                <div class="notice bad">
                  <p>
                    The form did not carry a valid token for your session (it is older than your login, or did
                    not come from this dashboard). Nothing was done. Go back, reload the page and try again.
                  </p>
                </div>`,
              { narrow: true },
            ),
            403,
          );
        }
        throw error;
      });

      const csrfFor = (request: FastifyRequest, reply: FastifyReply) =>
        reply.generateCsrf({ userInfo: request.operator?.sid ?? ANONYMOUS, secure: secure(request) });

      // ---- login ------------------------------------------------------------------------------
      dash.get<{ Querystring: { next?: string; flash?: string } }>('/login', async (request, reply) => {
        const next = safeNext(request.query.next);
        if (request.operator) return reply.redirect(next, 302);
        return sendPage(
          reply,
          loginPage({ csrf: csrfFor(request, reply), next, flash: flashFrom(request.query) }),
        );
      });

      dash.post<{ Body: { username?: string; password?: string; next?: string } }>(
        '/login',
        { preHandler: dash.csrfProtection },
        async (request, reply) => {
          const next = safeNext(request.body?.next);
          const wait = limiter.retryAfterMs(request.ip);
          if (wait > 0) {
            log.warn({ ip: request.ip }, 'dashboard login refused: too many failed attempts');
            reply.header('retry-after', String(Math.ceil(wait / 1000)));
            return sendPage(
              reply,
              loginPage({
                csrf: csrfFor(request, reply),
                next,
                error: `Too many failed attempts. Try again in ${Math.ceil(wait / 60_000)} minute(s).`,
              }),
              429,
            );
          }
          const givenUser = String(request.body?.username ?? '');
          const givenPassword = String(request.body?.password ?? '');
          // The password is always checked, so a wrong user name takes as long as a wrong password.
          const passwordOk = await verifyPassword(givenPassword, passwordHash);
          if (!(safeEqual(givenUser, user) && passwordOk)) {
            limiter.fail(request.ip);
            log.warn({ ip: request.ip }, 'dashboard login failed');
            return sendPage(
              reply,
              loginPage({ csrf: csrfFor(request, reply), next, error: 'Wrong user name or password.' }),
              401,
            );
          }
          limiter.succeed(request.ip);
          const session = newSession(user, passwordHash, now().getTime());
          reply.setCookie(SESSION_COOKIE, session.value, {
            path: '/',
            httpOnly: true,
            sameSite: 'lax',
            secure: secure(request),
            signed: true,
            maxAge: SESSION_TTL_SECONDS,
          });
          await recordAudit(pool, { actor: `dashboard:${user}`, action: 'login' });
          log.info({ user }, 'dashboard login');
          return reply.redirect(next, 303);
        },
      );

      dash.post('/logout', { preHandler: dash.csrfProtection }, async (request, reply) => {
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        if (request.operator) log.info({ user: request.operator.user }, 'dashboard logout');
        return reply.redirect('/login?flash=logged-out', 303);
      });

      // ---- everything else needs a login ---------------------------------------------------------
      await dash.register(async (secured) => {
        secured.addHook('onRequest', async (request, reply) => {
          if (request.operator) return;
          if (wantsHtml(request)) {
            if (request.method === 'GET')
              return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 302);
            return reply.redirect('/login?flash=session-ended', 303);
          }
          return reply.code(401).send({ error: 'login required' });
        });

        const viewer = (request: FastifyRequest, reply: FastifyReply): Viewer => ({
          user: request.operator!.user,
          csrf: csrfFor(request, reply),
        });
        const show = (
          request: FastifyRequest,
          reply: FastifyReply,
          title: string,
          section: Section | undefined,
          render: (v: Viewer) => ReturnType<typeof html>,
        ) => {
          const v = viewer(request, reply);
          const flash = flashFrom(request.query as Record<string, unknown>);
          return sendPage(reply, dashboardPage(title, render(v), { viewer: v, section, flash }));
        };
        const actor = (request: FastifyRequest) => `dashboard:${request.operator!.user}`;
        const notFound = (reply: FastifyReply, what: string) =>
          sendPage(
            reply,
            page(
              'Not found',
              html`<h1>Not found</h1>
                <p>${what}</p>
                <p><a href="/">Overview</a></p>`,
              { narrow: true },
            ),
            404,
          );

        // ---- pages --------------------------------------------------------------------------------
        secured.get('/', async (request, reply) => {
          const [recent, chart, statusCounts, expiring, requestRows, audit, queueNow] = await Promise.all([
            listRuns(pool, { limit: 10 }),
            listRuns(pool, { limit: 30 }),
            enrollmentsByStatus(pool),
            grantsExpiringWithin(pool, EXPIRY_WARNING_DAYS),
            requestCountsSince(pool, 24),
            recentAudit(pool, 10, ['login', 'logout']),
            queueState(),
          ]);
          return show(request, reply, 'Overview', 'overview', () =>
            overviewPage({
              now: now(),
              runs: recent.rows,
              chartRuns: chart.rows,
              nextRun: queueNow.nextRun,
              statusCounts,
              expiring,
              queues: queueNow.counts,
              requests: summarizeRequests(requestRows),
              requestRows,
              audit,
            }),
          );
        });

        secured.get<{ Querystring: Record<string, string | undefined> }>(
          '/enrollments',
          async (request, reply) => {
            const q = request.query;
            const filter: EnrollmentFilter = {};
            const query: Record<string, string | undefined> = {};
            if (isEnrollmentStatus(q.status)) filter.status = query.status = q.status;
            if (q.category === 'any' || isErrorCategory(q.category))
              filter.category = query.category = q.category;
            if (q.expiring === '1') {
              filter.expiringWithinDays = EXPIRY_WARNING_DAYS;
              query.expiring = '1';
            }
            const id = typeof q.id === 'string' ? q.id.trim().slice(0, 200) : '';
            if (id) filter.id = query.id = id;
            const sortKey = isEnrollmentSort(q.sort) ? q.sort : 'failures';
            const dir =
              q.dir === 'asc' || q.dir === 'desc' ? q.dir : isEnrollmentSort(q.sort) ? 'asc' : 'desc';
            if (isEnrollmentSort(q.sort)) {
              query.sort = sortKey;
              query.dir = dir;
            }
            const pageNo = Math.max(1, Math.min(1_000_000, Number.parseInt(q.page ?? '1', 10) || 1));
            const { rows, total } = await listEnrollments(pool, {
              ...filter,
              sort: sortKey,
              dir,
              limit: ENROLLMENTS_PAGE_SIZE,
              offset: (pageNo - 1) * ENROLLMENTS_PAGE_SIZE,
            });
            return show(request, reply, 'Enrollments', 'enrollments', () =>
              enrollmentsPage({
                now: now(),
                rows,
                total,
                page: pageNo,
                pageSize: ENROLLMENTS_PAGE_SIZE,
                query,
                sort: { key: sortKey, dir },
              }),
            );
          },
        );

        secured.get<{ Params: { id: string } }>('/enrollments/:id', async (request, reply) => {
          const enrollment = await getEnrollmentDetail(pool, request.params.id);
          if (!enrollment) return notFound(reply, `No enrollment ${request.params.id}.`);
          const [attempts, quarantined, cursors, runs] = await Promise.all([
            recentAttempts(pool, enrollment.enrollment_id, 25),
            quarantinedFor(pool, enrollment.patient_id, 100),
            cursorsFor(pool, enrollment.enrollment_id),
            runsOfEnrollment(pool, enrollment.enrollment_id, 15),
          ]);
          return show(request, reply, `Enrollment ${enrollment.enrollment_id}`, 'enrollments', (v) =>
            enrollmentPage({ now: now(), enrollment, attempts, quarantined, cursors, runs, viewer: v }),
          );
        });

        secured.get<{ Params: { id: string } }>('/enrollments/:id/revoke', async (request, reply) => {
          const enrollment = await getEnrollmentDetail(pool, request.params.id);
          if (!enrollment) return notFound(reply, `No enrollment ${request.params.id}.`);
          if (enrollment.status === 'revoked')
            return reply.redirect(
              `/enrollments/${encodeURIComponent(enrollment.enrollment_id)}?flash=already-revoked`,
              303,
            );
          return show(request, reply, `Revoke ${enrollment.enrollment_id}`, 'enrollments', (v) =>
            revokePage({ enrollment, purgeOnRevoke: config.tokens.purgeOnRevoke, viewer: v }),
          );
        });

        secured.get<{ Querystring: { page?: string } }>('/runs', async (request, reply) => {
          const pageNo = Math.max(
            1,
            Math.min(1_000_000, Number.parseInt(request.query.page ?? '1', 10) || 1),
          );
          const { rows, total } = await listRuns(pool, {
            limit: RUNS_PAGE_SIZE,
            offset: (pageNo - 1) * RUNS_PAGE_SIZE,
          });
          return show(request, reply, 'Runs', 'runs', () =>
            runsPage({ runs: rows, total, page: pageNo, pageSize: RUNS_PAGE_SIZE }),
          );
        });

        secured.get<{ Params: { id: string } }>('/runs/:id', async (request, reply) => {
          const run = await getRunRow(pool, request.params.id);
          if (!run) return notFound(reply, `No run ${request.params.id}.`);
          const [failures, pending] = await Promise.all([
            runFailures(pool, run.run_id, 50),
            pendingMembers(pool, run.run_id),
          ]);
          return show(request, reply, `Run ${run.run_id}`, 'runs', (v) =>
            runPage({ run, failures, pending, viewer: v }),
          );
        });

        // ---- actions (POST, CSRF token, audit_log) -------------------------------------------------

        secured.post<{ Params: { id: string }; Body: { full?: string } }>(
          '/enrollments/:id/sync',
          { preHandler: secured.csrfProtection },
          async (request, reply) => {
            const enrollment = await getEnrollmentDetail(pool, request.params.id);
            if (!enrollment) return notFound(reply, `No enrollment ${request.params.id}.`);
            const back = `/enrollments/${encodeURIComponent(enrollment.enrollment_id)}`;
            if (enrollment.status !== 'active') return reply.redirect(`${back}?flash=not-active`, 303);
            if (!(await redisReachable())) return reply.redirect(`${back}?flash=queue-unavailable`, 303);
            const full = request.body?.full === '1';
            const run = await startRunNow(
              { pool, log, queues, config },
              {
                trigger: 'manual',
                enrollmentIds: [enrollment.enrollment_id],
                full,
                requestedBy: actor(request),
              },
            );
            await recordAudit(pool, {
              actor: actor(request),
              action: 'sync_now',
              target: enrollment.enrollment_id,
              details: { runId: run.run_id, full },
            });
            log.info(
              { user: request.operator!.user, enrollmentId: enrollment.enrollment_id, runId: run.run_id },
              'dashboard: sync now',
            );
            return reply.redirect(`${back}?flash=sync-started&run=${encodeURIComponent(run.run_id)}`, 303);
          },
        );

        secured.post<{ Params: { id: string } }>(
          '/runs/:id/retry',
          { preHandler: secured.csrfProtection },
          async (request, reply) => {
            const run = await getRunRow(pool, request.params.id);
            if (!run) return notFound(reply, `No run ${request.params.id}.`);
            const back = `/runs/${encodeURIComponent(run.run_id)}`;
            const failed = await failedMemberIds(pool, run.run_id);
            const { rows } = await pool.query<{ enrollment_id: string }>(
              `SELECT enrollment_id FROM enrollments WHERE enrollment_id = ANY($1::text[]) AND status = 'active' ORDER BY 1`,
              [failed],
            );
            const ids = rows.map((r) => r.enrollment_id);
            if (ids.length === 0) return reply.redirect(`${back}?flash=nothing-to-retry`, 303);
            if (!(await redisReachable())) return reply.redirect(`${back}?flash=queue-unavailable`, 303);
            const retry = await startRunNow(
              { pool, log, queues, config },
              { trigger: 'retry', enrollmentIds: ids, requestedBy: actor(request) },
            );
            await recordAudit(pool, {
              actor: actor(request),
              action: 'retry_failed',
              target: run.run_id,
              details: { runId: retry.run_id, enrollments: ids.length },
            });
            log.info(
              {
                user: request.operator!.user,
                runId: run.run_id,
                retryRunId: retry.run_id,
                enrollments: ids.length,
              },
              'dashboard: retry failed',
            );
            return reply.redirect(`${back}?flash=retry-started&run=${encodeURIComponent(retry.run_id)}`, 303);
          },
        );

        secured.post<{ Params: { id: string }; Body: { confirm?: string; purge?: string } }>(
          '/enrollments/:id/revoke',
          { preHandler: secured.csrfProtection },
          async (request, reply) => {
            const enrollment = await getEnrollmentDetail(pool, request.params.id);
            if (!enrollment) return notFound(reply, `No enrollment ${request.params.id}.`);
            const back = `/enrollments/${encodeURIComponent(enrollment.enrollment_id)}`;
            if (request.body?.confirm !== 'yes') return reply.redirect(`${back}/revoke`, 303);
            if (enrollment.status === 'revoked') return reply.redirect(`${back}?flash=already-revoked`, 303);
            const purge = config.tokens.purgeOnRevoke || request.body?.purge === '1';
            try {
              const result = await unenroll({ pool, log, ...deps.revoke }, enrollment.enrollment_id, {
                purge,
                actor: actor(request),
              });
              return reply.redirect(
                `${back}?flash=${result.revokedAtBb2 ? 'revoked' : 'revoked-here'}&purged=${purge ? 1 : 0}`,
                303,
              );
            } catch (err) {
              if (!(err instanceof BbsyncError)) throw err;
              log.warn(
                {
                  enrollmentId: enrollment.enrollment_id,
                  category: err.category,
                  err: { message: err.message },
                },
                'dashboard: revoke failed',
              );
              return reply.redirect(`${back}?flash=revoke-failed`, 303);
            }
          },
        );

        // ---- bull-board ---------------------------------------------------------------------------
        await registerQueuesView(secured, { queues, allowActions: config.server.dashboardAllowActions });
      });
    });
  };
}
