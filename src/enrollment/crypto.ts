/**
 * AES-256-GCM for secrets at rest (refresh and access tokens, PKCE verifiers). A ciphertext
 * records the id of the key that made it, so several keys can be configured and rotated: the
 * first key of TOKEN_ENCRYPTION_KEY encrypts, any configured key decrypts.
 *
 * Format: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts). The associated data binds a
 * ciphertext to what it protects (e.g. `refresh:<enrollment id>`), so a ciphertext copied into
 * another row or column does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import type { EncryptionKey } from '../config/secrets.ts';
import { BbsyncError } from '../errors.ts';

/**
 * The tag length pinned: without it, decipher.setAuthTag accepts a tag as short as 4 bytes, so a
 * forger would only have to guess 32 bits (Node's docs on createDecipheriv, NIST SP 800-38D §5.2.1.2).
 */
const GCM_TAG = { authTagLength: 16 } as const;

export class KeyRing {
  readonly #keys: ReadonlyMap<string, Buffer>;
  readonly activeKeyId: string;

  constructor(keys: readonly EncryptionKey[]) {
    const first = keys[0];
    if (!first) throw new Error('no encryption key configured (TOKEN_ENCRYPTION_KEY)');
    this.#keys = new Map(keys.map((k) => [k.id, k.key]));
    this.activeKeyId = first.id;
  }

  encrypt(plaintext: string, associatedData: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.activeKeyId)!, iv, GCM_TAG);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      'v1',
      this.activeKeyId,
      iv.toString('base64url'),
      body.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
    ].join('.');
  }

  decrypt(ciphertext: string, associatedData: string): string {
    const parts = ciphertext.split('.');
    if (parts.length !== 5 || parts[0] !== 'v1') throw new DecryptError('not a bbsync ciphertext');
    const [, keyId, iv, body, tag] = parts as [string, string, string, string, string];
    const key = this.#keys.get(keyId);
    if (!key) throw new KeyMissingError(keyId);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), GCM_TAG);
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new DecryptError(
        `does not decrypt with key "${keyId}" (wrong key, or the value was altered or moved)`,
      );
    }
  }

  /** The key id a ciphertext was made with. */
  static keyIdOf(ciphertext: string): string | undefined {
    const parts = ciphertext.split('.');
    return parts.length === 5 && parts[0] === 'v1' ? parts[1] : undefined;
  }
}

/**
 * A secret was encrypted with a key this process does not hold: almost always a process started
 * before `bbsync rotate-key` with an older TOKEN_ENCRYPTION_KEY. Its own category, so operators
 * see what to do instead of an "internal" error; retried, as a restarted worker will succeed.
 */
export class KeyMissingError extends BbsyncError {
  readonly keyId: string;
  constructor(keyId: string) {
    super(
      `encrypted with key "${keyId}", which is not configured in this process's TOKEN_ENCRYPTION_KEY: restart the workers and servers started before the key changed (they read TOKEN_ENCRYPTION_KEY once), or add the key back`,
      'key_missing',
    );
    this.keyId = keyId;
  }
}

export class DecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecryptError';
  }
}

/**
 * The associated data that binds each stored secret to its row and column: a refresh token's
 * ciphertext decrypts only as the refresh token of the enrollment it was written for.
 */
export const secretAad = {
  refresh: (enrollmentId: string) => `refresh:${enrollmentId}`,
  access: (enrollmentId: string) => `access:${enrollmentId}`,
  pkce: (stateHash: string) => `pkce:${stateHash}`,
};
