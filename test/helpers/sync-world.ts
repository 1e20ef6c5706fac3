/**
 * A whole deployment for sync tests: its own database and queue prefix, enrolled synthetic users
 * (through the real forms) on a shared emulator, and real BullMQ workers on the real Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { loadConfig, type Config } from '../../src/config.ts';
import { assembleWorkers } from '../../src/commands/worker.ts';
import { buildBb2Services } from '../../src/services.ts';
import { waitForRun, type SyncRun } from '../../src/db/runs.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { enrollSynthetic, syntheticLogin } from '../../src/emulator-client/synthetic-enrollment.ts';
import type { Logger } from '../../src/logger.ts';
import { START_RUN_JOB, type StartRunPayload } from '../../src/jobs/start-run.ts';
import { startRunNow } from '../../src/workers/enqueue.ts';
import { createQueues, type Queues } from '../../src/workers/queues.ts';
import { redisConnection } from '../../src/workers/redis.ts';
import { testEnv } from './bb2.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Enrolled {
  index: number;
  enrollmentId: string;
  patientId: string;
}

export interface SyncWorld {
  tdb: TestDatabase;
  env: Record<string, string>;
  config: Config;
  queues: Queues;
  enrolled: Enrolled[];
  /** Starts a run over every active enrollment and waits for it to finish. */
  run(options?: { full?: boolean; enrollmentIds?: string[]; timeoutMs?: number }): Promise<SyncRun>;
  /**
   * The nightly run, as the Job Scheduler starts it (a start-run job with trigger `scheduled`,
   * taken by the workers), waited for until it finishes.
   */
  scheduled(options?: { timeoutMs?: number }): Promise<SyncRun>;
  /** Starts a run without waiting. */
  start(options?: { full?: boolean; enrollmentIds?: string[] }): Promise<SyncRun>;
  startWorkers(concurrency?: number): Promise<void>;
  /** How often the in-process workers' requests waited for the shared limiter, since they started. */
  limiterWaits(): { budget: number; window: number };
  stopWorkers(): Promise<void>;
  /** A `bbsync worker` child process against this world. */
  spawnWorker(
    extraEnv?: Record<string, string>,
    concurrency?: number,
  ): ChildProcess & { output: () => string };
  close(): Promise<void>;
}

export async function createSyncWorld(options: {
  emulator: RunningEmulator;
  clientId: string;
  users: readonly number[];
  log: Logger;
  label: string;
  env?: Record<string, string>;
}): Promise<SyncWorld> {
  const client = options.emulator.clients.find((c) => c.clientId === options.clientId);
  if (!client) throw new Error(`the emulator has no client ${options.clientId}`);
  const tdb = await createTestDatabase(options.label);
  const env = testEnv(options.emulator, tdb.url, {
    BB2_CLIENT_ID: client.clientId,
    BB2_CLIENT_SECRET: client.clientSecret,
    BB2_REDIRECT_URI: client.redirectUris[0]!,
    QUEUE_PREFIX: `bbsync-test-${randomBytes(4).toString('hex')}`,
    SYNC_BACKOFF_MS: '50',
    SYNC_ATTEMPTS: '10',
    SYNC_LOCK_DURATION_MS: '5000',
    SYNC_SHUTDOWN_GRACE_MS: '2000',
    ...options.env,
  });
  const config = loadConfig(env);
  const services = buildBb2Services(config, options.log, tdb.pool);
  const enrolled: Enrolled[] = [];
  for (const index of options.users) {
    const outcome = await enrollSynthetic(services.flow, syntheticLogin(index), {
      redirectUri: config.bb2.redirectUri,
      fetchImpl: services.fetchImpl,
    });
    if (outcome.kind !== 'connected') throw new Error(`could not enroll user ${index}: ${outcome.kind}`);
    enrolled.push({
      index,
      enrollmentId: outcome.enrollment.enrollmentId,
      patientId: outcome.enrollment.patientId,
    });
  }

  const producer = redisConnection(config.redis);
  const queues = createQueues(producer, config.queuePrefix);
  let workers: Awaited<ReturnType<typeof assembleWorkers>> | undefined;
  const children: ChildProcess[] = [];

  const start = (o: { full?: boolean; enrollmentIds?: string[] } = {}) =>
    startRunNow({ pool: tdb.pool, log: options.log, queues, config }, { trigger: 'manual', ...o });

  return {
    tdb,
    env,
    config,
    queues,
    enrolled,
    start,
    async scheduled(o = {}) {
      const job = await queues.runs.add(START_RUN_JOB, { trigger: 'scheduled' } satisfies StartRunPayload, {
        jobId: `scheduled-${randomBytes(4).toString('hex')}`,
      });
      const deadline = Date.now() + (o.timeoutMs ?? 60_000);
      for (;;) {
        const state = await job.getState();
        if (state === 'completed') break;
        if (state === 'failed' || Date.now() > deadline) throw new Error(`the scheduled run job is ${state}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const done = await queues.runs.getJob(job.id!);
      const { runId } = done!.returnvalue as { runId: string };
      return waitForRun(tdb.pool, runId, { timeoutMs: o.timeoutMs ?? 60_000 });
    },
    async run(o = {}) {
      const run = await start(o);
      return waitForRun(tdb.pool, run.run_id, { timeoutMs: o.timeoutMs ?? 60_000 });
    },
    async startWorkers(concurrency = 4) {
      workers ??= await assembleWorkers(config, options.log, tdb.pool, { concurrency, schedule: false });
    },
    limiterWaits() {
      return workers?.limiterWaits() ?? { budget: 0, window: 0 };
    },
    async stopWorkers() {
      await workers?.stop();
      workers = undefined;
    },
    spawnWorker(extraEnv = {}, concurrency = 4) {
      let output = '';
      const child = spawn(
        process.execPath,
        ['bin/bbsync.js', 'worker', '--concurrency', String(concurrency), '--no-schedule'],
        { cwd: ROOT, env: { ...process.env, ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      children.push(child);
      return Object.assign(child, { output: () => output });
    },
    async close() {
      await workers?.stop();
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await obliterate(queues);
      await queues.close();
      producer.disconnect();
      await tdb.drop();
    },
  };
}

async function obliterate(queues: Queues): Promise<void> {
  // The workers' maintenance queue (janitor, retention) and its schedulers go too.
  for (const queue of [queues.sync, queues.runs, queues.maintenance]) {
    await queue.obliterate({ force: true }).catch(() => {});
  }
}

/** Waits for a child process to exit; returns its exit code or signal. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}
