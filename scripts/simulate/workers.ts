/**
 * The simulation's real workers (src/workers/worker.ts `startWorkers`) with the stand-ins for BB2,
 * in the simulation's process and, with `--processes N`, in N - 1 more processes on the same
 * Postgres and Redis, as the machines of a deployment run them. One Node process dispatches the
 * syncs of all its workers on one thread; on a busy shared machine that thread, not Postgres, was
 * the limit (docs/scale.md, "Simulation"). The modelled BB2 stays in the simulation's process
 * (one clock, one budget): the other processes ask it over IPC, one message per attempt.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { RequestCounter } from '../../src/bluebutton/request-counter.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Pool } from '../../src/db/client.ts';
import { createLogger } from '../../src/logger.ts';
import { redisConnection } from '../../src/workers/redis.ts';
import { startWorkers, type RunningWorkers, type WorkerDeps } from '../../src/workers/worker.ts';
import { simulatedSync, type SimBb2 } from './stand-ins.ts';

export interface WorkerSpec {
  dbUrl: string;
  redisUrl: string;
  budgetPerSecond: number;
  fullEvery: number;
  /** Concurrent syncs per process. */
  concurrency: number;
}

export function simConfig(spec: WorkerSpec): Config {
  return loadConfig({
    NODE_ENV: 'production',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'warn',
    DATABASE_URL: spec.dbUrl,
    REDIS_URL: spec.redisUrl,
    BB2_CLIENT_ID: 'simulated',
    BB2_CLIENT_SECRET: 'simulated',
    BB2_REDIRECT_URI: 'https://sim.invalid/cb',
    TOKEN_ENCRYPTION_KEY: 'sim1:' + Buffer.alloc(32, 1).toString('base64'),
    SESSION_SECRET: 's'.repeat(40),
    BB2_MAX_REQUESTS_PER_SECOND: String(spec.budgetPerSecond),
    SYNC_FULL_EVERY: String(spec.fullEvery),
    // A feeder tick reads the recent pace and requests per sync: at 200 ms that was a fifth of a
    // core before they read a fixed sample (src/db/feed.ts). The queue holds two minutes of
    // budget, so a tick a second keeps it full at any speed this machine reaches (default 5 s).
    SYNC_FEED_INTERVAL_MS: '1000',
    // A retry's wait is real time here, not simulated: keep it short.
    SYNC_BACKOFF_MS: '200',
  });
}

/** startWorkers with the stand-ins, as every worker process of the simulation runs it. */
export async function startSimWorkers(spec: WorkerSpec, pool: Pool, bb2: SimBb2): Promise<RunningWorkers> {
  const config = simConfig(spec);
  const log = createLogger({ level: 'warn', format: 'json', fd: 2 });
  const connection = redisConnection(config.redis, { name: 'bbsync-sim' });
  const workers = await startWorkers({
    config,
    log,
    pool,
    connection,
    // Never read: the stand-ins replace both handlers that would use BB2.
    sync: { pool } as unknown as WorkerDeps['sync'],
    requestCounter: new RequestCounter(),
    concurrency: spec.concurrency,
    schedule: false,
    finishUnenroll: async () => {},
    // The modelled BB2 never makes the application inactive.
    probeApplication: async () => ({ active: true }),
    standIns: { sync: simulatedSync(pool, bb2), probe: () => bb2.probe() },
  });
  return {
    queues: workers.queues,
    async close() {
      await workers.close();
      connection.disconnect();
    },
  };
}

type Ask = { id: number; kind: 'attempt'; args: [number, boolean, number] } | { id: number; kind: 'probe' };

/** Starts `count` worker processes (worker-process.ts) that ask `bb2` (this process's) over IPC. */
export async function forkWorkerProcesses(
  count: number,
  spec: WorkerSpec,
  bb2: SimBb2,
): Promise<{ close(): Promise<void> }> {
  const entry = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    const child = fork(entry, [], {
      // The same loader (tsx) as this process.
      execArgv: process.execArgv,
      env: { ...process.env, BBSYNC_SIM_WORKER: JSON.stringify(spec) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    process.once('exit', () => child.kill('SIGTERM'));
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) =>
        reject(new Error(`a worker process exited (${code}) before it was ready`)),
      );
      child.on('message', (message: Ask | { ready: true }) => {
        if ('ready' in message) return resolve();
        void (message.kind === 'attempt' ? bb2.attempt(...message.args) : bb2.probe()).then((result) =>
          child.send({ id: message.id, result }),
        );
      });
    });
    await ready;
    children.push(child);
  }
  return {
    async close() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.send('close');
            }),
        ),
      );
    },
  };
}
