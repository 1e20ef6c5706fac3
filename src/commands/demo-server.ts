/**
 * The demo's web server: the same server as `bbsync server` (enrollment pages and the dashboard),
 * listening on the demo's port, with the demo login.
 */
import type { FastifyInstance } from 'fastify';

import type { Config } from '../config.ts';
import type { Pool } from '../db/client.ts';
import type { Logger } from '../logger.ts';
import { buildServer } from '../server/app.ts';
import { hashPassword } from '../server/dashboard/password.ts';
import { assembleDashboard } from './server.ts';
import { buildBb2Services } from '../services.ts';

/** The dashboard login the demo prints (a local demo only: never a deployment's). */
export const DEMO_LOGIN = { user: 'demo', password: 'demo' } as const;

export function demoPasswordHash(): Promise<string> {
  return hashPassword(DEMO_LOGIN.password);
}

export async function assembleDemoServer(
  config: Config,
  log: Logger,
  pool: Pool,
): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
  const services = buildBb2Services(config, log, pool);
  const dashboard = await assembleDashboard(config, log, pool, services, config.server.sessionSecret);
  const app = await buildServer({
    config,
    log,
    flow: services.flow,
    sessionSecret: config.server.sessionSecret,
    extraRoutes: dashboard.routes,
    onConnected: dashboard.onConnected,
    onNotFound: dashboard.onNotFound,
  });
  await app.listen({ port: config.server.port, host: config.server.host });
  return {
    app,
    async close() {
      await app.close();
      await dashboard.close();
    },
  };
}
