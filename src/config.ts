/**
 * The one reader of the environment. `loadConfig(process.env)` is called once, by the CLI entry;
 * everything else receives the frozen result as an argument. Every variable is listed, with its
 * meaning, in `.env.example`; src/config/environment.ts declares their types and defaults.
 */
import { z } from 'zod';

import {
  defaultScopes,
  ENVIRONMENT,
  isDemographicScope,
  type DataAccessType,
  type Environment,
} from './config/environment.ts';
import { parseEncryptionKeys, type EncryptionKey } from './config/secrets.ts';
import type { TrustProxy } from './config/trust-proxy.ts';
import { ConfigError } from './errors.ts';
import { hashTagged, parseRedisTarget, type RedisTarget } from './config/redis-target.ts';

export interface Config {
  readonly env: Environment['NODE_ENV'];
  readonly log: {
    readonly level: Environment['LOG_LEVEL'];
    readonly format: Environment['LOG_FORMAT'];
    /** Whether LOG_LEVEL was set (one-shot commands are quieter by default). */
    readonly levelSet: boolean;
  };
  readonly databaseUrl: string;
  readonly databasePoolSize: number;
  /** Limits on the pipeline's (worker's) Postgres connections, so no wait is unbounded. */
  readonly database: {
    readonly connectTimeoutMs: number;
    /** 0: no limit. */
    readonly statementTimeoutMs: number;
    /** 0: no limit. */
    readonly idleInTransactionTimeoutMs: number;
  };
  /** REDIS_URL as given (in Sentinel mode it only carries the primary's credentials). */
  readonly redisUrl: string;
  /** Where Redis is: one server, a cluster or a Sentinel group; connections come from src/workers/redis.ts. */
  readonly redis: RedisTarget;
  /**
   * The prefix of every Redis key: QUEUE_PREFIX as a hash tag (`{bbsync}`), so that all of them
   * share one Redis Cluster slot.
   */
  readonly queuePrefix: string;
  readonly bb2: {
    readonly baseUrl: string;
    readonly clientId: string;
    readonly clientSecret: string;
    readonly redirectUri: string;
    /** BB2_SCOPES, or the defaults that follow from requireDemographics. */
    readonly scopes: string;
    /**
     * The application's data access type as registered with BB2: THIRTEEN_MONTH grants end 13
     * months after consent, RESEARCH_STUDY never, ONE_TIME with the first access token (synced
     * once at connect, never refreshed, then `completed`).
     */
    readonly dataAccessType: DataAccessType;
    /** Whether the application is registered with the demographic scopes (profile, Patient). */
    readonly requireDemographics: boolean;
    readonly maxRequestsPerSecond: number;
    readonly requestTimeoutMs: number;
    readonly pageSize: number;
    /** http:// BB2 URLs are refused unless this is on (the emulator turns it on for loopback). */
    readonly allowInsecureHttp: boolean;
    /** The largest response body accepted from BB2, on the wire and inflated (FHIR, token, revoke). */
    readonly maxResponseBytes: number;
    /** The most pages one walk of one resource type may take before it is failed as `paging_error`. */
    readonly maxPagesPerWalk: number;
    /** Timeout of a token refresh: shorter than SYNC_SHUTDOWN_GRACE_MS, so no refresh is cut off mid-rotation. */
    readonly refreshTimeoutMs: number;
    /** The longest a request waits for the shared rate limiter (Redis) before failing as transient. */
    readonly rateLimitMaxWaitMs: number;
    /** The API version new enrollments go through; each enrollment keeps the version it was made with. */
    readonly apiVersion: 'v2' | 'v3';
    /**
     * v3 EOB `_source` (NCH, DDPS, FISS, MCS, VMS, CWF); empty: BB2's default NCH,DDPS, i.e.
     * no shared-system (partially adjudicated) claims and no prior authorizations.
     */
    readonly v3EobSources: readonly string[];
  };
  readonly tokens: {
    readonly keys: readonly EncryptionKey[];
    readonly refreshMarginSeconds: number;
    readonly purgeOnRevoke: boolean;
  };
  readonly retention: {
    /** Delete the data of enrollments `reauth_required` or `revoked` for this many days; 0: never. */
    readonly daysAfterRevoke: number;
    /** Delete finished runs, their members and sync attempts older than this many days; 0: never. */
    readonly runHistoryDays: number;
  };
  readonly sync: {
    readonly cron: string;
    readonly tz: string;
    /** An enrollment's sync after a load is a full reconcile on every Nth load (its turn by a hash). */
    readonly fullEvery: number;
    /** The feeder keeps about this many seconds of BB2_MAX_REQUESTS_PER_SECOND queued in Redis. */
    readonly feedWindowSeconds: number;
    /** How often each worker's feeder looks (one feeds at a time, under a Postgres advisory lock). */
    readonly feedIntervalMs: number;
    readonly concurrency: number;
    /** Pages a worker process writes to Postgres at once (its syncs fetch concurrently). */
    readonly dbWriters: number;
    /** Worker threads that read pages (parse, normalize, encode COPY rows); 0: the main thread. */
    readonly parseThreads: number;
    readonly attempts: number;
    readonly shutdownGraceMs: number;
    /** First retry delay of a failed sync; doubles each attempt, with jitter. */
    readonly backoffMs: number;
    /** BullMQ job lock: a job whose worker died is taken over after about this long. */
    readonly lockDurationMs: number;
    /**
     * A full reconcile that would remove more than this share of a patient's claims (or
     * coverages), or all of them, removes nothing until a later full walk confirms.
     */
    readonly reconcileMaxDeleteShare: number;
    /** How often the janitor closes attempts and runs left `running` by a dead process. */
    readonly janitorEveryMs: number;
    /** While BB2 says the application is inactive (syncs paused): how often one worker asks again. */
    readonly appInactiveProbeMs: number;
  };
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly sessionSecret: string;
    readonly cookieSecure: 'auto' | boolean;
    readonly dashboardUser: string;
    readonly dashboardPasswordHash: string;
    readonly dashboardAllowActions: boolean;
    /** Bearer token /metrics requires; empty: /metrics is open (for a private network). */
    readonly metricsToken: string;
    /** Own listener for /metrics and /readyz details; undefined: on the main listener. */
    readonly metricsPort: number | undefined;
    readonly metricsHost: string;
    /** Which proxies' X-Forwarded-* headers to believe: none (false), a hop count, or addresses. */
    readonly trustProxy: TrustProxy;
    /** Longest a request may take, from its first byte to the response (and longest idle). */
    readonly requestTimeoutMs: number;
    /** New enrollment links (GET /enroll) per client address, and per server instance, per 10 minutes. */
    readonly enrollRateLimit: number;
    readonly enrollRateLimitGlobal: number;
  };
  /**
   * Names of crash points that kill the process when reached (tests of crash safety only).
   * Always empty when NODE_ENV=production: a crash switch has no place there.
   */
  readonly failpoints: readonly string[];
  /** BBSYNC_FAILPOINTS names ignored because NODE_ENV=production (commands warn about them). */
  readonly ignoredFailpoints: readonly string[];
}

function isLoopback(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname;
  return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}

/**
 * Validates the whole environment at once and returns a frozen Config, or throws a ConfigError
 * listing every problem (not just the first).
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings count as unset, so `FOO=` in a .env file means "use the default".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ENVIRONMENT.safeParse(present);
  const problems: string[] = [];
  let keys: EncryptionKey[] = [];
  if (parsed.success) {
    const keyCheck = z
      .string()
      .transform((raw, ctx) => parseEncryptionKeys(raw, ctx))
      .safeParse(parsed.data.TOKEN_ENCRYPTION_KEY);
    if (keyCheck.success) keys = keyCheck.data;
    else for (const issue of keyCheck.error.issues) problems.push(`TOKEN_ENCRYPTION_KEY: ${issue.message}`);
  } else {
    for (const issue of parsed.error.issues) {
      problems.push(`${issue.path.join('.') || '(environment)'}: ${issue.message}`);
    }
  }
  const redis = parsed.success
    ? parseRedisTarget(
        {
          url: parsed.data.REDIS_URL,
          clusterNodes: parsed.data.REDIS_CLUSTER_NODES,
          sentinels: parsed.data.REDIS_SENTINELS,
          sentinelName: parsed.data.REDIS_SENTINEL_NAME,
        },
        problems,
      )
    : undefined;
  if (parsed.success) checkScopes(parsed.data, problems);
  if (!parsed.success || !redis || problems.length > 0) throw new ConfigError(problems);
  const raw = parsed.data;

  return deepFreeze({
    env: raw.NODE_ENV,
    log: { level: raw.LOG_LEVEL, format: raw.LOG_FORMAT, levelSet: 'LOG_LEVEL' in present },
    databaseUrl: raw.DATABASE_URL,
    databasePoolSize: raw.DATABASE_POOL_SIZE,
    database: {
      connectTimeoutMs: raw.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: raw.DATABASE_STATEMENT_TIMEOUT_MS,
      idleInTransactionTimeoutMs: raw.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    redisUrl: raw.REDIS_URL,
    redis,
    queuePrefix: hashTagged(raw.QUEUE_PREFIX),
    bb2: bb2Settings(raw),
    tokens: {
      keys,
      refreshMarginSeconds: raw.TOKEN_REFRESH_MARGIN_SECONDS,
      purgeOnRevoke: raw.PURGE_ON_REVOKE,
    },
    retention: { daysAfterRevoke: raw.RETENTION_DAYS_AFTER_REVOKE, runHistoryDays: raw.RUN_HISTORY_DAYS },
    sync: syncSettings(raw),
    server: serverSettings(raw),
    failpoints: raw.NODE_ENV === 'production' ? [] : failpointNames(raw.BBSYNC_FAILPOINTS),
    ignoredFailpoints: raw.NODE_ENV === 'production' ? failpointNames(raw.BBSYNC_FAILPOINTS) : [],
  } satisfies Config);
}

function bb2Settings(raw: Environment): Config['bb2'] {
  return {
    baseUrl: raw.BB2_BASE_URL.replace(/\/+$/, ''),
    clientId: raw.BB2_CLIENT_ID,
    clientSecret: raw.BB2_CLIENT_SECRET,
    redirectUri: raw.BB2_REDIRECT_URI,
    scopes: raw.BB2_SCOPES ?? defaultScopes(raw.BB2_REQUIRE_DEMOGRAPHICS),
    dataAccessType: raw.BB2_DATA_ACCESS_TYPE,
    requireDemographics: raw.BB2_REQUIRE_DEMOGRAPHICS,
    maxRequestsPerSecond: raw.BB2_MAX_REQUESTS_PER_SECOND,
    requestTimeoutMs: raw.BB2_REQUEST_TIMEOUT_MS,
    pageSize: raw.BB2_PAGE_SIZE,
    allowInsecureHttp: raw.BB2_ALLOW_INSECURE_HTTP ?? isLoopback(raw.BB2_BASE_URL),
    maxResponseBytes: raw.BB2_MAX_RESPONSE_BYTES,
    maxPagesPerWalk: raw.BB2_MAX_PAGES_PER_WALK,
    refreshTimeoutMs: raw.BB2_REFRESH_TIMEOUT_MS,
    rateLimitMaxWaitMs: raw.BB2_RATE_LIMIT_MAX_WAIT_MS,
    apiVersion: raw.BB2_API_VERSION,
    v3EobSources: raw.BB2_V3_EOB_SOURCES.split(',')
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean),
  };
}

/** An application registered without demographic scopes must not ask for them (BB2 answers 400). */
function checkScopes(raw: Environment, problems: string[]): void {
  if (raw.BB2_REQUIRE_DEMOGRAPHICS || raw.BB2_SCOPES === undefined) return;
  const demographic = raw.BB2_SCOPES.split(/\s+/).filter(isDemographicScope);
  if (demographic.length > 0) {
    problems.push(
      `BB2_SCOPES: asks for ${demographic.join(', ')} but BB2_REQUIRE_DEMOGRAPHICS=false says the application is registered without demographic scopes (Blue Button would answer "Invalid scopes." after every login); remove them, or unset BB2_SCOPES for the defaults`,
    );
  }
}

function syncSettings(raw: Environment): Config['sync'] {
  return {
    cron: raw.SYNC_CRON,
    tz: raw.SYNC_TZ,
    fullEvery: raw.SYNC_FULL_EVERY,
    feedWindowSeconds: raw.SYNC_FEED_WINDOW_SECONDS,
    feedIntervalMs: raw.SYNC_FEED_INTERVAL_MS,
    concurrency: raw.SYNC_CONCURRENCY,
    dbWriters: raw.SYNC_DB_WRITERS,
    parseThreads: raw.SYNC_PARSE_THREADS,
    attempts: raw.SYNC_ATTEMPTS,
    shutdownGraceMs: raw.SYNC_SHUTDOWN_GRACE_MS,
    backoffMs: raw.SYNC_BACKOFF_MS,
    lockDurationMs: raw.SYNC_LOCK_DURATION_MS,
    reconcileMaxDeleteShare: raw.RECONCILE_MAX_DELETE_SHARE,
    janitorEveryMs: raw.JANITOR_EVERY_MS,
    appInactiveProbeMs: raw.APP_INACTIVE_PROBE_MS,
  };
}

function serverSettings(raw: Environment): Config['server'] {
  return {
    host: raw.SERVER_HOST,
    port: raw.SERVER_PORT,
    sessionSecret: raw.SESSION_SECRET,
    cookieSecure: raw.COOKIE_SECURE === 'auto' ? 'auto' : raw.COOKIE_SECURE === 'true',
    dashboardUser: raw.DASHBOARD_USER,
    dashboardPasswordHash: raw.DASHBOARD_PASSWORD_HASH,
    dashboardAllowActions: raw.DASHBOARD_ALLOW_ACTIONS,
    metricsToken: raw.METRICS_TOKEN,
    metricsPort: raw.METRICS_PORT,
    metricsHost: raw.METRICS_HOST ?? raw.SERVER_HOST,
    trustProxy: raw.TRUST_PROXY,
    requestTimeoutMs: raw.SERVER_REQUEST_TIMEOUT_MS,
    enrollRateLimit: raw.ENROLL_RATE_LIMIT,
    enrollRateLimitGlobal: raw.ENROLL_RATE_LIMIT_GLOBAL,
  };
}

function failpointNames(raw: string): string[] {
  return raw
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
}

/** The settings a command needs to talk to BB2; lists every missing one at once. */
export function requireBb2Client(config: Config): void {
  const missing: string[] = [];
  const where = 'set it in .env or the environment (for the emulator: bbsync-local)';
  if (!config.bb2.clientId) missing.push(`BB2_CLIENT_ID: required to talk to Blue Button; ${where}`);
  if (!config.bb2.clientSecret) {
    missing.push(
      `BB2_CLIENT_SECRET: required to talk to Blue Button; ${where.replace('bbsync-local', 'bbsync-local-secret')}`,
    );
  }
  if (!config.bb2.allowInsecureHttp && new URL(config.bb2.baseUrl).protocol !== 'https:') {
    missing.push(
      'BB2_BASE_URL: must be https:// (set BB2_ALLOW_INSECURE_HTTP=true only for a local emulator)',
    );
  }
  if (missing.length) throw new ConfigError(missing);
}

/** The settings a command needs to store or read tokens. */
export function requireTokenKeys(config: Config): void {
  if (config.tokens.keys.length === 0) {
    throw new ConfigError([
      'TOKEN_ENCRYPTION_KEY: required to store refresh tokens; generate one with `npx bbsync gen-key`',
    ]);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
