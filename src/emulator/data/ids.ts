/**
 * Synthetic user names, passwords and patient ids, as BB2's sandbox assigns them, plus the
 * claim-id scrambler.
 *
 * BB2 mapping (bb2-api.md §3): BBUser0NNNN -> -1999 + (NNNN+1) padded to 10 digits
 * (BBUser00000 -> -19990000000001), BBUser1NNNN -> -2000..., BBUser2NNNN -> -2014...
 * (BBUser29999 -> -20140000010000). Beyond 29999 BB2 has no documented rule; we use
 * `-3` + (index+1) padded to 13 digits, which is negative, unique and never collides with the
 * three documented blocks.
 */
import { hash32 } from './prng.ts';

const BLOCK_PREFIXES = ['-1999', '-2000', '-2014'] as const;
const BLOCK_SIZE = 10_000;
const HIGH_PREFIX = '-3';
const HIGH_DIGITS = 13;

export function patientIdForUser(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`bad user index ${index}`);
  const block = Math.floor(index / BLOCK_SIZE);
  const prefix = BLOCK_PREFIXES[block];
  if (prefix !== undefined) return prefix + String((index % BLOCK_SIZE) + 1).padStart(10, '0');
  return HIGH_PREFIX + String(index + 1).padStart(HIGH_DIGITS, '0');
}

/** Inverse of {@link patientIdForUser}; undefined for anything that is not such an id. */
export function userIndexForPatientId(patientId: string): number | undefined {
  let index: number | undefined;
  const block = BLOCK_PREFIXES.findIndex(
    (p) => patientId.startsWith(p) && patientId.length === p.length + 10,
  );
  if (block >= 0) {
    const n = Number(patientId.slice(5));
    if (Number.isInteger(n) && n >= 1 && n <= BLOCK_SIZE) index = block * BLOCK_SIZE + n - 1;
  } else if (patientId.startsWith(HIGH_PREFIX) && patientId.length === HIGH_PREFIX.length + HIGH_DIGITS) {
    const n = Number(patientId.slice(HIGH_PREFIX.length));
    if (Number.isSafeInteger(n) && n - 1 >= BLOCK_PREFIXES.length * BLOCK_SIZE) index = n - 1;
  }
  // Only canonical spellings round-trip (no signs, spaces or exponents sneaking through Number()).
  return index !== undefined && patientIdForUser(index) === patientId ? index : undefined;
}

export function usernameForIndex(index: number): string {
  return `BBUser${String(index).padStart(5, '0')}`;
}

export function passwordForIndex(index: number): string {
  return `PW${String(index).padStart(5, '0')}!`;
}

export function indexForUsername(username: string): number | undefined {
  const m = /^BBUser(\d{5,})$/.exec(username);
  if (!m || m[1] === undefined) return undefined;
  const index = Number(m[1]);
  return Number.isSafeInteger(index) && usernameForIndex(index) === username ? index : undefined;
}

/** Users are limited so that (user index, claim sequence) fits the 34-bit claim-id domain. */
export const MAX_USERS = 1 << 20;
export const MAX_CLAIMS_PER_USER = 1 << 14;

/**
 * Claim ids: a keyed 4-round Feistel permutation of the 34-bit number (userIndex << 14 | seq),
 * offset by 1e9 and negated. A permutation, so ids are unique across all users and claim types;
 * keyed by the store seed, so different seeds give different ids. Results have 10 or 11 digits
 * (like the sandbox's `-1010252550` and `-10045426206`), which exercises the string sort.
 */
export function claimIdScrambler(seed: number): (userIndex: number, seq: number) => string {
  const keys = [0, 1, 2, 3].map((r) => hash32('claim-id', seed, r));
  const HALF = 1 << 17;
  const MASK = HALF - 1;
  return (userIndex, seq) => {
    if (userIndex < 0 || userIndex >= MAX_USERS || seq < 0 || seq >= MAX_CLAIMS_PER_USER) {
      throw new RangeError(`claim id out of range (user ${userIndex}, seq ${seq})`);
    }
    const x = userIndex * MAX_CLAIMS_PER_USER + seq;
    let left = Math.floor(x / HALF);
    let right = x % HALF;
    for (const k of keys) {
      let f = Math.imul(right ^ k, 0x9e3779b1);
      f = Math.imul(f ^ (f >>> 15), 0x85ebca6b);
      const next = (left ^ (f >>> 13)) & MASK;
      left = right;
      right = next;
    }
    return String(-(1_000_000_000 + left * HALF + right));
  };
}
