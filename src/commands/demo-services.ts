/**
 * What the demo needs around it: Postgres and Redis that answer (or containers when a Docker engine
 * exists), free ports, and a clean-up of its Redis keys.
 */
import { createServer } from 'node:net';

import pg from 'pg';
import { Redis } from 'ioredis';

import type { Config } from '../config.ts';
import { withDatabase } from '../db/client.ts';
import { dropDatabase, migrateDatabase } from '../db/migrate.ts';
import { UnreachableError } from '../errors.ts';

export /** Postgres and Redis: configured or local ones that answer, else containers when Docker exists. */
async function findServices(
  config: Config,
  say: (line: string) => void,
): Promise<{ databaseUrl: string; redisUrl: string; stop: () => Promise<void> }> {
  const pgOk = await postgresAnswers(withDatabase(config.databaseUrl, 'postgres'));
  const redisOk = await redisAnswers(config.redisUrl);
  if (pgOk && redisOk)
    return { databaseUrl: config.databaseUrl, redisUrl: config.redisUrl, stop: async () => {} };
  const missing = [
    !pgOk && `Postgres (${new URL(config.databaseUrl).host})`,
    !redisOk && `Redis (${new URL(config.redisUrl).host})`,
  ]
    .filter(Boolean)
    .join(' and ');
  let containers;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    containers = true;
  } catch {
    containers = false;
  }
  if (!containers) {
    throw new UnreachableError(
      `the demo needs ${missing}, and nothing answers there (and no Docker engine to start them): start them (\`docker compose up -d\` starts both; or \`pg_ctlcluster <version> main start\`, \`redis-server --daemonize yes\`) or set ${[!pgOk && 'DATABASE_URL', !redisOk && 'REDIS_URL'].filter(Boolean).join(' and ')}`,
    );
  }
  say(`${missing} not reachable: starting containers with testcontainers`);
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { RedisContainer } = await import('@testcontainers/redis');
  const pgC = pgOk
    ? undefined
    : await new PostgreSqlContainer('postgres:16-alpine')
        .withUsername('postgres')
        .withPassword('postgres')
        .start();
  const redisC = redisOk ? undefined : await new RedisContainer('redis:7').start();
  return {
    databaseUrl: pgC ? pgC.getConnectionUri() : config.databaseUrl,
    redisUrl: redisC ? redisC.getConnectionUrl() : config.redisUrl,
    stop: async () => {
      await Promise.all([pgC?.stop(), redisC?.stop()]);
    },
  };
}

/** Whether a Postgres server answers at `url` within 2 s (the test setup asks it too). */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Whether a Redis server answers PING at `url` within 2 s. */
export async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export async function recreateDatabase(databaseUrl: string): Promise<void> {
  await dropDatabase(databaseUrl);
  await migrateDatabase(databaseUrl);
}

/** The port when it is free on 127.0.0.1 (0: any free one), else undefined. */
export function freePort(port: number): Promise<number | undefined> {
  return new Promise<number | undefined>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const got = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(got));
    });
  });
}

/** The preferred port when it is free, else any free one. */
export async function portOr(preferred: number): Promise<number> {
  return (await freePort(preferred)) ?? (await freePort(0))!;
}

/** Everything the demo left in Redis under its prefix: queues, the scheduler, the request window. */
export async function removeRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectionName: 'bbsync-demo-cleanup' });
  redis.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
