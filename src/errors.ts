/**
 * The project's small error vocabulary. Errors are classified once, where they arise (BB2 HTTP
 * in src/bluebutton, mapping in src/fhir), into a category that decides what happens next:
 * retry, wait, stop and ask the beneficiary to re-consent, or quarantine. Messages never carry
 * tokens or PHI.
 */

/** Why a sync or a request failed; stored on enrollments and shown to operators. */
export const ERROR_CATEGORIES = [
  'reauth_required', // the grant is gone: invalid_grant, "Refresh token not found", 401/403 from /token
  'auth_client', // our client credentials are wrong or the app is disabled: ops must act
  'rate_limited', // 429 from BB2
  'upstream_5xx', // BB2/BFD answered 5xx
  'timeout', // no answer in time
  'network', // connection refused, reset, DNS
  'malformed_response', // a body that is not the JSON we expect, over BB2_MAX_RESPONSE_BYTES, or broken gzip
  'paging_error', // a walk whose next links loop, leave BB2, or exceed BB2_MAX_PAGES_PER_WALK
  'fhir_4xx', // BB2 refused the request (bug or data)
  'mapping_error', // a resource we could not normalize
  'db_error', // Postgres failed
  'internal', // anything else: a bug
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** Categories worth retrying automatically. */
export const TRANSIENT_CATEGORIES: ReadonlySet<ErrorCategory> = new Set([
  'rate_limited',
  'upstream_5xx',
  'timeout',
  'network',
  'malformed_response',
  'db_error',
]);

export class BbsyncError extends Error {
  readonly category: ErrorCategory;
  constructor(message: string, category: ErrorCategory, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.category = category;
  }
  get transient(): boolean {
    return TRANSIENT_CATEGORIES.has(this.category);
  }
}

/** The environment is invalid; `problems` lists each one. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A user-supplied input (a file, an argument) is unusable. The message says what and where. */
export class InputError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InputError';
  }
}

/** A FHIR resource that cannot be mapped to rows. `path` points at the offending element. */
export class NormalizeError extends BbsyncError {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly path: string | undefined;
  constructor(resourceType: string, resourceId: string, reason: string, path?: string) {
    super(
      `${resourceType}/${resourceId || '(no id)'}: ${reason}${path ? ` (at ${path})` : ''}`,
      'mapping_error',
    );
    this.resourceType = resourceType;
    this.resourceId = resourceId;
    this.path = path;
  }
}

/** The beneficiary must connect again; never retried automatically. */
export class ReauthRequiredError extends BbsyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'reauth_required', options);
  }
}

/** BB2 asked us to slow down; `retryAfterMs` comes from `Retry-After`. */
export class RateLimitedError extends BbsyncError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number) {
    super(message, 'rate_limited');
    this.retryAfterMs = retryAfterMs;
  }
}

/** Any other failed exchange with BB2, classified by `category`; `status` when there was a response. */
export class Bb2Error extends BbsyncError {
  readonly status: number | undefined;
  constructor(message: string, category: ErrorCategory, status?: number, options?: { cause?: unknown }) {
    super(message, category, options);
    this.status = status;
  }
}

/** Turns anything thrown into an Error with a category, for logging and storage. */
export function classifyError(err: unknown): { category: ErrorCategory; message: string } {
  if (err instanceof BbsyncError) return { category: err.category, message: err.message };
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') {
    // node-postgres errors carry a SQLSTATE of five characters.
    if (/^[0-9A-Z]{5}$/.test(err.code) && 'severity' in err) {
      return { category: 'db_error', message: `database: ${(err as unknown as Error).message}` };
    }
    if (['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EPIPE', 'ETIMEDOUT'].includes(err.code)) {
      return { category: 'network', message: (err as unknown as Error).message };
    }
  }
  return { category: 'internal', message: err instanceof Error ? err.message : String(err) };
}

/** Whether retrying may help: a transient category (network, 5xx, timeouts, a database hiccup...). */
export function isTransient(err: unknown): boolean {
  return TRANSIENT_CATEGORIES.has(classifyError(err).category);
}
