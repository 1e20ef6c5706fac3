/**
 * `/enrollments`, `/enrollments/:id` and its actions: sync now, clear EOB-forbidden, and revoke (a
 * confirmation page, then the POST that revokes at Blue Button and here).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { recordAudit } from '../../../db/audit.ts';
import { getInsuranceCard } from '../../../db/insurance-cards.ts';
import { clearEobForbidden } from '../../../db/runs.ts';
import {
  cursorsFor,
  getEnrollmentDetail,
  isEnrollmentSort,
  isEnrollmentStatus,
  isErrorCategory,
  listEnrollments,
  quarantinedFor,
  recentAttempts,
  runsOfEnrollment,
  type EnrollmentFilter,
} from '../../../db/dashboard.ts';
import { unenroll } from '../../../enrollment/unenroll.ts';
import { BbsyncError } from '../../../errors.ts';
import { startRunNow } from '../../../workers/enqueue.ts';
import { EXPIRY_WARNING_DAYS } from '../components.ts';
import { enrollmentPage, revokePage } from '../pages/enrollment.ts';
import { enrollmentsPage } from '../pages/enrollments.ts';
import { actorOf, notFound, showPage, type DashboardContext } from '../respond.ts';
import { runStartedFlash } from './alerts.ts';

const ENROLLMENTS_PAGE_SIZE = 50;

type ListQuery = Record<string, string | undefined>;

/** The list's filter, sort and page from the query, through allowlists only. */
function parseListQuery(q: ListQuery) {
  const filter: EnrollmentFilter = {};
  const query: ListQuery = {};
  if (isEnrollmentStatus(q.status)) filter.status = query.status = q.status;
  if (q.category === 'any' || isErrorCategory(q.category)) filter.category = query.category = q.category;
  if (q.expiring === '1') {
    filter.expiringWithinDays = EXPIRY_WARNING_DAYS;
    query.expiring = '1';
  }
  if (q.condition === 'eob_forbidden') filter.eobForbidden = Boolean((query.condition = 'eob_forbidden'));
  const id = typeof q.id === 'string' ? q.id.trim().slice(0, 200) : '';
  if (id) filter.id = query.id = id;
  const sortKey = isEnrollmentSort(q.sort) ? q.sort : 'failures';
  const dir: 'asc' | 'desc' =
    q.dir === 'asc' || q.dir === 'desc' ? q.dir : isEnrollmentSort(q.sort) ? 'asc' : 'desc';
  if (isEnrollmentSort(q.sort)) {
    query.sort = sortKey;
    query.dir = dir;
  }
  const pageNo = Math.max(1, Math.min(1_000_000, Number.parseInt(q.page ?? '1', 10) || 1));
  return { filter, query, sortKey, dir, pageNo };
}

/** This server's /enroll, from the callback Blue Button sends beneficiaries back to. */
function enrollUrl(redirectUri: string): string {
  const url = new URL(redirectUri);
  url.pathname = url.pathname.replace(/\/callback\/?$/, '');
  url.search = '';
  return url.href;
}

export function enrollmentRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const { pool } = ctx;

  app.get<{ Querystring: ListQuery }>('/enrollments', async (request, reply) => {
    const { filter, query, sortKey, dir, pageNo } = parseListQuery(request.query);
    const { rows, total } = await listEnrollments(pool, {
      ...filter,
      sort: sortKey,
      dir,
      limit: ENROLLMENTS_PAGE_SIZE,
      offset: (pageNo - 1) * ENROLLMENTS_PAGE_SIZE,
    });
    return showPage(ctx, request, reply, 'Enrollments', 'enrollments', () =>
      enrollmentsPage({
        now: ctx.now(),
        rows,
        total,
        page: pageNo,
        pageSize: ENROLLMENTS_PAGE_SIZE,
        query,
        sort: { key: sortKey, dir },
        enrollUrl: enrollUrl(ctx.config.bb2.redirectUri),
      }),
    );
  });

  app.get<{ Params: { id: string } }>('/enrollments/:id', async (request, reply) => {
    const enrollment = await getEnrollmentDetail(pool, request.params.id);
    if (!enrollment) return notFound(reply, `No enrollment ${request.params.id}.`);
    const [attempts, quarantined, cursors, runs, card] = await Promise.all([
      recentAttempts(pool, enrollment.enrollment_id, 25),
      quarantinedFor(pool, enrollment.patient_id, 100),
      cursorsFor(pool, enrollment.enrollment_id),
      runsOfEnrollment(pool, enrollment.enrollment_id, 15),
      getInsuranceCard(pool, enrollment.patient_id),
    ]);
    return showPage(ctx, request, reply, `Enrollment ${enrollment.enrollment_id}`, 'enrollments', (v) =>
      enrollmentPage({ now: ctx.now(), enrollment, attempts, quarantined, cursors, runs, card, viewer: v }),
    );
  });

  app.get<{ Params: { id: string } }>('/enrollments/:id/revoke', async (request, reply) => {
    const enrollment = await getEnrollmentDetail(pool, request.params.id);
    if (!enrollment) return notFound(reply, `No enrollment ${request.params.id}.`);
    if (enrollment.status === 'revoked')
      return reply.redirect(
        `/enrollments/${encodeURIComponent(enrollment.enrollment_id)}?flash=already-revoked`,
        303,
      );
    return showPage(ctx, request, reply, `Revoke ${enrollment.enrollment_id}`, 'enrollments', (v) =>
      revokePage({ enrollment, purgeOnRevoke: ctx.config.tokens.purgeOnRevoke, viewer: v }),
    );
  });

  app.post<{ Params: { id: string }; Body: { full?: string } }>(
    '/enrollments/:id/sync',
    { preHandler: app.csrfProtection },
    async (request, reply) => syncNow(ctx, request, reply),
  );

  app.post<{ Params: { id: string } }>(
    '/enrollments/:id/clear-eob-forbidden',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const enrollment = await getEnrollmentDetail(pool, request.params.id);
      if (!enrollment) return notFound(reply, `No enrollment ${request.params.id}.`);
      const back = `/enrollments/${encodeURIComponent(enrollment.enrollment_id)}`;
      // The same change as `bbsync clear-eob-forbidden ID`.
      const cleared = await clearEobForbidden(pool, enrollment.enrollment_id);
      if (cleared) {
        await recordAudit(pool, {
          actor: actorOf(request),
          action: 'clear_eob_forbidden',
          target: enrollment.enrollment_id,
        });
      }
      return reply.redirect(`${back}?flash=${cleared ? 'eob-cleared' : 'eob-not-forbidden'}`, 303);
    },
  );

  app.post<{ Params: { id: string }; Body: { confirm?: string; purge?: string } }>(
    '/enrollments/:id/revoke',
    { preHandler: app.csrfProtection },
    async (request, reply) => revoke(ctx, request, reply),
  );
}

type Reply = Parameters<typeof notFound>[0];

async function syncNow(
  ctx: DashboardContext,
  request: FastifyRequest<{ Params: { id: string }; Body: { full?: string } }>,
  reply: Reply,
) {
  const { pool, log } = ctx;
  const enrollment = await getEnrollmentDetail(pool, request.params.id);
  if (!enrollment) return notFound(reply, `No enrollment ${request.params.id}.`);
  const back = `/enrollments/${encodeURIComponent(enrollment.enrollment_id)}`;
  if (enrollment.status !== 'active') return reply.redirect(`${back}?flash=not-active`, 303);
  if (!(await ctx.probes.redisReachable())) return reply.redirect(`${back}?flash=queue-unavailable`, 303);
  const full = request.body?.full === '1';
  const actor = actorOf(request);
  const run = await startRunNow(
    { pool, log, queues: ctx.queues, config: ctx.config },
    { trigger: 'manual', enrollmentIds: [enrollment.enrollment_id], full, requestedBy: actor },
  );
  await recordAudit(pool, {
    actor,
    action: 'sync_now',
    target: enrollment.enrollment_id,
    details: { runId: run.run_id, full },
  });
  log.info(
    { user: request.operator!.user, enrollmentId: enrollment.enrollment_id, runId: run.run_id },
    'dashboard: sync now',
  );
  const flash = await runStartedFlash(ctx, 'sync-started');
  return reply.redirect(`${back}?flash=${flash}&run=${encodeURIComponent(run.run_id)}`, 303);
}

async function revoke(
  ctx: DashboardContext,
  request: FastifyRequest<{ Params: { id: string }; Body: { confirm?: string; purge?: string } }>,
  reply: Reply,
) {
  const { pool, log } = ctx;
  const enrollment = await getEnrollmentDetail(pool, request.params.id);
  if (!enrollment) return notFound(reply, `No enrollment ${request.params.id}.`);
  const back = `/enrollments/${encodeURIComponent(enrollment.enrollment_id)}`;
  if (request.body?.confirm !== 'yes') return reply.redirect(`${back}/revoke`, 303);
  if (enrollment.status === 'revoked') return reply.redirect(`${back}?flash=already-revoked`, 303);
  const purge = ctx.config.tokens.purgeOnRevoke || request.body?.purge === '1';
  try {
    const result = await unenroll({ pool, log, ...ctx.revoke }, enrollment.enrollment_id, {
      purge,
      actor: actorOf(request),
    });
    return reply.redirect(
      `${back}?flash=${result.revokedAtBb2 ? 'revoked' : 'revoked-here'}&purged=${purge ? 1 : 0}`,
      303,
    );
  } catch (err) {
    if (!(err instanceof BbsyncError)) throw err;
    log.warn(
      { enrollmentId: enrollment.enrollment_id, category: err.category, err: { message: err.message } },
      'dashboard: revoke failed',
    );
    return reply.redirect(`${back}?flash=revoke-failed`, 303);
  }
}
