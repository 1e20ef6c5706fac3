/**
 * Reaching Postgres and Redis at start-up, with the same message in every command: which service,
 * where it was looked for, what went wrong in words, and which setting to change. Services
 * (worker, server) try a few times, one line per attempt; one-shot commands try once.
 */
import pg from 'pg';

import { InputError, UnreachableError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { describeRedis, redisSetting, type RedisTarget } from '../config/redis-target.ts';
import { redisConnection, type RedisClient } from '../workers/redis.ts';

/** Where a service was looked for, without credentials. */
export function hostOf(serviceUrl: string): string {
  const url = new URL(serviceUrl);
  return url.host || url.pathname;
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

/** Failures a later attempt may not see (the service is starting, a name not yet in DNS). */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNRESET',
  '57P03',
]);

/** Network failures in words, shared by both services. */
function networkReason(err: unknown, host: string): string | undefined {
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `unknown host "${host.replace(/:\d+$/, '')}"`;
  if (code === 'ETIMEDOUT' || /timeout|timed out/i.test(message)) return 'no answer in time';
  if (code === 'ECONNRESET' || code === 'EPIPE' || /terminated unexpectedly|ended/i.test(message)) {
    return 'the connection was closed at once: is that port really this service?';
  }
  return undefined;
}

/** A Postgres failure as a message a newcomer can act on; anything unrecognized is returned as is. */
export function explainPostgresError(err: unknown, databaseUrl: string): unknown {
  if (err instanceof InputError || err instanceof UnreachableError) return err;
  const url = new URL(databaseUrl);
  const host = hostOf(databaseUrl);
  const user = decodeURIComponent(url.username) || 'the default user';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  const code = codeOf(err);
  const message = err instanceof Error ? err.message : String(err);
  const fix = 'start it (e.g. `docker compose up -d`) or set DATABASE_URL';
  const network = networkReason(err, host);
  if (network)
    return new UnreachableError(`cannot reach Postgres at ${host} (${network}); ${fix}`, { cause: err });
  if (code === '28000' || code === '28P01') {
    return new UnreachableError(
      `Postgres at ${host} refused user "${user}" (${message}); set the user and password in DATABASE_URL`,
      { cause: err },
    );
  }
  if (code === '3D000') {
    return new InputError(`database "${database}" does not exist; run \`npx bbsync migrate\` to create it`);
  }
  if (code === '57P03') {
    return new UnreachableError(`Postgres at ${host} is starting up; try again in a moment`, { cause: err });
  }
  return err;
}

/** A Redis failure in the same words. */
export function explainRedisError(err: unknown, target: RedisTarget): UnreachableError {
  const host = describeRedis(target);
  const setting = redisSetting(target);
  const message = err instanceof Error ? err.message : String(err);
  const network = networkReason(err, host);
  if (network) {
    return new UnreachableError(
      `cannot reach Redis at ${host} (${network}); start it (e.g. \`docker compose up -d\`) or set ${setting}`,
      { cause: err },
    );
  }
  if (/NOAUTH|WRONGPASS|invalid password|AUTH/i.test(message)) {
    const where =
      target.kind === 'standalone' ? 'REDIS_URL' : `${setting} (or REDIS_URL for a Sentinel primary)`;
    return new UnreachableError(
      `Redis at ${host} refused us (${message}); set the user and password in ${where}`,
      {
        cause: err,
      },
    );
  }
  return new UnreachableError(`cannot use Redis at ${host} (${message}); check ${setting}`, { cause: err });
}

export interface AttemptOptions {
  /** How many times to try (1: once, no retries). */
  attempts: number;
  /** Where "trying again" lines go (one per failed attempt but the last). */
  say?: (line: string) => void;
}

/** Runs `attempt` until it succeeds, retrying only failures a later attempt may not see. */
async function withAttempts<T>(
  attempt: () => Promise<T>,
  explain: (err: unknown) => unknown,
  options: AttemptOptions,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const explained = explain(err);
      const transient = TRANSIENT_CODES.has(codeOf(err)) || /timeout|timed out/i.test(String(err));
      if (n >= options.attempts || !transient) throw explained;
      const seconds = n;
      options.say?.(
        `${(explained as Error).message.replace(/; start it.*$/, '')}; trying again in ${seconds} s (attempt ${n} of ${options.attempts})`,
      );
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    }
  }
}

/** Connects to the database once (and disconnects), so a command fails before it starts any work. */
export async function checkPostgres(
  databaseUrl: string,
  options: AttemptOptions = { attempts: 1 },
): Promise<void> {
  await withAttempts(
    async () => {
      const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
      client.on('error', () => {});
      try {
        await client.connect();
      } finally {
        await client.end().catch(() => {});
      }
    },
    (err) => explainPostgresError(err, databaseUrl),
    options,
  );
}

/** Connects to Redis once and asks for a PONG, without ioredis's background reconnecting. */
export async function checkRedis(
  target: RedisTarget,
  options: AttemptOptions = { attempts: 1 },
): Promise<void> {
  await withAttempts(
    async () => {
      const redis = redisConnection(target, { probe: true, name: 'bbsync-check' });
      // Without retries, connect() only says "Connection is closed."; the reason comes as an event.
      let reason: Error | undefined;
      redis.on('error', (err: Error) => {
        reason ??= err;
      });
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
            6000,
          );
        });
        await Promise.race([redis.connect().then(() => redis.ping()), timeout]);
      } catch (err) {
        throw reason ?? err;
      } finally {
        clearTimeout(timer);
        redis.disconnect();
      }
    },
    (err) => explainRedisError(err, target),
    options,
  );
}

/**
 * A long-lived connection's trouble, one log line per reconnect attempt (ioredis emits an 'error'
 * for every failed command as well; those are not repeated), and one when it is back.
 */
export function watchRedis(connection: RedisClient, log: Logger, target: RedisTarget): void {
  let down = false;
  let lastError = '';
  connection.on('error', (err: Error) => {
    lastError = explainRedisError(err, target).message;
  });
  connection.on('reconnecting', (delayMs: number) => {
    down = true;
    log.warn(
      { retryInMs: delayMs },
      lastError || `Redis at ${describeRedis(target)} is unreachable; reconnecting`,
    );
  });
  connection.on('ready', () => {
    if (down) log.info(`Redis at ${describeRedis(target)} is back`);
    down = false;
  });
}
