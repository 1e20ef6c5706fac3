/**
 * What the dashboard's routes share: the context they run in and how they answer (a page in the
 * dashboard's frame, a plain "not found", the actor named in the audit log).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import type { Config } from '../../config.ts';
import type { Pool } from '../../db/client.ts';
import type { UnenrollDeps } from '../../enrollment/unenroll.ts';
import type { Logger } from '../../logger.ts';
import type { Queues } from '../../workers/queues.ts';
import { openAlerts } from '../../db/alerts.ts';
import type { Html } from '../html.ts';
import { alertBanner } from './components.ts';
import { dashboardPage, flashFrom, type Section, type Viewer } from './layout.ts';
import { notFoundPage } from './pages/login.ts';
import type { Probes } from './probes.ts';
import type { SessionStore } from './session.ts';

export interface DashboardContext {
  config: Config;
  log: Logger;
  pool: Pool;
  queues: Queues;
  now: () => Date;
  probes: Probes;
  /** For revoking enrollments (the token vault and the BB2 OAuth client). */
  revoke: Pick<UnenrollDeps, 'vault' | 'oauth'>;
  /** Operators' sessions (in Redis). */
  sessions: SessionStore;
  /** Whether cookies set in answer to `request` get the Secure attribute. */
  secureCookie(request: FastifyRequest): boolean;
  /** A CSRF token for the forms of the page answering `request`. */
  csrfFor(request: FastifyRequest, reply: FastifyReply): string;
}

export function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

export function sendPage(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

export function notFound(reply: FastifyReply, what: string): FastifyReply {
  return sendPage(reply, notFoundPage(what), 404);
}

/** Who an audit entry names for a logged-in request. */
export function actorOf(request: FastifyRequest): string {
  return `dashboard:${request.operator!.user}`;
}

/**
 * A page in the dashboard's frame, for the logged-in operator, with the flash of the query and the
 * deployment's open alerts as a banner.
 */
export async function showPage(
  ctx: DashboardContext,
  request: FastifyRequest,
  reply: FastifyReply,
  title: string,
  section: Section | undefined,
  render: (viewer: Viewer) => Html,
): Promise<FastifyReply> {
  const viewer: Viewer = { user: request.operator!.user, csrf: ctx.csrfFor(request, reply) };
  const flash = flashFrom(request.query as Record<string, unknown>);
  const banner = alertBanner(await openAlerts(ctx.pool), {
    viewer,
    now: ctx.now(),
    probeEveryMs: ctx.config.sync.appInactiveProbeMs,
  });
  return sendPage(reply, dashboardPage(title, render(viewer), { viewer, section, flash, banner }));
}
