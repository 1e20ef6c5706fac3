/** `/runs`, `/runs/:id` and the action that retries a run's failed enrollments. */
import type { FastifyInstance } from 'fastify';

import { recordAudit } from '../../../db/audit.ts';
import { failedMemberIds, getRunRow, listRuns, pendingMembers } from '../../../db/dashboard.ts';
import { runFailures } from '../../../db/runs.ts';
import { startRunNow } from '../../../workers/enqueue.ts';
import { runPage, runsPage } from '../pages/runs.ts';
import { runStartedFlash } from './alerts.ts';
import { actorOf, notFound, showPage, type DashboardContext } from '../respond.ts';

const RUNS_PAGE_SIZE = 50;

export function runRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const { pool } = ctx;

  app.get<{ Querystring: { page?: string } }>('/runs', async (request, reply) => {
    const pageNo = Math.max(1, Math.min(1_000_000, Number.parseInt(request.query.page ?? '1', 10) || 1));
    const { rows, total } = await listRuns(pool, {
      limit: RUNS_PAGE_SIZE,
      offset: (pageNo - 1) * RUNS_PAGE_SIZE,
    });
    return showPage(ctx, request, reply, 'Runs', 'runs', () =>
      runsPage({ runs: rows, total, page: pageNo, pageSize: RUNS_PAGE_SIZE }),
    );
  });

  app.get<{ Params: { id: string } }>('/runs/:id', async (request, reply) => {
    const run = await getRunRow(pool, request.params.id);
    if (!run) return notFound(reply, `No run ${request.params.id}.`);
    const [failures, pending] = await Promise.all([
      runFailures(pool, run.run_id, 50),
      pendingMembers(pool, run.run_id),
    ]);
    return showPage(ctx, request, reply, `Run ${run.run_id}`, 'runs', (v) =>
      runPage({ run, failures, pending, viewer: v }),
    );
  });

  app.post<{ Params: { id: string } }>(
    '/runs/:id/retry',
    { preHandler: app.csrfProtection },
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
      if (!(await ctx.probes.redisReachable())) return reply.redirect(`${back}?flash=queue-unavailable`, 303);
      const actor = actorOf(request);
      const retry = await startRunNow(
        { pool, log: ctx.log, queues: ctx.queues, config: ctx.config },
        { trigger: 'retry', enrollmentIds: ids, requestedBy: actor },
      );
      await recordAudit(pool, {
        actor,
        action: 'retry_failed',
        target: run.run_id,
        details: { runId: retry.run_id, enrollments: ids.length },
      });
      ctx.log.info(
        {
          user: request.operator!.user,
          runId: run.run_id,
          retryRunId: retry.run_id,
          enrollments: ids.length,
        },
        'dashboard: retry failed',
      );
      const flash = await runStartedFlash(ctx, 'retry-started');
      return reply.redirect(`${back}?flash=${flash}&run=${encodeURIComponent(retry.run_id)}`, 303);
    },
  );
}
