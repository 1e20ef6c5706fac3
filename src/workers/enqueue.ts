/**
 * Starting a run right now, from a producer (the CLI, the dashboard, tests): the same fan-out
 * as the scheduled job (members held in Postgres), then one feeding pass so its first work is
 * queued at once (operator requests all of it).
 */
import { randomBytes } from 'node:crypto';

import type { Config } from '../config.ts';
import type { Pool } from '../db/client.ts';
import type { SyncRun } from '../db/runs.ts';
import { runIdFor, startRun, type StartRunPayload } from '../jobs/start-run.ts';
import type { Logger } from '../logger.ts';
import { createFeeder } from './feeder.ts';
import type { Queues } from './queues.ts';

export async function startRunNow(
  deps: { pool: Pool; log: Logger; queues: Queues; config: Config },
  payload: Omit<StartRunPayload, 'runId'>,
): Promise<SyncRun> {
  const runId = runIdFor(`${payload.trigger}-${randomBytes(4).toString('hex')}`, new Date());
  const feeder = createFeeder(deps);
  return startRun(
    {
      pool: deps.pool,
      log: deps.log,
      reconcileEvery: deps.config.sync.fullEvery,
      feed: () => feeder.feed(),
    },
    { ...payload, runId },
    { jobId: runId, createdAt: new Date() },
  );
}
