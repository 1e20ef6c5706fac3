/**
 * Every environment variable bbsync reads, with its type, bounds and default (`.env.example`
 * says what each one means). src/config.ts turns the parsed result into the Config object.
 */
import { availableParallelism } from 'node:os';

import { z } from 'zod';

import { MIN_SESSION_SECRET_LENGTH, PASSWORD_HASH_PATTERN } from './secrets.ts';
import { parseTrustProxy } from './trust-proxy.ts';

/** BB2's v2 scopes: everything a claims sync can use. The demographic two may be withheld by the bene. */
export const DEFAULT_BB2_SCOPES = [
  'openid',
  'profile',
  'launch/patient',
  'patient/Patient.rs',
  'patient/Coverage.rs',
  'patient/ExplanationOfBenefit.rs',
].join(' ');

/**
 * BB2's demographic scopes (`profile`, `patient/Patient.*`): an application registered without
 * them gets 400 "Invalid scopes." when it asks for one (WS `apps/dot_ext/scopes.py`).
 */
export function isDemographicScope(scope: string): boolean {
  return scope === 'profile' || /^patient\/Patient\./.test(scope);
}

/** The scopes asked for when BB2_SCOPES is not set: all of them, or all but the demographic ones. */
export function defaultScopes(requireDemographics: boolean): string {
  return DEFAULT_BB2_SCOPES.split(' ')
    .filter((s) => requireDemographics || !isDemographicScope(s))
    .join(' ');
}

/**
 * BB2 applications' data access types (WS `apps/constants.py`, in force since 2024-12): a grant
 * ends 13 months after consent, never (research studies), or with its first access token.
 */
export const DATA_ACCESS_TYPES = ['THIRTEEN_MONTH', 'RESEARCH_STUDY', 'ONE_TIME'] as const;
export type DataAccessType = (typeof DATA_ACCESS_TYPES)[number];

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const url = z.string().refine((v) => URL.canParse(v), 'must be a URL (scheme://host...)');

/** A URL whose scheme is one of `protocols` (a mysql:// DATABASE_URL is a mistake, not a database). */
const serviceUrl = (service: string, protocols: readonly string[]) =>
  url.refine(
    (v) => !URL.canParse(v) || protocols.includes(new URL(v).protocol),
    `must be a ${service} URL (${protocols.map((p) => `${p}//`).join(' or ')}...)`,
  );

export const ENVIRONMENT = z.object({
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
  REDIS_CLUSTER_NODES: z.string().default(''),
  REDIS_SENTINELS: z.string().default(''),
  REDIS_SENTINEL_NAME: z.string().default(''),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('bbsync'),

  BB2_BASE_URL: url.default('https://sandbox.bluebutton.cms.gov'),
  BB2_CLIENT_ID: z.string().default(''),
  BB2_CLIENT_SECRET: z.string().default(''),
  BB2_REDIRECT_URI: url.default('http://127.0.0.1:3000/enroll/callback'),
  /** Unset: defaultScopes(BB2_REQUIRE_DEMOGRAPHICS). */
  BB2_SCOPES: z.string().optional(),
  BB2_DATA_ACCESS_TYPE: z.enum(DATA_ACCESS_TYPES).default('THIRTEEN_MONTH'),
  BB2_REQUIRE_DEMOGRAPHICS: bool.default(true),
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
  RUN_HISTORY_DAYS: int(0, 36_500).default(30),
  RECONCILE_MAX_DELETE_SHARE: z.coerce.number().min(0).max(1).default(0.5),
  JANITOR_EVERY_MS: int(1_000, 86_400_000).default(300_000),
  APP_INACTIVE_PROBE_MS: int(1_000, 86_400_000).default(300_000),

  SYNC_CRON: z.string().default('0 2 * * *'),
  SYNC_TZ: z.string().default('UTC'),
  SYNC_FULL_EVERY: int(1, 10_000).default(7),
  SYNC_FEED_WINDOW_SECONDS: int(5, 3_600).default(120),
  SYNC_FEED_INTERVAL_MS: int(200, 600_000).default(5_000),
  SYNC_CONCURRENCY: int(1, 256).default(8),
  SYNC_DB_WRITERS: int(1, 64).default(2),
  // Worker threads that read pages (parse, normalize, encode); 0 reads them on the main thread.
  SYNC_PARSE_THREADS: int(0, 64).default(Math.min(2, availableParallelism() - 1)),
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

export type Environment = z.infer<typeof ENVIRONMENT>;
