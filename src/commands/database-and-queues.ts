/**
 * The Postgres pool and BullMQ queues of a one-shot command that enqueues or resumes work
 * (`bbsync sync`, `bbsync resume-syncs`).
 */
import type { Config } from '../config.ts';
import type { Pool, PoolOptions } from '../db/client.ts';
import { createQueues, type Queues } from '../workers/queues.ts';
import { redisConnection } from '../workers/redis.ts';
import { openDatabase } from './database.ts';
import { checkRedis, explainRedisError } from './reach.ts';

/**
 * Runs `use` with the database and the queues. Redis is checked before anything runs, so an
 * unreachable one fails with an explained error; the queues, the Redis connection and the pool
 * are closed when `use` ends, however it ends.
 */
export async function withDatabaseAndQueues<T>(
  config: Config,
  poolOptions: PoolOptions,
  use: (pool: Pool, queues: Queues) => Promise<T>,
): Promise<T> {
  const pool = await openDatabase(config.databaseUrl, poolOptions);
  const connection = redisConnection(config.redis, { failFast: true });
  try {
    await checkRedis(config.redis);
    await connection.connect().catch((err: unknown) => {
      throw explainRedisError(err, config.redis);
    });
    const queues = createQueues(connection, config.queuePrefix);
    try {
      return await use(pool, queues);
    } finally {
      await queues.close();
    }
  } finally {
    connection.disconnect();
    await pool.end();
  }
}
