import type { FastifyInstance } from 'fastify';

import type { Config } from '../config.ts';
import type { Pool } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { buildServer } from '../server/app.ts';
import { buildMetricsServer, dashboardRoutes } from '../server/dashboard/index.ts';
import { createQueues, redisConnection } from '../workers/queues.ts';
import { commandContext } from './context.ts';
import { openDatabase } from './database.ts';
import { buildBb2Services, sessionSecret, type Bb2Services } from '../services.ts';

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
  /** The METRICS_PORT listener, when that is set. */
  metrics: FastifyInstance | undefined;
  close(): Promise<void>;
}> {
  const redis = redisConnection(config.redisUrl, { failFast: true });
  redis.on('error', () => {});
  await redis.connect().catch((err: unknown) => {
    log.warn(
      { redis: new URL(config.redisUrl).host, err: { message: (err as Error).message } },
      'Redis is unreachable: the dashboard shows no queues and /readyz answers 503 until it is back',
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
    async close() {
      await metrics?.close();
      await queues.close();
      redis.disconnect();
    },
  };
}

export async function runServer(options: { port?: string; host?: string }): Promise<void> {
  const { config, log } = commandContext({ service: true });
  const pool = await openDatabase(config.databaseUrl, {
    max: config.databasePoolSize,
    applicationName: 'bbsync-server',
  });
  const services = buildBb2Services(config, log, pool);
  const secret = sessionSecret(config, log);
  const port = options.port !== undefined ? Number(options.port) : config.server.port;
  const host = options.host ?? config.server.host;
  const dashboard = await assembleDashboard(config, log, pool, services, secret, host);
  const app = await buildServer({
    config,
    log,
    flow: services.flow,
    sessionSecret: secret,
    extraRoutes: dashboard.routes,
    listenHost: host,
  });
  await app.listen({ port, host });
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
