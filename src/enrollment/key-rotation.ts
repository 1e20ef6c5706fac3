/**
 * Key rotation: re-encrypting every stored secret (refresh and access tokens, PKCE verifiers)
 * under the active key of TOKEN_ENCRYPTION_KEY, so keys no longer in use can be removed. It never
 * talks to BB2.
 */
import type { Pool } from '../db/client.ts';
import { withTransaction } from '../db/transaction.ts';
import { KeyRing, secretAad } from './crypto.ts';

interface StoredTokens {
  refresh_token_ciphertext: string | null;
  access_token_ciphertext: string | null;
}

/** Re-encrypts every stored secret under the active key; returns how many were re-encrypted. */
export async function rotateKeys(pool: Pool, keys: KeyRing): Promise<{ reencrypted: number }> {
  let reencrypted = 0;
  const active = keys.activeKeyId;
  const { rows } = await pool.query<{ enrollment_id: string }>(
    `SELECT enrollment_id FROM enrollments
      WHERE split_part(refresh_token_ciphertext, '.', 2) <> $1 OR split_part(access_token_ciphertext, '.', 2) <> $1`,
    [active],
  );
  for (const { enrollment_id: id } of rows) {
    await withTransaction(pool, async (client) => {
      // The row lock keeps a refresh from writing a token between our read and our write.
      const row = (
        await client.query<StoredTokens>(
          `SELECT refresh_token_ciphertext, access_token_ciphertext FROM enrollments WHERE enrollment_id = $1 FOR UPDATE`,
          [id],
        )
      ).rows[0];
      if (row) {
        const again = (ciphertext: string | null, aad: string) => {
          if (!ciphertext || KeyRing.keyIdOf(ciphertext) === active) return ciphertext;
          reencrypted++;
          return keys.encrypt(keys.decrypt(ciphertext, aad), aad);
        };
        await client.query(
          `UPDATE enrollments SET refresh_token_ciphertext = $2, access_token_ciphertext = $3, updated_at = now()
            WHERE enrollment_id = $1`,
          [
            id,
            again(row.refresh_token_ciphertext, secretAad.refresh(id)),
            again(row.access_token_ciphertext, secretAad.access(id)),
          ],
        );
      }
    });
  }
  // Authorizations in progress live minutes; the expired ones can simply go.
  await pool.query(`DELETE FROM authorization_requests WHERE expires_at < now()`);
  const pending = await pool.query<{ state_hash: string; code_verifier_ciphertext: string }>(
    `SELECT state_hash, code_verifier_ciphertext FROM authorization_requests WHERE split_part(code_verifier_ciphertext, '.', 2) <> $1`,
    [active],
  );
  for (const p of pending.rows) {
    const aad = secretAad.pkce(p.state_hash);
    await pool.query(
      `UPDATE authorization_requests SET code_verifier_ciphertext = $2 WHERE state_hash = $1`,
      [p.state_hash, keys.encrypt(keys.decrypt(p.code_verifier_ciphertext, aad), aad)],
    );
    reencrypted++;
  }
  return { reencrypted };
}
