/**
 * `bbsync resume-syncs`: resumes the sync queue paused because Blue Button said the application is
 * inactive, without waiting for the workers' next probe (src/workers/app-inactive.ts). If BB2 still
 * refuses the application, the next sync pauses everything again.
 */
import { userInfo } from 'node:os';

import { recordAudit } from '../db/audit.ts';
import { resumeSyncs } from '../workers/app-inactive.ts';
import { createQueues } from '../workers/queues.ts';
import { redisConnection } from '../workers/redis.ts';
import { commandContext } from './command-config.ts';
import { openDatabase } from './database.ts';
import { checkRedis, explainRedisError } from './reach.ts';

export async function runResumeSyncs(): Promise<void> {
  const { config, log } = commandContext();
  const pool = await openDatabase(config.databaseUrl, { max: 1, applicationName: 'bbsync-resume' });
  const connection = redisConnection(config.redis, { failFast: true });
  try {
    await checkRedis(config.redis);
    await connection.connect().catch((err: unknown) => {
      throw explainRedisError(err, config.redis);
    });
    const queues = createQueues(connection, config.queuePrefix);
    try {
      const actor = `cli:${userInfo().username}`;
      const ended = await resumeSyncs({ pool, syncQueue: queues.sync, log }, actor);
      await recordAudit(pool, {
        actor,
        action: 'resume_syncs',
        target: 'app_inactive',
        details: { wasPaused: ended !== undefined, since: ended?.since ?? null },
      });
      process.stdout.write(
        ended
          ? `syncs resumed (paused since ${ended.since}: ${ended.answer}); if Blue Button still refuses the application, they pause again\n`
          : 'syncs were not paused for an inactive application; the sync queue is resumed\n',
      );
    } finally {
      await queues.close();
    }
  } finally {
    connection.disconnect();
    await pool.end();
  }
}
