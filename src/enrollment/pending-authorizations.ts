/**
 * Authorizations in progress: the PKCE verifier of each, stored encrypted under the hash of its
 * (random, single-use, short-lived) state until the beneficiary comes back from BB2.
 */
import { createHash } from 'node:crypto';

import type { Pool } from '../db/client.ts';
import { KeyRing, secretAad } from './crypto.ts';

export interface PendingAuthorizationsDeps {
  pool: Pool;
  keys: KeyRing;
  now?: () => Date;
}

export function hashState(state: string): string {
  return createHash('sha256').update(state).digest('base64url');
}

export function createPendingAuthorizations(deps: PendingAuthorizationsDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    /** Remembers the PKCE verifier of an authorization in progress, keyed by its state. */
    async save(state: string, codeVerifier: string, ttlSeconds: number): Promise<void> {
      const stateHash = hashState(state);
      await deps.pool.query(`DELETE FROM authorization_requests WHERE expires_at < now() - interval '1 day'`);
      await deps.pool.query(
        `INSERT INTO authorization_requests (state_hash, code_verifier_ciphertext, expires_at) VALUES ($1, $2, $3)`,
        [
          stateHash,
          deps.keys.encrypt(codeVerifier, secretAad.pkce(stateHash)),
          new Date(now().getTime() + ttlSeconds * 1000).toISOString(),
        ],
      );
    },

    /** Whether an authorization with this state is waiting, was completed, expired, or never existed. */
    async status(state: string): Promise<'pending' | 'used' | 'expired' | 'unknown'> {
      const { rows } = await deps.pool.query<{ used: boolean; expired: boolean }>(
        `SELECT used_at IS NOT NULL AS used, expires_at <= $2 AS expired FROM authorization_requests WHERE state_hash = $1`,
        [hashState(state), now().toISOString()],
      );
      const row = rows[0];
      if (!row) return 'unknown';
      return row.used ? 'used' : row.expired ? 'expired' : 'pending';
    },

    /**
     * Takes (once) the verifier of the authorization with this state. A second use of the same
     * callback, an expired or unknown state get a reason instead.
     */
    async take(
      state: string,
    ): Promise<{ codeVerifier: string } | { problem: 'unknown' | 'expired' | 'used' }> {
      const stateHash = hashState(state);
      const taken = await deps.pool.query<{ code_verifier_ciphertext: string }>(
        `UPDATE authorization_requests SET used_at = now()
          WHERE state_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING code_verifier_ciphertext`,
        [stateHash, now().toISOString()],
      );
      const row = taken.rows[0];
      if (row)
        return { codeVerifier: deps.keys.decrypt(row.code_verifier_ciphertext, secretAad.pkce(stateHash)) };
      const { rows } = await deps.pool.query<{ used_at: string | null }>(
        `SELECT used_at FROM authorization_requests WHERE state_hash = $1`,
        [stateHash],
      );
      if (!rows[0]) return { problem: 'unknown' };
      return { problem: rows[0].used_at ? 'used' : 'expired' };
    },
  };
}

export type PendingAuthorizations = ReturnType<typeof createPendingAuthorizations>;
