/**
 * Real infrastructure for the simulation: a Redis server of its own (so its peak memory is the
 * simulation's alone) and a Postgres database of its own on DATABASE_URL's server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Redis } from 'ioredis';

export interface OwnRedis {
  url: string;
  client: Redis;
  /** used_memory now and used_memory_peak, in bytes. */
  memory(): Promise<{ used: number; peak: number }>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** `redis-server` on a free loopback port, no persistence; stopped (by its pid) at the end. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bbsync-sim-redis-'));
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`could not start redis-server: ${err.message}`)));
  });
  // Stopped with this process, whatever ends it.
  process.once('exit', () => child.kill('SIGTERM'));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      child.kill('SIGTERM');
      process.exit(130);
    });
  }
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  let client: Redis;
  for (;;) {
    const attempt = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, retryStrategy: () => null });
    attempt.on('error', () => {});
    const up = await Promise.race([
      attempt.connect().then(
        () => true,
        () => false,
      ),
      failed,
    ]);
    if (up) {
      client = attempt;
      break;
    }
    attempt.disconnect();
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`redis-server did not answer on port ${port} within 15 s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const field = (info: string, name: string) =>
    Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return {
    url,
    client,
    async memory() {
      const info = await client.info('memory');
      return { used: field(info, 'used_memory'), peak: field(info, 'used_memory_peak') };
    },
    async stop() {
      client.disconnect();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
