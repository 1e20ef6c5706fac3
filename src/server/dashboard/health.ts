/**
 * `/readyz` (readiness: Postgres and Redis answer) and `/metrics` (Prometheus text), outside the
 * dashboard's login. `/metrics` takes METRICS_TOKEN as a bearer token when it is set. On the public
 * listener `/readyz` says only ok or unavailable; which dependency is down is told on the metrics
 * listener (METRICS_PORT) or to a caller with the metrics token, and always in the log.
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

function bearerMatches(header: string | undefined, token: string): boolean {
  const value = header ?? '';
  const given = value.startsWith('Bearer ') ? value.slice(7) : '';
  return safeEqual(given, token);
}

/**
 * @param listener 'public': the server's own listener (readiness details only with the token);
 *   'metrics': the separate METRICS_PORT listener (meant for a private network).
 */
export function healthRoutes(app: FastifyInstance, deps: HealthDeps, listener: 'public' | 'metrics'): void {
  const { config, log, pool, probes } = deps;
  const token = config.server.metricsToken;
  const metrics = createMetricsRegistry({
    pool,
    queues: deps.queues,
    withTimeout: probes.withTimeout,
    pingRedis: deps.pingRedis,
  });

  app.get('/readyz', async (request, reply) => {
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
    const status = ok ? 'ok' : 'unavailable';
    const detailed =
      listener === 'metrics' || (token !== '' && bearerMatches(request.headers.authorization, token));
    reply.code(ok ? 200 : 503).header('cache-control', 'no-store');
    return reply.send(detailed ? { status, postgres, redis } : { status });
  });

  // With its own port, /metrics is not served on the public listener at all.
  if (listener === 'public' && config.server.metricsPort !== undefined) return;

  app.get('/metrics', async (request, reply) => {
    if (token) {
      if (!bearerMatches(request.headers.authorization, token)) {
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
