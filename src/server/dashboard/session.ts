/**
 * Dashboard sessions: a signed (HMAC, by @fastify/cookie with SESSION_SECRET), httpOnly,
 * SameSite=Lax cookie holding only the operator's name, a random session id, its expiry and a
 * fingerprint of the password hash (changing the password ends every session). No PHI, no tokens.
 * Stateless, so any number of server instances accept the same sessions.
 */
import { createHash, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'bbsync_session';
export const CSRF_COOKIE = 'bbsync_csrf';
/** A login lasts this long (absolute, not sliding). */
export const SESSION_TTL_SECONDS = 8 * 3600;

export interface Operator {
  user: string;
  /** Random per login; CSRF tokens are bound to it. */
  sid: string;
  /** Epoch seconds. */
  expiresAt: number;
}

interface Payload {
  v: 1;
  u: string;
  s: string;
  e: number;
  g: string;
}

function fingerprint(passwordHash: string): string {
  return createHash('sha256').update(`bbsync-session:${passwordHash}`).digest('base64url').slice(0, 16);
}

export function newSession(
  user: string,
  passwordHash: string,
  now = Date.now(),
): { operator: Operator; value: string } {
  const operator: Operator = {
    user,
    sid: randomBytes(16).toString('base64url'),
    expiresAt: Math.floor(now / 1000) + SESSION_TTL_SECONDS,
  };
  const payload: Payload = {
    v: 1,
    u: user,
    s: operator.sid,
    e: operator.expiresAt,
    g: fingerprint(passwordHash),
  };
  return { operator, value: Buffer.from(JSON.stringify(payload)).toString('base64url') };
}

/** The operator of an (already signature-checked) cookie value, if it is current. */
export function readSession(
  value: string,
  expected: { user: string; passwordHash: string },
  now = Date.now(),
): Operator | undefined {
  let payload: Partial<Payload>;
  try {
    payload = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<Payload>;
  } catch {
    return undefined;
  }
  if (
    payload.v !== 1 ||
    typeof payload.u !== 'string' ||
    typeof payload.s !== 'string' ||
    typeof payload.e !== 'number' ||
    payload.u !== expected.user ||
    payload.g !== fingerprint(expected.passwordHash) ||
    payload.e * 1000 <= now
  ) {
    return undefined;
  }
  return { user: payload.u, sid: payload.s, expiresAt: payload.e };
}

/**
 * Failed logins per client address, in memory (per server instance): after `max` failures within
 * `windowMs` the address must wait until the window ends. A success clears its count.
 */
export class LoginLimiter {
  readonly #failures = new Map<string, { count: number; resetAt: number }>();
  constructor(
    readonly max = 10,
    readonly windowMs = 15 * 60_000,
    readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfterMs(key: string): number {
    const entry = this.#failures.get(key);
    if (!entry) return 0;
    const t = this.now();
    if (entry.resetAt <= t) {
      this.#failures.delete(key);
      return 0;
    }
    return entry.count >= this.max ? entry.resetAt - t : 0;
  }

  fail(key: string): void {
    const t = this.now();
    const entry = this.#failures.get(key);
    if (!entry || entry.resetAt <= t) this.#failures.set(key, { count: 1, resetAt: t + this.windowMs });
    else entry.count++;
    if (this.#failures.size > 10_000) {
      for (const [k, v] of this.#failures) if (v.resetAt <= t) this.#failures.delete(k);
    }
  }

  succeed(key: string): void {
    this.#failures.delete(key);
  }
}

/** A post-login destination that stays on this site: a path, never `//host` or a URL. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.includes('\\'))
    return '/';
  if (/[\r\n]/.test(next) || next.length > 500) return '/';
  return next;
}
