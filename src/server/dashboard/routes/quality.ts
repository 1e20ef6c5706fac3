/** `/quality`: the latest data quality run and the history of runs. */
import type { FastifyInstance } from 'fastify';

import { latestQualityRun, qualityHistory } from '../../../db/quality.ts';
import { qualityPage } from '../pages/quality.ts';
import { showPage, type DashboardContext } from '../respond.ts';

const HISTORY_RUNS = 30;

export function qualityRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  const { pool } = ctx;
  app.get('/quality', async (request, reply) => {
    const [latest, history] = await Promise.all([latestQualityRun(pool), qualityHistory(pool, HISTORY_RUNS)]);
    return showPage(ctx, request, reply, 'Data quality', 'quality', () => qualityPage({ latest, history }));
  });
}
