/**
 * `/readyz` (readiness: Postgres and Redis answer) and `/metrics` (Prometheus text), outside the
 * dashboard's login. `/metrics` takes METRICS_TOKEN as a bearer token when it is set.
 */
import type { FastifyInstance } from 'fastify';

import type { Config } from '../../config.ts';
import type { Pool } from '../../db/client.ts';
import type { Logger } from '../../logger.ts';
import type { Queues } from '../../workers/queues.ts';
import { createMetricsRegistry } from './metrics.ts';
import { safeEqual } from './password.ts';
import type { Probes } from './probes.ts';

export interface HealthDeps {
  config: Config;
  log: Logger;
  pool: Pool;
  queues: Queues;
  probes: Probes;
  pingRedis: () => Promise<unknown>;
}

export function healthRoutes(app: FastifyInstance, deps: HealthDeps): void {
  const { config, log, pool, probes } = deps;
  const metrics = createMetricsRegistry({
    pool,
    queues: deps.queues,
    withTimeout: probes.withTimeout,
    pingRedis: deps.pingRedis,
  });

  app.get('/readyz', async (_request, reply) => {
    const check = async (name: string, probe: () => Promise<unknown>) => {
      try {
        await probes.withTimeout(probe());
        return 'ok';
      } catch (err) {
        log.warn({ dependency: name, err: { message: (err as Error).message } }, 'readiness check failed');
        return 'unreachable';
      }
    };
    const [postgres, redis] = await Promise.all([
      check('postgres', () => pool.query('SELECT 1')),
      check('redis', deps.pingRedis),
    ]);
    const ok = postgres === 'ok' && redis === 'ok';
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', postgres, redis });
  });

  app.get('/metrics', async (request, reply) => {
    const token = config.server.metricsToken;
    if (token) {
      const header = request.headers.authorization ?? '';
      const given = header.startsWith('Bearer ') ? header.slice(7) : '';
      if (!safeEqual(given, token)) {
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer realm="metrics"')
          .send({ error: 'bearer token required' });
      }
    }
    try {
      const text = await metrics.metrics();
      return reply.header('cache-control', 'no-store').type(metrics.contentType).send(text);
    } catch (err) {
      log.warn({ err: { message: (err as Error).message } }, 'metrics unavailable');
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('# metrics unavailable: the database did not answer\n');
    }
  });
}
