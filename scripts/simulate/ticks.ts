/**
 * The simulation's cron: at each simulated tick it lets the real workers run until simulated time
 * reaches the tick (or nothing is pending), then adds the start-run job the BullMQ Job Scheduler
 * would add (`trigger: scheduled`) and waits for the real start-run handler to finish its fan-out.
 */
import type { Pool } from '../../src/db/client.ts';
import { START_RUN_JOB, type StartRunPayload } from '../../src/jobs/start-run.ts';
import type { Queues } from '../../src/workers/queues.ts';
import type { OwnRedis } from './infra.ts';
import type { Model } from './model.ts';

export interface Driver {
  pool: Pool;
  queues: Queues;
  model: Model;
  redis: OwnRedis;
  say: (line: string) => void;
  /** Highest used_memory sampled (bytes) and queue depth (waiting, prioritized, active, delayed). */
  redisPeak: number;
  queueMax: number;
}

export interface Tick {
  /** Simulated time of the tick (ms). */
  at: number;
  runId: string;
  members: number;
  decisions: Record<string, unknown>;
  /** Real seconds the start-run job took: probe, members added in Postgres, first feed. */
  fanOutSeconds: number;
}

const STALL_MS = 300_000;

async function pending(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT coalesce(sum(greatest(enrollments_total - enrollments_ok - enrollments_failed - enrollments_skipped, 0)), 0)::int AS n
       FROM sync_runs WHERE status <> 'finished'`,
  );
  return rows[0]?.n ?? 0;
}

export async function sample(driver: Driver): Promise<void> {
  const memory = await driver.redis.memory();
  driver.redisPeak = Math.max(driver.redisPeak, memory.used);
  const counts = await driver.queues.sync.getJobCounts('waiting', 'prioritized', 'active', 'delayed');
  const depth = Object.values(counts).reduce((a, b) => a + b, 0);
  driver.queueMax = Math.max(driver.queueMax, depth);
}

/** Waits until simulated time reaches `until` or nothing is pending (`until` Infinity: drain). */
async function runUntil(driver: Driver, until: number): Promise<void> {
  const { model } = driver;
  let mark = { left: -1, budget: -1, at: performance.now() };
  for (;;) {
    const left = await pending(driver.pool);
    await sample(driver);
    if (left === 0 || model.clock.budgetFreeAt >= until) return;
    if (left !== mark.left || model.clock.budgetFreeAt !== mark.budget) {
      mark = { left, budget: model.clock.budgetFreeAt, at: performance.now() };
    } else if (performance.now() - mark.at > STALL_MS) {
      throw new Error(`no progress for ${STALL_MS / 1000} s with ${left} syncs pending`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function finished(queues: Queues, jobId: string) {
  for (;;) {
    const state = await queues.runs.getJobState(jobId);
    // Read after the state: a job read before it completed has no return value.
    const job = state === 'completed' || state === 'failed' ? await queues.runs.getJob(jobId) : undefined;
    if (job && state === 'completed') return job;
    if (job && state === 'failed') throw new Error(`the start-run job failed: ${job.failedReason}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function tickOnce(
  driver: Driver,
  at: number,
  options: { drainOnly?: boolean } = {},
): Promise<Tick> {
  const { model } = driver;
  await runUntil(driver, options.drainOnly ? Number.POSITIVE_INFINITY : at);
  model.clock.now = Math.max(model.clock.now, at);
  if (options.drainOnly) return { at, runId: '', members: 0, decisions: {}, fanOutSeconds: 0 };
  const jobId = `sim-${at}`;
  await driver.queues.runs.add(START_RUN_JOB, { trigger: 'scheduled' } satisfies StartRunPayload, { jobId });
  const job = await finished(driver.queues, jobId);
  const { runId } = job.returnvalue as { runId: string };
  const { rows } = await driver.pool.query<{
    enrollments_total: number;
    decisions: Record<string, unknown> | null;
  }>('SELECT enrollments_total, decisions FROM sync_runs WHERE run_id = $1', [runId]);
  const tick: Tick = {
    at,
    runId,
    members: rows[0]?.enrollments_total ?? 0,
    decisions: rows[0]?.decisions ?? {},
    fanOutSeconds: ((job.finishedOn ?? 0) - (job.processedOn ?? 0)) / 1000,
  };
  driver.say(
    `${new Date(at).toISOString().slice(0, 16)} run of ${tick.members} (${JSON.stringify(tick.decisions)}) ` +
      `fanned out in ${tick.fanOutSeconds.toFixed(1)} s; budget at ${new Date(model.clock.budgetFreeAt).toISOString().slice(0, 16)}`,
  );
  return tick;
}
