/**
 * A real 3-node Redis Cluster for the tests (no stand-in): `redis-server --cluster-enabled yes`
 * three times on free loopback ports, joined by `redis-cli --cluster create`, no persistence.
 * Each test run starts its own in a folder under the system temp directory named after the run's
 * process; a run that died without stopping its cluster has it shut down by the next run (only
 * nodes that answer from that run's folder). REDIS_CLUSTER_NODES in the environment uses that
 * cluster instead and starts nothing.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);
const STATE = join(tmpdir(), 'bbsync-test-redis-cluster');
export const HOST = '127.0.0.1';

export type ClusterStart =
  { nodes: string; stop: () => Promise<void> } | { nodes: ''; missing: string; stop: () => Promise<void> };

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

/** Free ports whose cluster bus ports (+10000) are free too. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count && tries < 500; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (ports.includes(port)) continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) ports.push(port);
  }
  if (ports.length < count) throw new Error('no free ports for a local Redis Cluster');
  return ports;
}

export async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-h', HOST, '-p', String(port), ...args], { timeout: 10_000 });
  return stdout.trim();
}

export async function shutdown(port: number): Promise<void> {
  await cli(port, 'SHUTDOWN', 'NOSAVE').catch(() => {});
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Shuts down the clusters of runs that are gone: only a node whose data folder is that run's. */
async function removeStale(): Promise<void> {
  if (!existsSync(STATE)) return;
  for (const entry of readdirSync(STATE)) {
    const dir = join(STATE, entry);
    if (processAlive(Number(entry))) continue;
    const portsFile = join(dir, 'ports');
    const ports = existsSync(portsFile) ? readFileSync(portsFile, 'utf8').split(',').map(Number) : [];
    for (const port of ports) {
      const answer = await cli(port, 'CONFIG', 'GET', 'dir').catch(() => '');
      if (answer.split('\n')[1] === dir) await shutdown(port);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`local Redis: ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startRedisCluster(): Promise<ClusterStart> {
  const given = process.env.REDIS_CLUSTER_NODES;
  if (given) return { nodes: given, stop: async () => {} };
  const installed = await run('redis-server', ['--version']).then(
    () => true,
    () => false,
  );
  if (!installed) {
    return {
      nodes: '',
      missing: 'need redis-server and redis-cli on PATH (or REDIS_CLUSTER_NODES)',
      stop: async () => {},
    };
  }
  await removeStale();
  // A port found free can be taken by another program before the node binds it (other test runs
  // on this machine start clusters too): a failed start is retried on fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterOnce();
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/** Reads the end of a node's log, for an error that says why it did not start. */
function logTail(dir: string, port: number): string {
  const file = join(dir, `${port}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ') : 'no log';
}

async function startClusterOnce(): Promise<ClusterStart> {
  const dir = join(STATE, String(process.pid));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const ports = await freePorts(3);
  writeFileSync(join(dir, 'ports'), ports.join(','));
  const stop = async () => {
    await Promise.all(ports.map(shutdown));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      await run('redis-server', [
        '--port',
        String(port),
        '--bind',
        HOST,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '5000',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'yes',
        '--logfile',
        join(dir, `${port}.log`),
        '--pidfile',
        join(dir, `${port}.pid`),
      ]);
    }
    for (const port of ports) {
      await until(`node ${port} answering`, async () => (await cli(port, 'PING')) === 'PONG').catch((err) => {
        throw new Error(`${(err as Error).message} (its log: ${logTail(dir, port)})`);
      });
    }
    const nodes = ports.map((p) => `${HOST}:${p}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: 30_000,
    });
    for (const port of ports) {
      await until(`cluster_state:ok on ${port}`, async () =>
        (await cli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'),
      );
    }
    return { nodes: nodes.join(','), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
