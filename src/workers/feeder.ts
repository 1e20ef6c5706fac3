/**
 * The rate-budget feeder: a run's work waits in Postgres (`sync_run_members`) and is handed to
 * BullMQ a few minutes of BB2_MAX_REQUESTS_PER_SECOND at a time (SYNC_FEED_WINDOW_SECONDS), so
 * Redis holds thousands of jobs however many enrollments a run has. Members go in priority order
 * (operator requests, first syncs, syncs after a load, reconciles) and become BullMQ priorities,
 * so a "sync now" also overtakes jobs already queued. Every worker runs a feeder tick; a Postgres
 * advisory lock lets one feed at a time. Each tick also refreshes the forecast of unfinished runs
 * and says once when a run will not finish before the next scheduled one, after setting each
 * running run's counters from its tallies.
 */
import type { Config } from '../config.ts';
import type { Pool } from '../db/client.ts';
import {
  recentSyncRate,
  requestsPerSync,
  takeUnfedMembers,
  tryFeederLock,
  updateForecasts,
  type RunForecast,
} from '../db/feed.ts';
import { refreshRunCounters } from '../db/runs.ts';
import { withTransaction } from '../db/transaction.ts';
import { syncJobId } from '../jobs/start-run.ts';
import { SYNC_JOB, type SyncEnrollmentPayload } from '../jobs/sync-enrollment.ts';
import type { Logger } from '../logger.ts';
import { SCHEDULER_ID, syncJobOptions, type Queues } from './queues.ts';

/** Requests per sync assumed before any sync finished: a token refresh and three empty searches. */
export const DEFAULT_REQUESTS_PER_SYNC = 4;
/** Operator requests fed per tick whatever the budget (they are few and must not wait). */
const REQUESTED_PER_TICK = 1000;
/** States that hold work not yet done. */
const QUEUED_STATES = ['waiting', 'prioritized', 'active', 'delayed'] as const;

export interface FeederDeps {
  pool: Pool;
  queues: Queues;
  config: Config;
  log: Logger;
}

export interface FeedResult {
  /** False when another process held the feeder lock. */
  fed: boolean;
  added: number;
  queued: number;
  target: number;
  forecasts: RunForecast[];
}

export function createFeeder(deps: FeederDeps) {
  const options = syncJobOptions(deps.config);
  const budget = deps.config.bb2.maxRequestsPerSecond;
  let running: Promise<FeedResult> | undefined;
  const settle = (pass: Promise<FeedResult>) =>
    void pass.then(
      () => (running === pass ? (running = undefined) : undefined),
      () => (running === pass ? (running = undefined) : undefined),
    );

  async function feedOnce(): Promise<FeedResult> {
    const perSync = await requestsPerSync(deps.pool, DEFAULT_REQUESTS_PER_SYNC);
    const target = Math.max(10, Math.ceil((budget * deps.config.sync.feedWindowSeconds) / perSync));
    const result = await withTransaction(deps.pool, async (client) => {
      if (!(await tryFeederLock(client))) return { fed: false, added: 0, queued: 0 };
      const counts = await deps.queues.sync.getJobCounts(...QUEUED_STATES);
      const queued = QUEUED_STATES.reduce((n, s) => n + (counts[s] ?? 0), 0);
      const members = await takeUnfedMembers(client, {
        requested: REQUESTED_PER_TICK,
        others: Math.max(0, target - queued),
      });
      if (members.length > 0) {
        // In the transaction that marks them: if Redis refuses, nothing is marked (ids dedupe).
        await deps.queues.sync.addBulk(
          members.map((m) => ({
            name: SYNC_JOB,
            data: {
              enrollmentId: m.enrollment_id,
              runId: m.run_id,
              ...(m.full_sync ? { full: true } : {}),
            } satisfies SyncEnrollmentPayload,
            opts: { ...options, jobId: syncJobId(m.run_id, m.enrollment_id), priority: m.priority },
          })),
        );
      }
      return { fed: true, added: members.length, queued: queued + members.length };
    });
    let forecasts: RunForecast[] = [];
    if (result.fed) {
      // Each run's counters from its tallies first (the forecast reads them); this also finishes a
      // run whose last two outcomes committed together.
      await refreshRunCounters(deps.pool);
      forecasts = await forecast(perSync);
    }
    return { ...result, target, forecasts };
  }

  /** Every unfinished run's forecast: at the observed pace once syncs finish, else the budget's. */
  async function forecast(perSync: number): Promise<RunForecast[]> {
    const planned = budget / perSync;
    const observed = await recentSyncRate(deps.pool);
    const rate = observed > 0 ? Math.min(planned, Math.max(observed, planned / 100)) : planned;
    const scheduler = await deps.queues.runs.getJobScheduler(SCHEDULER_ID).catch(() => undefined);
    const next = scheduler?.next ? new Date(scheduler.next) : null;
    const forecasts = await updateForecasts(deps.pool, rate, next);
    for (const f of forecasts) {
      if (f.forecast_fits === false && f.was_fitting !== false) {
        deps.log.warn(
          {
            runId: f.run_id,
            pending: f.pending,
            forecastFinishAt: f.forecast_finish_at,
            nextRunAt: next?.toISOString(),
            syncsPerSecond: Number(rate.toFixed(3)),
          },
          'run will not finish before the next scheduled run at the current rate',
        );
      }
    }
    return forecasts;
  }

  return {
    /** One feeding pass, after any pass this process is already making. */
    feed(): Promise<FeedResult> {
      const pass = (running ?? Promise.resolve()).catch(() => {}).then(feedOnce);
      running = pass;
      settle(pass);
      return pass;
    },
    /** Whether a pass is under way (a timer skips its tick then). */
    busy(): boolean {
      return running !== undefined;
    },
  };
}

export type Feeder = ReturnType<typeof createFeeder>;
