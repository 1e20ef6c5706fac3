/**
 * The operations dashboard, mounted on `bbsync server` (ServerDeps.extraRoutes):
 *
 *   /                      overview: runs, schedule, enrollments, queues, BB2 request rates
 *   /enrollments[/:id]     enrollments with sync state; one enrollment's attempts and actions
 *   /runs[/:id]            runs; one run's failures grouped by error category
 *   /admin/queues          bull-board (read-only unless DASHBOARD_ALLOW_ACTIONS=true)
 *   POST actions           sync now, retry a run's failures, revoke, resume paused syncs (CSRF token + audit_log)
 *   /login, /logout        DASHBOARD_USER + DASHBOARD_PASSWORD_HASH (scrypt); sessions in Redis
 *   /sessions              the operator's sessions; end one, all others, or all
 *   /readyz, /metrics      readiness and Prometheus metrics (no login; /metrics takes METRICS_TOKEN,
 *                          or moves to its own listener with METRICS_PORT: buildMetricsServer)
 *
 * Without DASHBOARD_USER every dashboard URL answers 503 with how to configure it: never open by
 * default. The enrollment pages (/enroll) and /healthz are not part of it and stay public.
 *
 * Where things are: auth.ts (login, sessions, CSRF), health.ts (/readyz, /metrics), routes/*.ts
 * (one file per section), pages/*.ts (their HTML), components.ts (pieces pages share).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { RedisClient } from '../../workers/redis.ts';

import type { Config } from '../../config.ts';
import type { Pool } from '../../db/client.ts';
import type { UnenrollDeps } from '../../enrollment/unenroll.ts';
import type { Logger } from '../../logger.ts';
import type { Queues } from '../../workers/queues.ts';
import { cookieSecurity } from '../cookies.ts';
import { csrfTokenFor, registerAuth, requireOperator } from './auth.ts';
import { healthRoutes } from './health.ts';
import { DEFAULT_LOGIN_LIMITS, LoginThrottle, type LoginLimits } from './login-throttle.ts';
import { parsePasswordHash } from './password.ts';
import { createProbes } from './probes.ts';
import { registerQueuesView } from './queues-view.ts';
import type { DashboardContext } from './respond.ts';
import { alertRoutes } from './routes/alerts.ts';
import { enrollmentRoutes } from './routes/enrollments.ts';
import { overviewRoutes } from './routes/overview.ts';
import { qualityRoutes } from './routes/quality.ts';
import { runRoutes } from './routes/runs.ts';
import { sessionRoutes } from './routes/sessions.ts';
import { SessionStore } from './session.ts';

export interface DashboardDeps {
  config: Config;
  log: Logger;
  pool: Pool;
  queues: Queues;
  /** Holds the operators' sessions and the login attempt counters (shared by every instance). */
  redis: RedisClient;
  /** Resolves when Redis answers (for /readyz). */
  pingRedis: () => Promise<unknown>;
  /** For revoking enrollments (the token vault and the BB2 OAuth client). */
  revoke: Pick<UnenrollDeps, 'vault' | 'oauth'>;
  /** SESSION_SECRET: signs the session and CSRF cookies. */
  sessionSecret: string;
  now?: () => Date;
  /** Redis calls made while rendering give up after this long (default 3 s). */
  redisTimeoutMs?: number;
  /** The address the server listens on (default SERVER_HOST): decides COOKIE_SECURE=auto. */
  listenHost?: string;
  /** Login throttling (default DEFAULT_LOGIN_LIMITS). */
  loginLimits?: LoginLimits;
}

/** What keeps the login from working, in words for the "not configured" page. */
function configurationProblems(config: Config): string[] {
  const problems: string[] = [];
  const passwordHash = config.server.dashboardPasswordHash;
  if (!config.server.dashboardUser) problems.push('DASHBOARD_USER is not set.');
  if (!passwordHash) problems.push('DASHBOARD_PASSWORD_HASH is not set.');
  else if (!parsePasswordHash(passwordHash))
    problems.push('DASHBOARD_PASSWORD_HASH has parameters out of bounds: hash the password again.');
  return problems;
}

export function dashboardRoutes(deps: DashboardDeps): (app: FastifyInstance) => Promise<void> {
  const { config, log, pool, queues } = deps;
  const problems = configurationProblems(config);
  const probes = createProbes({
    queues,
    pingRedis: deps.pingRedis,
    timeoutMs: deps.redisTimeoutMs ?? 3000,
  });
  const secureCookie = cookieSecurity(config, deps.listenHost);
  const redisPrefix = `${config.queuePrefix}:dashboard`;
  const ctx: DashboardContext = {
    config,
    log,
    pool,
    queues,
    now: deps.now ?? (() => new Date()),
    probes,
    revoke: deps.revoke,
    sessions: new SessionStore(deps.redis, redisPrefix, probes.withTimeout),
    secureCookie,
    csrfFor: csrfTokenFor(secureCookie),
  };
  const throttle = new LoginThrottle(
    deps.redis,
    redisPrefix,
    deps.loginLimits ?? DEFAULT_LOGIN_LIMITS,
    probes.withTimeout,
  );

  return async (app) => {
    healthRoutes(app, { config, log, pool, queues, probes, pingRedis: deps.pingRedis }, 'public');
    if (problems.length > 0)
      log.warn({ problems }, 'the dashboard is not configured: it answers 503 until it is');

    await app.register(async (dash) => {
      await registerAuth(dash, ctx, {
        credentials: { user: config.server.dashboardUser, passwordHash: config.server.dashboardPasswordHash },
        problems,
        sessionSecret: deps.sessionSecret,
        throttle,
      });
      await dash.register(async (secured) => {
        requireOperator(secured);
        overviewRoutes(secured, ctx);
        enrollmentRoutes(secured, ctx);
        runRoutes(secured, ctx);
        qualityRoutes(secured, ctx);
        sessionRoutes(secured, ctx);
        alertRoutes(secured, ctx);
        await registerQueuesView(secured, { queues, allowActions: config.server.dashboardAllowActions });
      });
    });
  };
}

/** The METRICS_PORT listener: /metrics and a detailed /readyz, nothing else. */
export async function buildMetricsServer(
  deps: Pick<DashboardDeps, 'config' | 'log' | 'pool' | 'queues' | 'pingRedis' | 'redisTimeoutMs'>,
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024,
    requestTimeout: deps.config.server.requestTimeoutMs,
    connectionTimeout: deps.config.server.requestTimeoutMs,
  });
  const probes = createProbes({
    queues: deps.queues,
    pingRedis: deps.pingRedis,
    timeoutMs: deps.redisTimeoutMs ?? 3000,
  });
  healthRoutes(app, { ...deps, probes }, 'metrics');
  return app;
}
