/**
 * One refresh of an enrollment's tokens, made so that no rotated refresh token is ever lost:
 * - refreshes of one enrollment are serialized across processes by a session advisory lock,
 *   taken after the shared rate limit has been waited for, and held by a connection with no
 *   transaction open (nothing waits inside a transaction: not the limiter, not BB2);
 * - the refresh has its own timeout (BB2_REFRESH_TIMEOUT_MS), shorter than the shutdown grace,
 *   and is not aborted by a shutdown: a refresh cut off mid-way is the one way to lose a token;
 * - the moment a 200 carrying a `refresh_token` arrives, that token is stored (encrypted), before
 *   openid-client or our own checks look at the rest of the response; if that write fails it is
 *   retried on a fresh connection while the token is still in memory;
 * - a response without `refresh_token` keeps the stored one (RFC 6749 §6).
 * The window between BB2's answer and the store is the only one in which a crash loses the token.
 */
import pg from 'pg';

import type { Pool, PoolClient } from '../db/client.ts';
import { BbsyncError, ReauthRequiredError } from '../errors.ts';
import { noFailpoints, type Failpoint } from '../failpoints.ts';
import type { Logger } from '../logger.ts';
import type { OAuthClient, TokenResponse } from '../bluebutton/oauth.ts';
import type { KeyRing } from './crypto.ts';
import {
  EnrollmentInactiveError,
  refreshAad,
  TOKEN_COLUMNS,
  UnknownEnrollmentError,
  type TokenRow,
} from './token-rows.ts';

export interface RefreshDeps {
  pool: Pool;
  keys: KeyRing;
  oauth: OAuthClient;
  log: Logger;
  failpoint?: Failpoint;
  /** How long to wait for another process's refresh of the same enrollment (default 30 s). */
  lockWaitMs?: number;
}

/** What the vault does with the outcome: everything that reads the row the vault's way. */
export interface RefreshSteps<G> {
  /** Refresh for an unenroll in progress (`revoking`), which still has to tell BB2. */
  allowRevoking?: boolean;
  /** The token row now usable without a refresh (someone else refreshed meanwhile), else undefined. */
  usable(row: TokenRow): G | undefined;
  /** Records a failed refresh on the enrollment (reauth_required for `ReauthRequiredError`). */
  recordFailure(client: PoolClient, err: unknown): Promise<void>;
  /** Stores the new access token (and anything else of the validated response); returns the grant. */
  store(client: PoolClient, row: TokenRow, tokens: TokenResponse): Promise<G>;
}

const ROTATED_WRITE_ATTEMPTS = 3;

export async function refreshUnderLock<G>(
  deps: RefreshDeps,
  enrollmentId: string,
  steps: RefreshSteps<G>,
): Promise<G> {
  const failpoint = deps.failpoint ?? noFailpoints;
  await deps.oauth.awaitRefreshSlot();
  const client = await deps.pool.connect();
  let broken: Error | undefined;
  try {
    await lockEnrollment(client, enrollmentId, deps.lockWaitMs ?? 30_000);
    try {
      const row = (
        await client.query<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM enrollments WHERE enrollment_id = $1`, [
          enrollmentId,
        ])
      ).rows[0];
      if (!row) throw new UnknownEnrollmentError(enrollmentId);
      if (row.status !== 'active' && !(row.status === 'revoking' && steps.allowRevoking)) {
        throw new EnrollmentInactiveError(enrollmentId, row.status);
      }
      const meanwhile = steps.usable(row);
      if (meanwhile) return meanwhile;
      if (!row.refresh_token_ciphertext) {
        const err = new ReauthRequiredError('no refresh token is stored for this enrollment');
        await steps.recordFailure(client, err);
        throw err;
      }

      let tokens: TokenResponse;
      try {
        tokens = await deps.oauth.refresh(
          deps.keys.decrypt(row.refresh_token_ciphertext, refreshAad(enrollmentId)),
          {
            version: row.api_version,
            onRefreshToken: (rotated) => storeRotated(deps, client, enrollmentId, rotated, failpoint),
          },
        );
      } catch (err) {
        await steps.recordFailure(client, err);
        throw err;
      }
      const grant = await steps.store(client, row, tokens);
      failpoint('vault.after-refresh-commit');
      return grant;
    } finally {
      await client
        .query(`SELECT pg_advisory_unlock(hashtextextended('bbsync:refresh:' || $1, 0))`, [enrollmentId])
        .catch((err: unknown) => {
          // The lock goes away with the connection, which is discarded instead of reused.
          broken = err instanceof Error ? err : new Error(String(err));
        });
    }
  } finally {
    client.release(broken);
  }
}

/** The enrollment's refresh lock, waiting at most `waitMs` for another process's refresh. */
async function lockEnrollment(client: PoolClient, enrollmentId: string, waitMs: number): Promise<void> {
  await client.query(`SELECT set_config('lock_timeout', $1, false)`, [`${waitMs}ms`]);
  try {
    await client.query(`SELECT pg_advisory_lock(hashtextextended('bbsync:refresh:' || $1, 0))`, [
      enrollmentId,
    ]);
  } catch (err) {
    if ((err as { code?: unknown }).code === '55P03') {
      throw new BbsyncError(
        `another process has been refreshing enrollment ${enrollmentId}'s token for over ${waitMs} ms`,
        'timeout',
      );
    }
    throw err;
  } finally {
    await client.query(`SELECT set_config('lock_timeout', '0', false)`);
  }
}

const STORE_ROTATED = `UPDATE enrollments SET refresh_token_ciphertext = $2,
       access_token_ciphertext = NULL, access_token_expires_at = NULL,
       token_version = token_version + 1, last_refresh_at = now(), updated_at = now()
 WHERE enrollment_id = $1`;

/**
 * Stores a rotated refresh token the moment it arrives. BB2 revoked the old access token with the
 * old refresh token, so the stored access token goes too. A failed write is retried on fresh
 * connections (not from the pool, which may be exhausted or hold the broken one).
 */
async function storeRotated(
  deps: RefreshDeps,
  client: PoolClient,
  enrollmentId: string,
  refreshToken: string,
  failpoint: Failpoint,
): Promise<void> {
  failpoint('vault.after-refresh-response');
  const params = [enrollmentId, deps.keys.encrypt(refreshToken, refreshAad(enrollmentId))];
  try {
    failpoint('vault.store-rotated');
    await client.query(STORE_ROTATED, params);
  } catch (first) {
    deps.log.warn(
      { enrollmentId, err: { message: (first as Error).message } },
      'storing the rotated refresh token failed; retrying on a fresh connection',
    );
    await storeOnFreshConnection(deps, params);
  }
  failpoint('vault.after-rotated-save');
}

async function storeOnFreshConnection(deps: RefreshDeps, params: string[]): Promise<void> {
  let last: unknown;
  for (let attempt = 1; attempt <= ROTATED_WRITE_ATTEMPTS; attempt++) {
    const fresh = new pg.Client(deps.pool.options);
    fresh.on('error', () => {}); // a dying connection must not take the process with it
    try {
      await fresh.connect();
      await fresh.query(STORE_ROTATED, params);
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    } finally {
      await fresh.end().catch(() => {});
    }
  }
  deps.log.error({ enrollmentId: params[0] }, 'the rotated refresh token could not be stored: it is lost');
  throw new BbsyncError(
    `could not store the rotated refresh token of enrollment ${params[0]} (${(last as Error)?.message}); the beneficiary may have to connect again`,
    'db_error',
  );
}
