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
  'app_inactive', // BB2 says the whole application is temporarily inactive: every sync pauses, nothing is spent
  'rate_limited', // 429 from BB2
  'upstream_5xx', // BB2/BFD answered 5xx
  'timeout', // no answer in time
  'network', // connection refused, reset, DNS
  'malformed_response', // a body that is not the JSON we expect, over BB2_MAX_RESPONSE_BYTES, or broken gzip
  'paging_error', // a walk whose next links loop, leave BB2, or exceed BB2_MAX_PAGES_PER_WALK
  'fhir_4xx', // BB2 refused the request (bug or data)
  'mapping_error', // a resource we could not normalize
  'db_error', // Postgres failed in a way worth retrying: connection, serialization, deadlock, shutdown, too many connections
  'db_rejected', // Postgres refused a statement (a constraint, a column, a type): retrying cannot help
  'reconcile_suspect', // a full reconcile would have removed most or all claims; nothing removed until confirmed
  'key_missing', // a token encrypted with a key this process lacks: restart processes older than the key
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
  'key_missing',
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

/**
 * The environment is invalid; `problems` lists each one ("SETTING: what is wrong; how to fix").
 * The message is one line, so a command that cannot start says so in one line.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * A service a command needs (Postgres, Redis, Blue Button) does not answer, or refuses us. The
 * message names it, where it was looked for, and the setting to change.
 */
export class UnreachableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnreachableError';
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

/**
 * A page write found its enrollment no longer active (revoked, being revoked, waiting for
 * re-consent) once it held the patient's locks: nothing was written, and the sync stops.
 */
export class EnrollmentNotActiveError extends BbsyncError {
  constructor(
    readonly enrollmentId: string,
    readonly status: string,
  ) {
    super(`enrollment ${enrollmentId} is ${status}: its sync writes nothing more`, 'reauth_required');
  }
}

/** The beneficiary must connect again; never retried automatically. */
export class ReauthRequiredError extends BbsyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'reauth_required', options);
  }
}

/**
 * The beneficiary's data access grant has ended (a THIRTEEN_MONTH grant past its 13 months, BB2's
 * "User access has timed out", or a ONE_TIME grant whose access token has expired): the
 * enrollment becomes `expired`, not retried until the beneficiary connects again.
 */
export class GrantExpiredError extends ReauthRequiredError {}

/**
 * BB2 refused ExplanationOfBenefit to this token for good (403 "You do not have permission to
 * perform this action.": a Part-D-only application, or a beneficiary without SAMHSA consent;
 * WS V2ExplanationOfBenefitPermission). Not retried until the beneficiary connects again.
 */
export class EobForbiddenError extends BbsyncError {
  constructor(message: string) {
    super(message, 'fhir_4xx');
  }
}

/**
 * BB2 says the whole application is temporarily inactive (CMS turned it off): `/token` answers 403
 * `invalid_client` "This application, X, is temporarily inactive…" before it looks at the refresh
 * token (so the stored one stays valid), FHIR answers 401 with the same text, revocation 403
 * "Application is not active or does not exist." (WS `apps/dot_ext/utils.py`
 * validate_app_is_active, `apps/fhir/bluebutton/permissions.py` ApplicationActivePermission,
 * `apps/dot_ext/views/authorization.py` RevokeTokenView). A condition of the deployment, not of
 * an enrollment: the sync queue pauses until BB2 accepts the application again.
 */
export class AppInactiveError extends BbsyncError {
  constructor(message: string) {
    super(message, 'app_inactive');
  }
}

/** Whether a BB2 error text is its "application inactive" answer (token, FHIR or revocation). */
export function saysAppInactive(text: string | undefined): boolean {
  return text !== undefined && /is temporarily inactive|application is not active/i.test(text);
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
    if (/^[0-9A-Z]{5}$/.test(err.code) && 'severity' in err)
      return classifyPostgresError(err as unknown as PgError);
    if (['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EPIPE', 'ETIMEDOUT'].includes(err.code)) {
      return { category: 'network', message: (err as unknown as Error).message };
    }
  }
  // node-postgres's own failures to get or keep a connection carry no SQLSTATE.
  if (err instanceof Error && PG_CONNECTION_FAILURE.test(err.message)) {
    return { category: 'db_error', message: `database: ${err.message}` };
  }
  return { category: 'internal', message: err instanceof Error ? err.message : String(err) };
}

interface PgError extends Error {
  code: string;
  table?: string;
  column?: string;
  constraint?: string;
}

const PG_CONNECTION_FAILURE =
  /^(timeout exceeded when trying to connect|Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable)$/;

/**
 * SQLSTATEs worth retrying: the connection (class 08), serialization failure, deadlock, an
 * administrator's or crash shutdown, too many connections. Anything else (a constraint, a missing
 * column, a bad value, a statement timeout) fails the same way again.
 */
export function isTransientSqlState(code: string): boolean {
  return code.startsWith('08') || ['40001', '40P01', '57P01', '57P02', '57P03', '53300'].includes(code);
}

function classifyPostgresError(err: PgError): { category: ErrorCategory; message: string } {
  if (isTransientSqlState(err.code)) {
    return { category: 'db_error', message: `database (${err.code}): ${err.message}` };
  }
  const where = [
    err.constraint && `constraint ${err.constraint}`,
    err.table && `table ${err.table}`,
    err.column && `column ${err.column}`,
  ].filter(Boolean);
  return {
    category: 'db_rejected',
    message: `database refused (${err.code}${where.length ? `, ${where.join(', ')}` : ''}): ${err.message}`,
  };
}

/** Whether retrying may help: a transient category (network, 5xx, timeouts, a database hiccup...). */
export function isTransient(err: unknown): boolean {
  return TRANSIENT_CATEGORIES.has(classifyError(err).category);
}
