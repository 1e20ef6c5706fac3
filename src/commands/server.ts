import { buildServer } from '../server/app.ts';
import { commandContext } from './context.ts';
import { openDatabase } from './database.ts';
import { buildBb2Services, sessionSecret } from './services.ts';

export async function runServer(options: { port?: string; host?: string }): Promise<void> {
  const { config, log } = commandContext({ service: true });
  const pool = await openDatabase(config.databaseUrl, {
    max: config.databasePoolSize,
    applicationName: 'bbsync-server',
  });
  const services = buildBb2Services(config, log, pool);
  const app = await buildServer({
    config,
    log,
    flow: services.flow,
    sessionSecret: sessionSecret(config, log),
  });
  const port = options.port !== undefined ? Number(options.port) : config.server.port;
  const host = options.host ?? config.server.host;
  await app.listen({ port, host });
  const address = app.server.address();
  const url =
    typeof address === 'object' && address ? `http://${host}:${address.port}` : `http://${host}:${port}`;
  log.info({ url }, 'server listening');
  process.stderr.write(`bbsync server listening on ${url} (enrollment: ${url}/enroll)\n`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log.info('server shutting down');
  await app.close();
  await pool.end();
}
