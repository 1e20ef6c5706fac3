/**
 * Bounded questions to Redis and the queues for the dashboard: a down Redis must turn into
 * "unavailable" on a page, never a request that hangs (BullMQ would wait for it).
 */
import type { NextRun, QueueCounts } from './components.ts';
import { JANITOR_JOB } from '../../jobs/janitor.ts';
import { JOB_STATES, SCHEDULER_ID, type Queues } from '../../workers/queues.ts';

export interface Probes {
  /** `p`, or a rejection once the Redis timeout has passed. */
  withTimeout<T>(p: Promise<T>): Promise<T>;
  /** Whether Redis answers a PING in time. */
  redisReachable(): Promise<boolean>;
  /** The schedule and queue depths, or 'unavailable'. */
  queueState(): Promise<{
    nextRun: NextRun | 'unavailable';
    counts: QueueCounts | 'unavailable';
    /** When the janitor runs next (ms since the epoch); null: no worker scheduled it. */
    nextJanitor: number | null | 'unavailable';
  }>;
}

export function createProbes(deps: {
  queues: Queues;
  pingRedis: () => Promise<unknown>;
  timeoutMs: number;
}): Probes {
  const { queues, timeoutMs } = deps;
  const withTimeout = <T>(p: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Redis did not answer in time')), timeoutMs);
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  const redisReachable = () =>
    withTimeout(deps.pingRedis()).then(
      () => true,
      () => false,
    );

  const queueState: Probes['queueState'] = async () => {
    if (!(await redisReachable())) {
      return { nextRun: 'unavailable', counts: 'unavailable', nextJanitor: 'unavailable' };
    }
    const [nextRun, counts, nextJanitor] = await Promise.all([
      withTimeout(queues.runs.getJobScheduler(SCHEDULER_ID)).then(
        (s): NextRun => (s ? { at: s.next, pattern: s.pattern ?? undefined, tz: s.tz ?? undefined } : null),
        () => 'unavailable' as const,
      ),
      Promise.all(
        [queues.sync, queues.runs].map(async (q) => ({
          name: q.name,
          counts: await withTimeout(q.getJobCounts(...JOB_STATES)),
        })),
      ).then(
        (v): QueueCounts => v,
        () => 'unavailable' as const,
      ),
      withTimeout(queues.maintenance.getJobScheduler(JANITOR_JOB)).then(
        (s) => s?.next ?? null,
        () => 'unavailable' as const,
      ),
    ]);
    return { nextRun, counts, nextJanitor };
  };

  return { withTimeout, redisReachable, queueState };
}
