/**
 * Starting a run right now, from a producer (the CLI, the dashboard, tests): the same fan-out
 * as the scheduled job, adding sync jobs to the queue in chunks.
 */
import { randomBytes } from 'node:crypto';

import type { Config } from '../config.ts';
import type { Pool } from '../db/client.ts';
import type { SyncRun } from '../db/runs.ts';
import { runIdFor, startRun, type StartRunPayload } from '../jobs/start-run.ts';
import { SYNC_JOB } from '../jobs/sync-enrollment.ts';
import type { Logger } from '../logger.ts';
import { syncJobOptions, type Queues } from './queues.ts';

export async function startRunNow(
  deps: { pool: Pool; log: Logger; queues: Queues; config: Config },
  payload: Omit<StartRunPayload, 'runId'>,
): Promise<SyncRun> {
  const runId = runIdFor(`${payload.trigger}-${randomBytes(4).toString('hex')}`, new Date());
  const options = syncJobOptions(deps.config);
  return startRun(
    {
      pool: deps.pool,
      log: deps.log,
      enqueue: async (jobs) => {
        await deps.queues.sync.addBulk(
          jobs.map((j) => ({ name: SYNC_JOB, data: j.payload, opts: { ...options, jobId: j.jobId } })),
        );
      },
    },
    { ...payload, runId },
    { jobId: runId, createdAt: new Date() },
  );
}
