/**
 * The token vault: the only code that ever holds a plaintext refresh token. It stores the tokens
 * of a completed authorization, hands out access tokens (refreshing them when due) and forgets
 * them on revocation. Authorizations in progress are in pending-authorizations.ts, key rotation
 * in key-rotation.ts.
 *
 * BB2 refresh tokens are single use and rotate on every refresh with no grace period, so:
 * - refreshes of one enrollment are serialized across processes and machines by a row lock on
 *   its `enrollments` row (SELECT ... FOR UPDATE), held while the refresh request is in flight;
 * - the new refresh token is committed before the new access token is handed out;
 * - after a failure whose outcome is unknown (5xx, network, timeout) nothing is retried here: the
 *   next caller re-reads the stored token, which is the only one that can still be valid;
 * - `invalid_grant`, "Refresh token not found", and 401/403 from /token mark the enrollment
 *   `reauth_required`: it is never refreshed automatically again.
 *
 * Tokens are stored encrypted (see crypto.ts) with associated data naming the enrollment and
 * the token's role, and never appear in logs, errors or return values other than the access
 * token returned by getAccessToken.
 */
import { randomBytes } from 'node:crypto';

import type { Db, Pool } from '../db/client.ts';
import { withTransaction } from '../db/transaction.ts';
import { AppInactiveError, classifyError, GrantExpiredError, ReauthRequiredError } from '../errors.ts';
import type { Failpoint } from '../failpoints.ts';
import type { Logger } from '../logger.ts';
import type { ApiVersion } from '../bluebutton/api-version.ts';
import type { OAuthClient, TokenResponse } from '../bluebutton/oauth.ts';
import type { KeyRing } from './crypto.ts';
import { refreshUnderLock } from './refresh.ts';
import {
  accessAad,
  EnrollmentInactiveError,
  refreshAad,
  TOKEN_COLUMNS,
  UnknownEnrollmentError,
  type EnrollmentStatus,
  type TokenRow,
} from './token-rows.ts';

export { EnrollmentInactiveError, UnknownEnrollmentError, type EnrollmentStatus } from './token-rows.ts';

/** BB2's demographic scopes: without them Patient and userinfo answer 403. */
export function hasDemographicScope(scope: string): boolean {
  return scope.split(/\s+/).some((s) => /^patient\/Patient\.(read|rs|r|s)$/.test(s));
}

export interface AccessGrant {
  enrollmentId: string;
  patientId: string;
  accessToken: string;
  scope: string;
  /** When the access token expires (ISO-8601). */
  expiresAt: string;
  /** The API version that issued the token: the only one it may be used with. */
  apiVersion: ApiVersion;
}

export interface SavedEnrollment {
  enrollmentId: string;
  patientId: string;
  scope: string;
  accessGrantExpiration: string | null;
  apiVersion: ApiVersion;
  /** True when this patient was enrolled before (BB2 has then invalidated the old tokens). */
  reenrolled: boolean;
}

export interface TokenVaultDeps {
  pool: Pool;
  keys: KeyRing;
  oauth: OAuthClient;
  /** Refresh when the access token has less than this left. */
  refreshMarginSeconds: number;
  log: Logger;
  now?: () => Date;
  failpoint?: Failpoint;
  /**
   * A ONE_TIME application (BB2_DATA_ACCESS_TYPE): BB2 refuses to refresh its tokens, so the
   * access token is used until it expires and never refreshed; then the enrollment is `expired`.
   */
  oneTime?: boolean;
}

/** The status a failure leaves the enrollment in: an ended grant `expired`, any other lost grant `reauth_required`. */
function statusAfter(err: unknown): EnrollmentStatus | undefined {
  if (err instanceof GrantExpiredError) return 'expired';
  return err instanceof ReauthRequiredError ? 'reauth_required' : undefined;
}

export function newEnrollmentId(): string {
  return `enr_${randomBytes(10).toString('hex')}`;
}

/** The vault's dependencies with the clock resolved. */
type Vault = TokenVaultDeps & { now: () => Date };

export function createTokenVault(deps: TokenVaultDeps) {
  const vault: Vault = { ...deps, now: deps.now ?? (() => new Date()) };
  return {
    /**
     * Stores the tokens of a completed authorization. Re-enrolling a patient updates their
     * existing enrollment: BB2 has invalidated its old tokens, so they are replaced.
     */
    saveAuthorization: (tokens: TokenResponse): Promise<SavedEnrollment> => saveAuthorization(vault, tokens),

    /**
     * A valid access token for the enrollment, refreshing it (once, for everyone waiting) when it
     * expires within the margin. Pass `rejectedToken` after BB2 answered 401 to it: a new token is
     * then obtained unless another caller already did.
     */
    getAccessToken: (enrollmentId: string, options: AccessOptions = {}): Promise<AccessGrant> =>
      getAccessToken(vault, enrollmentId, options),

    /** Records what a v3 EOB search said about the beneficiary's SAMHSA choice (when it changed). */
    async recordSamhsaShared(enrollmentId: string, shared: boolean): Promise<void> {
      await deps.pool.query(
        `UPDATE enrollments SET samhsa_shared = $2, updated_at = now()
          WHERE enrollment_id = $1 AND samhsa_shared IS DISTINCT FROM $2`,
        [enrollmentId, shared],
      );
    },

    /** Records a problem on the enrollment for operators (last error), leaving its status as it is. */
    async recordProblem(enrollmentId: string, err: unknown): Promise<void> {
      await recordFailure(deps.pool, enrollmentId, err, undefined);
    },

    /**
     * Marks an active enrollment as needing re-consent: `expired` when its grant ended
     * (GrantExpiredError, e.g. FHIR said the grant timed out), else `reauth_required`.
     */
    async markReauthRequired(enrollmentId: string, err: unknown): Promise<void> {
      await recordFailure(deps.pool, enrollmentId, err, statusAfter(err) ?? 'reauth_required');
    },
  };
}

export type TokenVault = ReturnType<typeof createTokenVault>;

interface AccessOptions {
  /** The access token BB2 just answered 401 to: it is not handed out again. */
  rejectedToken?: string;
  /** For an unenroll in progress (`revoking`), which still has to tell BB2. */
  forRevocation?: boolean;
  /**
   * The enrollment's token columns as the caller has just read them (a sync reads them with its
   * lock): used instead of reading them again. A refresh still reads them under its lock.
   */
  stored?: TokenRow;
}

const UPSERT_ENROLLMENT = `
  INSERT INTO enrollments (enrollment_id, patient_id, status, scope, access_grant_expiration,
                           refresh_token_ciphertext, access_token_ciphertext, access_token_expires_at,
                           token_version, enrolled_at, api_version, samhsa_shared)
  VALUES ($1, $2, 'active', $3, $4, $5, $6, $7, 1, now(), $8, NULL)
  ON CONFLICT (enrollment_id) DO UPDATE SET
    status = 'active', scope = excluded.scope, access_grant_expiration = excluded.access_grant_expiration,
    refresh_token_ciphertext = excluded.refresh_token_ciphertext,
    access_token_ciphertext = excluded.access_token_ciphertext,
    access_token_expires_at = excluded.access_token_expires_at,
    token_version = enrollments.token_version + 1, enrolled_at = now(), revoked_at = NULL,
    revoke_purge = NULL, revoke_actor = NULL,
    api_version = excluded.api_version, samhsa_shared = NULL, eob_forbidden_at = NULL,
    last_error_category = NULL, last_error_message = NULL, last_error_at = NULL, updated_at = now()`;

async function saveAuthorization(vault: Vault, tokens: TokenResponse): Promise<SavedEnrollment> {
  const patientId = tokens.patient;
  if (!patientId) throw new Error('BB2 returned no patient id with the tokens');
  const scope = tokens.scope ?? '';
  const apiVersion = vault.oauth.apiVersion;
  return withTransaction(vault.pool, async (client) => {
    // One enrollment per patient, even when two authorizations of theirs complete at once.
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('bbsync:enroll:' || $1, 0))`, [
      patientId,
    ]);
    const existing = await client.query<{ enrollment_id: string }>(
      'SELECT enrollment_id FROM enrollments WHERE patient_id = $1',
      [patientId],
    );
    const enrollmentId = existing.rows[0]?.enrollment_id ?? newEnrollmentId();
    const { refresh, access } = encryptTokens(vault.keys, enrollmentId, tokens);
    const expiration = grantExpiration(tokens);
    await client.query(UPSERT_ENROLLMENT, [
      enrollmentId,
      patientId,
      scope,
      expiration,
      refresh,
      access,
      tokenExpiry(vault.now, tokens),
      apiVersion,
    ]);
    return {
      enrollmentId,
      patientId,
      scope,
      accessGrantExpiration: expiration,
      apiVersion,
      reenrolled: existing.rows.length > 0,
    };
  });
}

async function getAccessToken(
  vault: Vault,
  enrollmentId: string,
  options: AccessOptions,
): Promise<AccessGrant> {
  const current =
    options.stored ??
    (
      await vault.pool.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM enrollments WHERE enrollment_id = $1`, [
        enrollmentId,
      ])
    ).rows[0];
  assertActive(current, enrollmentId, options.forRevocation);
  if (vault.oneTime) return oneTimeAccess(vault, current, options.rejectedToken);
  const fast = usableGrant(vault, current, options.rejectedToken);
  if (fast) return fast;

  return refreshUnderLock(vault, enrollmentId, {
    allowRevoking: options.forRevocation,
    usable: (row) => usableGrant(vault, row, options.rejectedToken),
    recordFailure: async (client, err) => {
      // The whole application is refused, not this enrollment: nothing to record on it, and the
      // stored refresh token stays valid (BB2 refused before looking at it).
      if (err instanceof AppInactiveError) return;
      await recordFailure(client, enrollmentId, err, statusAfter(err));
      // A missing refresh token is the enrollment's state, not a failed request: not worth a warning.
      if (!(err instanceof ReauthRequiredError) || !/no refresh token/.test(err.message)) {
        vault.log.warn({ enrollmentId, category: classifyError(err).category }, 'token refresh failed');
      }
    },
    store: (client, row, tokens) => storeRefreshed(vault, client, row, tokens),
  });
}

/** The stored access token as a grant, unless it expires within the margin or was just rejected. */
function usableGrant(
  vault: Vault,
  row: TokenRow,
  rejectedToken: string | undefined,
  marginSeconds = vault.refreshMarginSeconds,
): AccessGrant | undefined {
  if (!row.access_token_ciphertext || !row.access_token_expires_at) return undefined;
  const remaining = Date.parse(row.access_token_expires_at) - vault.now().getTime();
  if (remaining <= marginSeconds * 1000) return undefined;
  const accessToken = vault.keys.decrypt(row.access_token_ciphertext, accessAad(row.enrollment_id));
  if (rejectedToken !== undefined && accessToken === rejectedToken) return undefined;
  return {
    enrollmentId: row.enrollment_id,
    patientId: row.patient_id,
    accessToken,
    scope: row.scope,
    expiresAt: row.access_token_expires_at,
    apiVersion: row.api_version,
  };
}

function assertActive(
  row: TokenRow | undefined,
  enrollmentId: string,
  forRevocation = false,
): asserts row is TokenRow {
  if (!row) throw new UnknownEnrollmentError(enrollmentId);
  // An unenroll in progress still needs a token to revoke the grant at BB2 with.
  if (row.status === 'revoking' && forRevocation) return;
  if (row.status !== 'active') throw new EnrollmentInactiveError(enrollmentId, row.status);
}

/** ONE_TIME: the access token until it expires (no margin), never a refresh. */
async function oneTimeAccess(
  vault: Vault,
  row: TokenRow,
  rejectedToken: string | undefined,
): Promise<AccessGrant> {
  const grant = usableGrant(vault, row, rejectedToken, 0);
  if (grant) return grant;
  const err = new GrantExpiredError(
    'the one-time grant’s access token has expired or was refused, and a ONE_TIME application may not refresh it: the beneficiary must connect again',
  );
  await recordFailure(vault.pool, row.enrollment_id, err, 'expired');
  throw err;
}

const STORE_REFRESHED = `UPDATE enrollments SET
    refresh_token_ciphertext = coalesce($2, refresh_token_ciphertext),
    access_token_ciphertext = $3, access_token_expires_at = $4,
    scope = coalesce($5, scope), access_grant_expiration = coalesce($6, access_grant_expiration),
    token_version = token_version + 1, last_refresh_at = now(), updated_at = now(),
    last_error_category = NULL, last_error_message = NULL, last_error_at = NULL
  WHERE enrollment_id = $1`;

/**
 * Stores a refresh's new access token and returns it as a grant. The rotated refresh token is
 * stored already (refresh.ts); writing it again is harmless, and a response without one keeps the
 * stored one (coalesce).
 */
async function storeRefreshed(
  vault: Vault,
  client: Db,
  row: TokenRow,
  tokens: TokenResponse,
): Promise<AccessGrant> {
  const enrollmentId = row.enrollment_id;
  const expiresAt = tokenExpiry(vault.now, tokens);
  const { refresh, access } = encryptTokens(vault.keys, enrollmentId, tokens);
  await client.query(STORE_REFRESHED, [
    enrollmentId,
    refresh,
    access,
    expiresAt,
    tokens.scope ?? null,
    grantExpiration(tokens),
  ]);
  vault.log.debug({ enrollmentId }, 'access token refreshed');
  return {
    enrollmentId,
    patientId: row.patient_id,
    accessToken: tokens.access_token,
    scope: tokens.scope ?? row.scope,
    expiresAt,
    apiVersion: row.api_version,
  };
}

/** The token response's tokens encrypted for this enrollment (no refresh token: null). */
function encryptTokens(
  keys: KeyRing,
  enrollmentId: string,
  tokens: TokenResponse,
): { refresh: string | null; access: string } {
  return {
    refresh: tokens.refresh_token ? keys.encrypt(tokens.refresh_token, refreshAad(enrollmentId)) : null,
    access: keys.encrypt(tokens.access_token, accessAad(enrollmentId)),
  };
}

/** Records the failure on the enrollment (last error) and, for an active one, the status it leads to. */
async function recordFailure(
  client: Db,
  enrollmentId: string,
  err: unknown,
  status?: EnrollmentStatus,
): Promise<void> {
  const { category, message } = classifyError(err);
  await client.query(
    `UPDATE enrollments SET last_error_category = $2, last_error_message = $3, last_error_at = now(),
            status = CASE WHEN status = 'active' THEN coalesce($4, status) ELSE status END,
            updated_at = now()
      WHERE enrollment_id = $1`,
    [enrollmentId, category, message.slice(0, 500), status ?? null],
  );
}

/** When the new access token expires: `expires_in` from now (an hour when BB2 leaves it out). */
function tokenExpiry(now: () => Date, tokens: TokenResponse): string {
  const seconds = typeof tokens.expires_in === 'number' && tokens.expires_in > 0 ? tokens.expires_in : 3600;
  return new Date(now().getTime() + seconds * 1000).toISOString();
}

function grantExpiration(tokens: TokenResponse): string | null {
  const raw = tokens.access_grant_expiration;
  if (!raw) return null; // research apps: "" (never expires)
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
