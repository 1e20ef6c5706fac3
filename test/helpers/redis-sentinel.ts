/**
 * A real Sentinel group for the tests (no stand-in): a primary, one replica and one Sentinel
 * (quorum 1), each `redis-server` on a free loopback port, no persistence, in a folder under the
 * system temp directory named after the test process. A group left by a process that died is shut
 * down by the next start (only servers whose config or data folder is that process's folder).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { HOST, cli, freePorts, processAlive, run, shutdown, until } from './redis-cluster.ts';

const STATE = join(tmpdir(), 'bbsync-test-redis-sentinel');

export interface SentinelGroup {
  /** REDIS_SENTINELS form: `127.0.0.1:port`. */
  readonly sentinels: string;
  /** REDIS_SENTINEL_NAME. */
  readonly name: string;
  readonly replicaPort: number;
  /** The port of the server the Sentinel names as primary now. */
  primaryPort(): Promise<number>;
  /** A manual failover (`SENTINEL FAILOVER`), resolved once the Sentinel names the new primary. */
  failover(): Promise<number>;
  stop(): Promise<void>;
}

/** Why the group cannot start here, or undefined when it can. */
export async function sentinelMissing(): Promise<string | undefined> {
  const ok = await run('redis-server', ['--version']).then(
    () => true,
    () => false,
  );
  return ok ? undefined : 'need redis-server and redis-cli on PATH';
}

/** Shuts down the groups of test processes that are gone (only servers started from their folder). */
async function removeStale(): Promise<void> {
  if (!existsSync(STATE)) return;
  for (const entry of readdirSync(STATE)) {
    if (processAlive(Number(entry))) continue;
    const dir = join(STATE, entry);
    const portsFile = join(dir, 'ports');
    const ports = existsSync(portsFile) ? readFileSync(portsFile, 'utf8').split(',').map(Number) : [];
    for (const port of ports) {
      const info = await cli(port, 'INFO', 'server').catch(() => '');
      if (info.includes(dir)) await shutdown(port);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function serverArgs(port: number, dir: string): string[] {
  return [
    ...['--port', String(port), '--bind', HOST, '--dir', dir, '--save', '', '--appendonly', 'no'],
    ...['--daemonize', 'yes', '--logfile', join(dir, `${port}.log`), '--pidfile', join(dir, `${port}.pid`)],
  ];
}

async function masterAddress(sentinelPort: number, name: string): Promise<number> {
  const answer = await cli(sentinelPort, 'SENTINEL', 'get-master-addr-by-name', name);
  return Number(answer.split('\n')[1]);
}

export async function startSentinelGroup(name = 'bbsync-test'): Promise<SentinelGroup> {
  await removeStale();
  // A port found free can be taken before the server binds it: retried on fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startGroupOnce(name);
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function startGroupOnce(name: string): Promise<SentinelGroup> {
  const dir = join(STATE, String(process.pid));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const [primary, replica, sentinel] = (await freePorts(3)) as [number, number, number];
  writeFileSync(join(dir, 'ports'), [primary, replica, sentinel].join(','));
  const stop = async () => {
    await Promise.all([sentinel, primary, replica].map(shutdown));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('redis-server', serverArgs(primary, dir));
    await run('redis-server', [...serverArgs(replica, dir), '--replicaof', HOST, String(primary)]);
    // Sentinel rewrites its configuration file: it must be a file of its own, writable.
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `sentinel monitor ${name} ${HOST} ${primary} 1`,
        `sentinel down-after-milliseconds ${name} 2000`,
        `sentinel failover-timeout ${name} 10000`,
        '',
      ].join('\n'),
    );
    await run('redis-server', [conf, '--sentinel', ...serverArgs(sentinel, dir)]);
    await until('replica in sync', async () =>
      (await cli(replica, 'INFO', 'replication')).includes('master_link_status:up'),
    );
    // A failover needs the Sentinel to know the replica (it learns it from the primary's INFO).
    await until('Sentinel sees the replica', async () =>
      (await cli(sentinel, 'SENTINEL', 'replicas', name)).includes(String(replica)),
    );
    return {
      sentinels: `${HOST}:${sentinel}`,
      name,
      replicaPort: replica,
      primaryPort: () => masterAddress(sentinel, name),
      failover: async () => {
        const before = await masterAddress(sentinel, name);
        await cli(sentinel, 'SENTINEL', 'FAILOVER', name);
        await until(
          'the Sentinel names a new primary',
          async () => (await masterAddress(sentinel, name)) !== before,
        );
        return masterAddress(sentinel, name);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
