/**
 * The one reader of the environment. `loadConfig(process.env)` is called once, by the CLI entry;
 * everything else receives the frozen result as an argument. Every variable is listed, with its
 * meaning, in `.env.example`.
 */
import { isIP } from 'node:net';

import { z } from 'zod';

import { ConfigError } from './errors.ts';

/** BB2's v2 scopes: everything a claims sync can use. The demographic two may be withheld by the bene. */
export const DEFAULT_BB2_SCOPES = [
  'openid',
  'profile',
  'launch/patient',
  'patient/Patient.rs',
  'patient/Coverage.rs',
  'patient/ExplanationOfBenefit.rs',
].join(' ');

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const url = z.string().refine((v) => URL.canParse(v), 'must be a URL (scheme://host...)');

/** A dashboard password hash as `bbsync hash-password` prints it: `scrypt$N$r$p$salt$hash`. */
export const PASSWORD_HASH_PATTERN =
  /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{32,})$/;

/**
 * `TOKEN_ENCRYPTION_KEY`: one or more comma-separated `keyId:base64key` pairs (32-byte keys).
 * The first is the active key for new ciphertexts; the others still decrypt old ones, which is
 * how keys rotate (`bbsync rotate-key`). A bare base64 key gets the id `k1`.
 */
export interface EncryptionKey {
  readonly id: string;
  readonly key: Buffer;
}

/** A key id: what `bbsync gen-key --id` accepts and TOKEN_ENCRYPTION_KEY's `id:` part. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const KEY_ID_RULE = '1-32 letters, digits, _ or -';

/** What the user wrote, enough to recognize it without printing a whole secret. */
function shown(part: string): string {
  return part.length <= 12 ? `"${part}"` : `"${part.slice(0, 6)}…" (${part.length} characters)`;
}

function parseEncryptionKeys(raw: string, ctx: z.RefinementCtx): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  const fix = 'generate a key with `npx bbsync gen-key`';
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const colon = part.indexOf(':');
    const id = colon === -1 ? 'k1' : part.slice(0, colon);
    const encoded = colon === -1 ? part : part.slice(colon + 1);
    const key = Buffer.from(encoded, 'base64');
    if (!KEY_ID_PATTERN.test(id)) {
      ctx.addIssue({ code: 'custom', message: `key id "${id}" must be ${KEY_ID_RULE}` });
    } else if (key.length !== 32 && colon === -1) {
      ctx.addIssue({
        code: 'custom',
        message: `${shown(part)} is not a key: expected id:base64 of 32 bytes (or 32 bytes of base64); ${fix}`,
      });
    } else if (key.length !== 32) {
      ctx.addIssue({
        code: 'custom',
        message: `key "${id}" must be 32 bytes of base64 (got ${key.length} bytes); ${fix}`,
      });
    } else if (keys.some((k) => k.id === id)) {
      ctx.addIssue({ code: 'custom', message: `key id "${id}" appears twice` });
    } else {
      keys.push({ id, key });
    }
  }
  return keys;
}

/** A URL whose scheme is one of `protocols` (a mysql:// DATABASE_URL is a mistake, not a database). */
const serviceUrl = (service: string, protocols: readonly string[]) =>
  url.refine(
    (v) => !URL.canParse(v) || protocols.includes(new URL(v).protocol),
    `must be a ${service} URL (${protocols.map((p) => `${p}//`).join(' or ')}...)`,
  );

/** SESSION_SECRET signs session and CSRF cookies: shorter secrets are refused. */
export const MIN_SESSION_SECRET_LENGTH = 32;

/** TRUST_PROXY: false (trust no X-Forwarded-* header), a hop count, or proxy addresses/CIDRs. */
export type TrustProxy = false | number | readonly string[];

function isAddressOrCidr(value: string): boolean {
  const [address, bits, extra] = value.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128);
}

function parseTrustProxy(raw: string, ctx: z.RefinementCtx): TrustProxy {
  const value = raw.trim().toLowerCase();
  if (value === '' || value === 'false' || value === 'off' || value === '0') return false;
  if (value === 'true') {
    ctx.addIssue({
      code: 'custom',
      message:
        'true would let any client choose its address with X-Forwarded-For: give the number of proxies in front of the server (e.g. 1) or their addresses (e.g. 10.0.0.0/8)',
    });
    return false;
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 10) ctx.addIssue({ code: 'custom', message: 'a hop count must be between 0 and 10' });
    return hops;
  }
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = entries.filter((e) => !isAddressOrCidr(e));
  if (bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `not an IP address or CIDR: ${bad.join(', ')} (give a hop count or a comma-separated list like 10.0.0.0/8,::1)`,
    });
  }
  return entries;
}

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),

  DATABASE_URL: serviceUrl('Postgres', ['postgres:', 'postgresql:']).default(
    'postgres://postgres@127.0.0.1:5432/bbsync',
  ),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: int(100, 600_000).default(15_000),
  DATABASE_STATEMENT_TIMEOUT_MS: int(0, 86_400_000).default(120_000),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: int(0, 86_400_000).default(120_000),
  REDIS_URL: serviceUrl('Redis', ['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('bbsync'),

  BB2_BASE_URL: url.default('https://sandbox.bluebutton.cms.gov'),
  BB2_CLIENT_ID: z.string().default(''),
  BB2_CLIENT_SECRET: z.string().default(''),
  BB2_REDIRECT_URI: url.default('http://127.0.0.1:3000/enroll/callback'),
  BB2_SCOPES: z.string().default(DEFAULT_BB2_SCOPES),
  BB2_MAX_REQUESTS_PER_SECOND: z.coerce.number().positive().max(10_000).default(20),
  BB2_REQUEST_TIMEOUT_MS: int(1_000, 600_000).default(60_000),
  BB2_PAGE_SIZE: int(1, 50).default(50),
  BB2_ALLOW_INSECURE_HTTP: bool.optional(),
  BB2_MAX_RESPONSE_BYTES: int(65_536, 1_073_741_824).default(33_554_432),
  BB2_MAX_PAGES_PER_WALK: int(1, 1_000_000).default(2_000),
  BB2_REFRESH_TIMEOUT_MS: int(1_000, 120_000).default(10_000),
  BB2_RATE_LIMIT_MAX_WAIT_MS: int(100, 600_000).default(15_000),
  BB2_API_VERSION: z.enum(['v2', 'v3']).default('v2'),
  BB2_V3_EOB_SOURCES: z
    .string()
    .regex(
      /^\s*((NCH|DDPS|FISS|MCS|VMS|CWF)\s*(,\s*(NCH|DDPS|FISS|MCS|VMS|CWF)\s*)*)?$/i,
      'a comma list of NCH, DDPS, FISS, MCS, VMS, CWF',
    )
    .default(''),

  TOKEN_ENCRYPTION_KEY: z.string().default(''),
  TOKEN_REFRESH_MARGIN_SECONDS: int(0, 3_000).default(300),
  PURGE_ON_REVOKE: bool.default(false),
  RETENTION_DAYS_AFTER_REVOKE: int(0, 36_500).default(0),
  RECONCILE_MAX_DELETE_SHARE: z.coerce.number().min(0).max(1).default(0.5),
  JANITOR_EVERY_MS: int(1_000, 86_400_000).default(300_000),

  SYNC_CRON: z.string().default('0 2 * * *'),
  SYNC_TZ: z.string().default('UTC'),
  SYNC_FULL_EVERY: int(1, 10_000).default(7),
  SYNC_FEED_WINDOW_SECONDS: int(5, 3_600).default(120),
  SYNC_FEED_INTERVAL_MS: int(200, 600_000).default(5_000),
  SYNC_CONCURRENCY: int(1, 256).default(8),
  SYNC_DB_WRITERS: int(1, 64).default(2),
  SYNC_ATTEMPTS: int(1, 50).default(6),
  SYNC_SHUTDOWN_GRACE_MS: int(0, 600_000).default(20_000),
  SYNC_BACKOFF_MS: int(10, 3_600_000).default(10_000),
  SYNC_LOCK_DURATION_MS: int(1_000, 600_000).default(30_000),

  SERVER_HOST: z.string().default('127.0.0.1'),
  SERVER_PORT: int(0, 65_535).default(3000),
  SESSION_SECRET: z
    .string()
    .min(
      MIN_SESSION_SECRET_LENGTH,
      `must be at least ${MIN_SESSION_SECRET_LENGTH} characters (npx bbsync gen-key prints one)`,
    )
    .default(''),
  COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  TRUST_PROXY: z
    .string()
    .default('')
    .transform((v, ctx) => parseTrustProxy(v, ctx)),
  SERVER_REQUEST_TIMEOUT_MS: int(500, 600_000).default(30_000),
  ENROLL_RATE_LIMIT: int(1, 1_000_000).default(20),
  ENROLL_RATE_LIMIT_GLOBAL: int(1, 10_000_000).default(1_000),
  DASHBOARD_USER: z.string().default(''),
  DASHBOARD_PASSWORD_HASH: z
    .string()
    .regex(
      PASSWORD_HASH_PATTERN,
      'must be a hash printed by `npx bbsync hash-password` (scrypt$N$r$p$salt$hash)',
    )
    .default(''),
  DASHBOARD_ALLOW_ACTIONS: bool.default(false),
  METRICS_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters (npx bbsync gen-key prints one)')
    .default(''),
  METRICS_PORT: int(0, 65_535).optional(),
  METRICS_HOST: z.string().optional(),

  /** Test-only crash points (comma-separated names; ignored when NODE_ENV=production); see src/failpoints.ts. */
  BBSYNC_FAILPOINTS: z.string().default(''),
});

type Raw = z.infer<typeof schema>;

export interface Config {
  readonly env: Raw['NODE_ENV'];
  readonly log: {
    readonly level: Raw['LOG_LEVEL'];
    readonly format: Raw['LOG_FORMAT'];
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
  readonly redisUrl: string;
  readonly queuePrefix: string;
  readonly bb2: {
    readonly baseUrl: string;
    readonly clientId: string;
    readonly clientSecret: string;
    readonly redirectUri: string;
    readonly scopes: string;
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
  const parsed = schema.safeParse(present);
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
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
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
    queuePrefix: raw.QUEUE_PREFIX,
    bb2: {
      baseUrl: raw.BB2_BASE_URL.replace(/\/+$/, ''),
      clientId: raw.BB2_CLIENT_ID,
      clientSecret: raw.BB2_CLIENT_SECRET,
      redirectUri: raw.BB2_REDIRECT_URI,
      scopes: raw.BB2_SCOPES,
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
    },
    tokens: {
      keys,
      refreshMarginSeconds: raw.TOKEN_REFRESH_MARGIN_SECONDS,
      purgeOnRevoke: raw.PURGE_ON_REVOKE,
    },
    retention: { daysAfterRevoke: raw.RETENTION_DAYS_AFTER_REVOKE },
    sync: {
      cron: raw.SYNC_CRON,
      tz: raw.SYNC_TZ,
      fullEvery: raw.SYNC_FULL_EVERY,
      feedWindowSeconds: raw.SYNC_FEED_WINDOW_SECONDS,
      feedIntervalMs: raw.SYNC_FEED_INTERVAL_MS,
      concurrency: raw.SYNC_CONCURRENCY,
      dbWriters: raw.SYNC_DB_WRITERS,
      attempts: raw.SYNC_ATTEMPTS,
      shutdownGraceMs: raw.SYNC_SHUTDOWN_GRACE_MS,
      backoffMs: raw.SYNC_BACKOFF_MS,
      lockDurationMs: raw.SYNC_LOCK_DURATION_MS,
      reconcileMaxDeleteShare: raw.RECONCILE_MAX_DELETE_SHARE,
      janitorEveryMs: raw.JANITOR_EVERY_MS,
    },
    server: {
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
    },
    failpoints: raw.NODE_ENV === 'production' ? [] : failpointNames(raw.BBSYNC_FAILPOINTS),
    ignoredFailpoints: raw.NODE_ENV === 'production' ? failpointNames(raw.BBSYNC_FAILPOINTS) : [],
  } satisfies Config);
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
