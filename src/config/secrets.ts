/** The rules for the secret settings: token encryption keys, the session secret, the dashboard password hash. */
import type { z } from 'zod';

/** A dashboard password hash as `bbsync hash-password` prints it: `scrypt$N$r$p$salt$hash`. */
export const PASSWORD_HASH_PATTERN =
  /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{32,})$/;

/** SESSION_SECRET signs session and CSRF cookies: shorter secrets are refused. */
export const MIN_SESSION_SECRET_LENGTH = 32;

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

export function parseEncryptionKeys(raw: string, ctx: z.RefinementCtx): EncryptionKey[] {
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
