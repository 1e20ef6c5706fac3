/**
 * Where Redis is: one server (REDIS_URL), a Redis Cluster (REDIS_CLUSTER_NODES) or a Sentinel
 * group (REDIS_SENTINELS + REDIS_SENTINEL_NAME). Pure parsing for config.ts; the connections are
 * made by src/workers/redis.ts. Every message names the variable to change and never repeats a
 * password.
 */

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/** User, password and TLS of the data nodes (a password is never part of a description). */
export interface RedisAuth {
  readonly username?: string;
  readonly password?: string;
  readonly tls: boolean;
}

export type RedisTarget =
  | { readonly kind: 'standalone'; readonly url: string }
  | ({ readonly kind: 'cluster'; readonly nodes: readonly RedisNode[] } & RedisAuth)
  | ({
      readonly kind: 'sentinel';
      readonly sentinels: readonly RedisNode[];
      /** The monitored primary's name (`sentinel monitor <name> ...`). */
      readonly name: string;
      readonly db: number;
      /** The sentinels' own user, password and TLS (often none). */
      readonly sentinelAuth: RedisAuth;
    } & RedisAuth);

/** The setting that says where Redis is, for "set X" messages. */
export function redisSetting(target: RedisTarget): string {
  if (target.kind === 'cluster') return 'REDIS_CLUSTER_NODES';
  if (target.kind === 'sentinel') return 'REDIS_SENTINELS';
  return 'REDIS_URL';
}

/** Where Redis was looked for, without credentials: `10.0.0.1:6379`, `cluster 10.0.0.1:7000,...`. */
export function describeRedis(target: RedisTarget): string {
  const list = (nodes: readonly RedisNode[]) => nodes.map(formatNode).join(',');
  if (target.kind === 'cluster') return `cluster ${list(target.nodes)}`;
  if (target.kind === 'sentinel') return `sentinel group "${target.name}" at ${list(target.sentinels)}`;
  const url = new URL(target.url);
  return url.host || url.pathname;
}

function formatNode(node: RedisNode): string {
  return node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`;
}

interface ParsedEntry {
  node: RedisNode;
  auth: RedisAuth;
}

/** `host:port`, `[v6]:port` or `redis[s]://[user:password@]host:port`; undefined when unusable. */
function parseEntry(entry: string): ParsedEntry | undefined {
  const asUrl = /^[a-z]+:\/\//i.test(entry) ? entry : `redis://${entry}`;
  if (!URL.canParse(asUrl)) return undefined;
  const url = new URL(asUrl);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return undefined;
  const port = Number(url.port || '6379');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return {
    node: { host, port },
    auth: {
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      tls: url.protocol === 'rediss:',
    },
  };
}

/** The entries of a comma list, or messages naming the entries that cannot be used. */
function parseList(name: string, raw: string, problems: string[]): ParsedEntry[] {
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const parsed: ParsedEntry[] = [];
  for (const [i, entry] of entries.entries()) {
    const one = parseEntry(entry);
    if (one) parsed.push(one);
    else {
      problems.push(
        `${name}: entry ${i + 1} is not host:port or redis[s]://[user:password@]host:port (a comma-separated list)`,
      );
    }
  }
  const same = (a: RedisAuth, b: RedisAuth) =>
    a.username === b.username && a.password === b.password && a.tls === b.tls;
  const bare = (a: RedisAuth) => !a.username && !a.password && !a.tls;
  if (parsed.some((p, i) => i > 0 && !bare(p.auth) && !same(p.auth, parsed[0]!.auth))) {
    problems.push(
      `${name}: every entry must give the same user, password and scheme (redis:// or rediss://), or only the first one`,
    );
  }
  return parsed;
}

/**
 * The Redis target from the raw settings, or problems (each starting with the variable's name).
 * With neither REDIS_CLUSTER_NODES nor REDIS_SENTINELS it is REDIS_URL's one server.
 */
export function parseRedisTarget(
  raw: { url: string; clusterNodes: string; sentinels: string; sentinelName: string },
  problems: string[],
): RedisTarget {
  const standalone: RedisTarget = { kind: 'standalone', url: raw.url };
  if (raw.clusterNodes.trim() && raw.sentinels.trim()) {
    problems.push('REDIS_CLUSTER_NODES: set either REDIS_CLUSTER_NODES or REDIS_SENTINELS, not both');
    return standalone;
  }
  if (raw.sentinelName.trim() && !raw.sentinels.trim()) {
    problems.push('REDIS_SENTINEL_NAME: is only used with REDIS_SENTINELS (the sentinels to ask)');
  }
  if (raw.clusterNodes.trim()) {
    const nodes = parseList('REDIS_CLUSTER_NODES', raw.clusterNodes, problems);
    const auth = firstAuth(nodes);
    return { kind: 'cluster', nodes: nodes.map((n) => n.node), ...auth };
  }
  if (raw.sentinels.trim()) {
    const sentinels = parseList('REDIS_SENTINELS', raw.sentinels, problems);
    if (!raw.sentinelName.trim()) {
      problems.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS: the name of the monitored primary');
    }
    // The primary's user, password, database and TLS come from REDIS_URL; its host is not used.
    const primary = new URL(raw.url);
    return {
      kind: 'sentinel',
      sentinels: sentinels.map((s) => s.node),
      name: raw.sentinelName.trim(),
      db: Number(primary.pathname.replace(/^\//, '') || '0') || 0,
      sentinelAuth: firstAuth(sentinels),
      username: primary.username ? decodeURIComponent(primary.username) : undefined,
      password: primary.password ? decodeURIComponent(primary.password) : undefined,
      tls: primary.protocol === 'rediss:',
    };
  }
  return standalone;
}

function firstAuth(entries: readonly ParsedEntry[]): RedisAuth {
  return entries[0]?.auth ?? { tls: false };
}

/**
 * The prefix of every key bbsync writes: the queue prefix in braces, a Redis Cluster hash tag,
 * so that all of a deployment's keys (BullMQ's queues, the request limiter, dashboard sessions
 * and login counters) live in one hash slot and its Lua scripts and MULTIs work on a cluster.
 * A prefix that already holds a hash tag is kept as it is.
 */
export function hashTagged(queuePrefix: string): string {
  return /\{[^{}]+\}/.test(queuePrefix) ? queuePrefix : `{${queuePrefix}}`;
}
