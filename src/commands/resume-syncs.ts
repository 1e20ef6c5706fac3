/**
 * `bbsync resume-syncs`: resumes the sync queue paused because Blue Button said the application is
 * inactive, without waiting for the workers' next probe (src/workers/app-inactive.ts). If BB2 still
 * refuses the application, the next sync pauses everything again.
 */
import { userInfo } from 'node:os';

import { recordAudit } from '../db/audit.ts';
import { resumeSyncs } from '../workers/app-inactive.ts';
import { commandContext } from './command-config.ts';
import { withDatabaseAndQueues } from './database-and-queues.ts';

export async function runResumeSyncs(): Promise<void> {
  const { config, log } = commandContext();
  const poolOptions = { max: 1, applicationName: 'bbsync-resume' };
  await withDatabaseAndQueues(config, poolOptions, async (pool, queues) => {
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
  });
}
