/** `/`: the overview page. */
import type { FastifyInstance } from 'fastify';

import {
  enrollmentsByStatus,
  eobForbiddenCount,
  grantsExpiringWithin,
  listRuns,
  recentAudit,
  requestCountsSince,
  summarizeRequests,
} from '../../../db/dashboard.ts';
import { qualityHistory } from '../../../db/quality.ts';
import { retentionOverview } from '../../../db/revocations.ts';
import { EXPIRY_WARNING_DAYS } from '../components.ts';
import { overviewPage } from '../pages/overview.ts';
import { showPage, type DashboardContext } from '../respond.ts';

export function overviewRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const { pool } = ctx;
  app.get('/', async (request, reply) => {
    const days = ctx.config.retention.daysAfterRevoke;
    const [
      recent,
      chart,
      statusCounts,
      expiring,
      requestRows,
      audit,
      queueNow,
      retention,
      quality,
      eobForbidden,
    ] = await Promise.all([
      listRuns(pool, { limit: 10 }),
      listRuns(pool, { limit: 30 }),
      enrollmentsByStatus(pool),
      grantsExpiringWithin(pool, EXPIRY_WARNING_DAYS),
      requestCountsSince(pool, 24),
      recentAudit(pool, 10, ['login', 'logout']),
      ctx.probes.queueState(),
      retentionOverview(pool, days),
      qualityHistory(pool, 1),
      eobForbiddenCount(pool),
    ]);
    return showPage(ctx, request, reply, 'Overview', 'overview', () =>
      overviewPage({
        now: ctx.now(),
        runs: recent.rows,
        chartRuns: chart.rows,
        nextRun: queueNow.nextRun,
        statusCounts,
        expiring,
        eobForbidden,
        queues: queueNow.counts,
        retention,
        nextJanitor: queueNow.nextJanitor,
        requests: summarizeRequests(requestRows),
        requestRows,
        audit,
        quality: quality[0],
      }),
    );
  });
}
