import type { FastifyInstance } from 'fastify';

import { requireBb2Client, requireTokenKeys, type Config } from '../config.ts';
import { recordAudit } from '../db/audit.ts';
import type { Pool } from '../db/client.ts';
import { ENROLL_NOT_FOUND } from '../db/dashboard.ts';
import { InputError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { buildServer } from '../server/app.ts';
import { buildMetricsServer, dashboardRoutes } from '../server/dashboard/index.ts';
import { startRunNow } from '../workers/enqueue.ts';
import { createQueues } from '../workers/queues.ts';
import { redisConnection } from '../workers/redis.ts';
import { commandContext } from './command-config.ts';
import { openDatabase } from './database.ts';
import { explainRedisError } from './reach.ts';
import { SERVICE_START_ATTEMPTS } from './worker.ts';
import { buildBb2Services, checkBb2Configuration, sessionSecret, type Bb2Services } from '../services.ts';

/**
 * What the dashboard runs on: a Redis connection and the queues (for bull-board, queue depths and
 * "sync now"). The connection fails fast (a page says "Redis is unreachable" instead of hanging)
 * and reconnects in the background; the enrollment pages never need Redis, so a down Redis does
 * not stop the server from starting. `routes` goes to buildServer's `extraRoutes`.
 */
export async function assembleDashboard(
  config: Config,
  log: Logger,
  pool: Pool,
  services: Pick<Bb2Services, 'vault' | 'oauth'>,
  secret: string,
  listenHost: string = config.server.host,
): Promise<{
  routes: (app: FastifyInstance) => Promise<void>;
  onConnected: (enrollmentId: string) => Promise<void>;
  /** Counts a beneficiary Blue Button has no data for, in the audit log (/metrics reads it). */
  onNotFound: () => Promise<void>;
  /** The METRICS_PORT listener, when that is set. */
  metrics: FastifyInstance | undefined;
  close(): Promise<void>;
}> {
  const redis = redisConnection(config.redis, { failFast: true });
  redis.on('error', () => {});
  await redis.connect().catch((err: unknown) => {
    log.warn(
      `${explainRedisError(err, config.redis).message}: the dashboard shows no queues, /readyz answers 503 and new enrollments wait for the nightly run until it is back`,
    );
  });
  const queues = createQueues(redis, config.queuePrefix);
  const pingRedis = () => redis.ping();
  const metrics =
    config.server.metricsPort === undefined
      ? undefined
      : await buildMetricsServer({ config, log, pool, queues, pingRedis });
  return {
    metrics,
    routes: dashboardRoutes({
      config,
      log,
      pool,
      queues,
      redis,
      pingRedis,
      revoke: { vault: services.vault, oauth: services.oauth },
      sessionSecret: secret,
      listenHost,
    }),
    // A beneficiary who just connected expects to see their claims now, not after the next run.
    onConnected: async (enrollmentId) => {
      await startRunNow(
        { pool, log, queues, config },
        { trigger: 'manual', requestedBy: 'first sync after enrollment', enrollmentIds: [enrollmentId] },
      );
    },
    onNotFound: () => recordAudit(pool, { actor: 'beneficiary', action: ENROLL_NOT_FOUND }),
    async close() {
      await metrics?.close();
      await queues.close();
      redis.disconnect();
    },
  };
}

export async function runServer(options: { port?: number; host?: string }): Promise<void> {
  const { config, log } = commandContext({ service: true });
  requireBb2Client(config);
  requireTokenKeys(config);
  const secret = sessionSecret(config, log);
  const pool = await openDatabase(config.databaseUrl, {
    max: config.databasePoolSize,
    applicationName: 'bbsync-server',
    attempts: SERVICE_START_ATTEMPTS,
    say: (line) => process.stderr.write(`bbsync: ${line}\n`),
  });
  const services = buildBb2Services(config, log, pool);
  await checkBb2Configuration(config, services.fetchImpl, log).catch(async (err: unknown) => {
    await pool.end();
    throw err;
  });
  const port = options.port ?? config.server.port;
  const host = options.host ?? config.server.host;
  const dashboard = await assembleDashboard(config, log, pool, services, secret, host);
  const app = await buildServer({
    config,
    log,
    flow: services.flow,
    sessionSecret: secret,
    extraRoutes: dashboard.routes,
    onConnected: dashboard.onConnected,
    onNotFound: dashboard.onNotFound,
    listenHost: host,
  });
  try {
    await app.listen({ port, host });
  } catch (err) {
    await app.close();
    await dashboard.close();
    await pool.end();
    throw listenError(err, host, port);
  }
  if (dashboard.metrics) {
    await dashboard.metrics.listen({ port: config.server.metricsPort, host: config.server.metricsHost });
    log.info(
      { host: config.server.metricsHost, port: config.server.metricsPort },
      'metrics listening (/metrics, /readyz)',
    );
  }
  const address = app.server.address();
  const url =
    typeof address === 'object' && address ? `http://${host}:${address.port}` : `http://${host}:${port}`;
  log.info({ url }, 'server listening');
  const redirectWarning = redirectMismatch(config.bb2.redirectUri, url);
  if (redirectWarning) {
    log.warn(redirectWarning);
    process.stderr.write(`bbsync: warning: ${redirectWarning}\n`);
  }
  process.stderr.write(
    `bbsync server listening on ${url} (enrollment: ${url}/enroll, dashboard: ${url}/${config.server.dashboardUser ? '' : ', not configured: set DASHBOARD_USER and DASHBOARD_PASSWORD_HASH'})\n`,
  );

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log.info('server shutting down');
  await app.close();
  await dashboard.close();
  await pool.end();
}

/** A port in use or not ours to take, as a sentence with the flag that changes it. */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    return new InputError(
      `port ${port} on ${host} is already in use; choose another with --port or SERVER_PORT`,
    );
  }
  if (code === 'EACCES') {
    return new InputError(
      `port ${port} on ${host} needs privileges; choose one above 1023 with --port or SERVER_PORT`,
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new InputError(`cannot listen on ${host}: no such local address; set --host or SERVER_HOST`);
  }
  return err;
}

/**
 * Blue Button sends beneficiaries back to BB2_REDIRECT_URI. When that names this machine but
 * another port (or not the callback path), consent would end on a page nobody serves: say so.
 * A public URL (behind a proxy) is not second-guessed.
 */
export function redirectMismatch(redirectUri: string, listeningOn: string): string | undefined {
  const redirect = new URL(redirectUri);
  const here = new URL(listeningOn);
  const local = (host: string) =>
    host === 'localhost' || host === '[::1]' || host.startsWith('127.') || host === '0.0.0.0';
  const sameMachine =
    redirect.hostname === here.hostname || (local(redirect.hostname) && local(here.hostname));
  if (!sameMachine) return undefined;
  const expected = `${here.origin}/enroll/callback`;
  if (redirect.port === here.port && redirect.pathname === '/enroll/callback') return undefined;
  return `BB2_REDIRECT_URI is ${redirectUri} but this server's callback is ${expected}: Blue Button would send beneficiaries elsewhere after consent; set BB2_REDIRECT_URI=${expected} (and register it with your Blue Button application)`;
}
