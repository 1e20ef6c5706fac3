/**
 * Dashboard passwords: scrypt (node:crypto), stored as `scrypt$N$r$p$salt$hash` with the salt and
 * the derived key in base64url. Verification re-derives with the stored parameters and compares in
 * constant time. `bbsync hash-password` prints such a hash for DASHBOARD_PASSWORD_HASH.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

import { PASSWORD_HASH_PATTERN } from '../../config/secrets.ts';

/** 2^15 rounds, r 8, p 1: about 32 MiB and 50-100 ms per check (OWASP's scrypt guidance). */
export const SCRYPT_DEFAULTS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

export interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** Parses a stored hash; undefined when it is not one (or its cost is out of bounds). */
export function parsePasswordHash(stored: string): ParsedHash | undefined {
  const m = PASSWORD_HASH_PATTERN.exec(stored.trim());
  if (!m) return undefined;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Bounds keep a mistyped hash from making every login burn seconds or gigabytes.
  const powerOfTwo = N >= 2 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > 2 ** 20 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  return { N, r, p, salt: Buffer.from(m[4]!, 'base64url'), hash: Buffer.from(m[5]!, 'base64url') };
}

function derive(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

function scryptOptions(N: number, r: number, p: number): ScryptOptions {
  return { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
}

export async function hashPassword(
  password: string,
  params: { N: number; r: number; p: number } = SCRYPT_DEFAULTS,
): Promise<string> {
  if (password.length === 0) throw new Error('the password is empty');
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, KEY_LENGTH, scryptOptions(params.N, params.r, params.p));
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `password` matches the stored hash (false for an unusable hash). Constant time in the key. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (!parsed) return false;
  const key = await derive(
    password,
    parsed.salt,
    parsed.hash.length,
    scryptOptions(parsed.N, parsed.r, parsed.p),
  );
  return key.length === parsed.hash.length && timingSafeEqual(key, parsed.hash);
}

/** Compares two strings in constant time (their sha256 digests, so lengths do not leak either). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}
