/**
 * The deployment's alerts: `POST /alerts/app-inactive/resume`, the banner's button that resumes the
 * syncs paused because Blue Button said the application is inactive (src/workers/app-inactive.ts).
 */
import type { FastifyInstance } from 'fastify';

import { recordAudit } from '../../../db/audit.ts';
import { resumeSyncs, syncsPausedSince } from '../../../workers/app-inactive.ts';
import { actorOf, type DashboardContext } from '../respond.ts';

/** Where an action sends the operator back to: the page the form was on, if it is ours. */
function backTo(referer: string | undefined): string {
  if (!referer) return '/';
  try {
    const url = new URL(referer, 'http://x');
    return url.pathname.startsWith('/') && !url.pathname.startsWith('//') ? url.pathname : '/';
  } catch {
    return '/';
  }
}

export function alertRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  app.post('/alerts/app-inactive/resume', { preHandler: app.csrfProtection }, async (request, reply) => {
    const back = backTo(request.headers.referer);
    if (!(await ctx.probes.redisReachable())) return reply.redirect(`${back}?flash=queue-unavailable`, 303);
    const actor = actorOf(request);
    const ended = await resumeSyncs({ pool: ctx.pool, syncQueue: ctx.queues.sync, log: ctx.log }, actor);
    await recordAudit(ctx.pool, {
      actor,
      action: 'resume_syncs',
      target: 'app_inactive',
      details: { wasPaused: ended !== undefined, since: ended?.since ?? null },
    });
    return reply.redirect(`${back}?flash=${ended ? 'syncs-resumed' : 'syncs-not-paused'}`, 303);
  });
}

/** The flash after starting a run: a warning that it waits when syncs are paused. */
export async function runStartedFlash(ctx: DashboardContext, started: string): Promise<string> {
  return (await syncsPausedSince(ctx.pool)) ? 'sync-started-paused' : started;
}
