/**
 * The one factory of Redis connections: a single server, a Redis Cluster or a Sentinel group
 * (config.redis), for BullMQ workers, producers and one-shot checks alike. Entry points
 * (src/commands) call it; everything else receives the connection.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

import { describeRedis, redisSetting, type RedisAuth, type RedisTarget } from '../config/redis-target.ts';

/** A connection to Redis, whatever its topology: every command bbsync uses works on both. */
export type RedisClient = Redis | Cluster;

export interface ConnectionOptions {
  /**
   * A producer (CLI, dashboard) that should report a down Redis at once instead of queueing
   * commands: connects lazily (call `connect()`), one retry per command, no offline queue.
   */
  failFast?: boolean;
  /** A one-shot check: like failFast, and it never reconnects in the background. */
  probe?: boolean;
  /** CLIENT SETNAME, as `CLIENT LIST` shows it. */
  name?: string;
}

function nodeOptions(options: ConnectionOptions): RedisOptions {
  const quick = Boolean(options.failFast || options.probe);
  return {
    // Workers block (BullMQ needs null: wait for Redis forever); producers fail fast.
    maxRetriesPerRequest: options.probe ? 0 : quick ? 1 : null,
    enableOfflineQueue: !quick,
    lazyConnect: quick,
    connectTimeout: options.probe ? 5000 : quick ? 3000 : 10_000,
    connectionName: options.name ?? 'bbsync',
    ...(options.probe ? { retryStrategy: () => null } : {}),
  };
}

function authOptions(auth: RedisAuth): RedisOptions {
  return {
    ...(auth.username ? { username: auth.username } : {}),
    ...(auth.password ? { password: auth.password } : {}),
    ...(auth.tls ? { tls: {} } : {}),
  };
}

/** A connection to `target`; without a listener, ioredis's reconnect errors are swallowed here. */
export function redisConnection(target: RedisTarget, options: ConnectionOptions = {}): RedisClient {
  const perNode = nodeOptions(options);
  let connection: RedisClient;
  if (target.kind === 'cluster') {
    const clusterOptions: ClusterOptions = {
      redisOptions: { ...perNode, ...authOptions(target) },
      enableOfflineQueue: perNode.enableOfflineQueue,
      lazyConnect: perNode.lazyConnect,
      ...(options.probe ? { clusterRetryStrategy: () => null } : {}),
    };
    // Cluster does not take maxRetriesPerRequest at the top level: it reads redisOptions.
    connection = new Cluster(
      target.nodes.map((n) => ({ host: n.host, port: n.port })),
      clusterOptions,
    );
  } else if (target.kind === 'sentinel') {
    connection = new Redis({
      ...perNode,
      ...authOptions(target),
      sentinels: target.sentinels.map((n) => ({ host: n.host, port: n.port })),
      name: target.name,
      db: target.db,
      ...(target.sentinelAuth.username ? { sentinelUsername: target.sentinelAuth.username } : {}),
      ...(target.sentinelAuth.password ? { sentinelPassword: target.sentinelAuth.password } : {}),
      ...(target.sentinelAuth.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      ...(options.probe ? { sentinelRetryStrategy: () => null } : {}),
    });
  } else {
    connection = new Redis(target.url, perNode);
  }
  // Without a listener ioredis prints "[ioredis] Unhandled error event" and a stack trace for
  // every failed reconnect. Commands check Redis before they start and watch it (watchRedis).
  connection.on('error', () => {});
  return connection;
}

/** Connects a fail-fast connection, with a message that says what to do when Redis is not there. */
export async function connectOrExplain(connection: RedisClient, target: RedisTarget): Promise<void> {
  try {
    await connection.connect();
  } catch (err) {
    connection.disconnect();
    throw new Error(
      `cannot reach Redis at ${describeRedis(target)} (${(err as Error).message}); start it (e.g. \`docker compose up -d\`) or set ${redisSetting(target)}`,
    );
  }
}

/** Another connection with the same settings (BullMQ's blocking reads need one of their own). */
export function duplicateConnection(connection: RedisClient): RedisClient {
  const copy = connection instanceof Cluster ? connection.duplicate() : connection.duplicate();
  copy.on('error', () => {});
  return copy;
}
