/**
 * `/sessions`: the operator's current logins (all instances share them, in Redis), and the action
 * that ends one of them, every other one, or all (a lost laptop, a suspected leak).
 */
import type { FastifyInstance } from 'fastify';

import { recordAudit } from '../../../db/audit.ts';
import { sessionsPage } from '../pages/sessions.ts';
import { actorOf, showPage, type DashboardContext } from '../respond.ts';
import { isSessionHandle, SESSION_COOKIE } from '../session.ts';

type Which = 'others' | 'all' | 'one';

export function sessionRoutes(app: FastifyInstance, ctx: DashboardContext): void {
  app.get('/sessions', async (request, reply) => {
    const operator = request.operator!;
    const sessions = await ctx.sessions.list(operator.user, ctx.now().getTime());
    return showPage(ctx, request, reply, 'Sessions', 'sessions', (viewer) =>
      sessionsPage({ sessions, current: operator.handle, now: ctx.now(), viewer }),
    );
  });

  app.post<{ Body: { session?: string } }>(
    '/sessions/revoke',
    { preHandler: app.csrfProtection },
    async (request, reply) => {
      const operator = request.operator!;
      const target = request.body?.session;
      let which: Which;
      let ended: number;
      if (target === 'all' || target === 'others') {
        which = target;
        ended = await ctx.sessions.revokeAll(operator.user, {
          except: target === 'others' ? operator.handle : undefined,
        });
      } else if (isSessionHandle(target)) {
        which = 'one';
        ended = await ctx.sessions.revoke(operator.user, [target]);
      } else {
        return reply.code(400).send({ error: 'session must be a session handle, "others" or "all"' });
      }
      await recordAudit(ctx.pool, {
        actor: actorOf(request),
        action: 'revoke_sessions',
        target: `dashboard:${operator.user}`,
        details: { which, ended },
      });
      ctx.log.info({ user: operator.user, which, ended }, 'dashboard: sessions logged out');
      const ownEnded = which === 'all' || (which === 'one' && target === operator.handle);
      if (ownEnded) {
        reply.clearCookie(SESSION_COOKIE, { path: '/' });
        return reply.redirect('/login?flash=logged-out', 303);
      }
      return reply.redirect(`/sessions?flash=${ended > 0 ? 'sessions-ended' : 'no-session-ended'}`, 303);
    },
  );
}
