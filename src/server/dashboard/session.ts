/**
 * Dashboard sessions, kept server side in Redis: the cookie (signed by @fastify/cookie with
 * SESSION_SECRET, httpOnly, SameSite=Lax) holds only a random session id. Redis holds, under a hash
 * of that id, the operator's name, the session's times, the client address and browser, and a
 * fingerprint of the password hash (changing the password ends every session). Logging out deletes
 * the session; an operator can end any session of theirs (`/sessions`). Every instance of the
 * server shares the same sessions; each one expires in Redis with its login.
 */
import { createHash, randomBytes } from 'node:crypto';

import type { RedisClient } from '../../workers/redis.ts';

import { hashedKeyPart } from '../rate-limit.ts';

export const SESSION_COOKIE = 'bbsync_session';
export const CSRF_COOKIE = 'bbsync_csrf';
/** A login lasts this long (absolute, not sliding). */
export const SESSION_TTL_SECONDS = 8 * 3600;

export interface Operator {
  user: string;
  /** The secret session id (from the cookie); CSRF tokens are bound to it. */
  sid: string;
  /** The session's public name: a hash of the id, shown on /sessions and used to end it. */
  handle: string;
  /** Epoch seconds. */
  expiresAt: number;
}

export interface SessionInfo {
  handle: string;
  user: string;
  /** Epoch seconds. */
  createdAt: number;
  expiresAt: number;
  address: string;
  userAgent: string;
}

interface Stored {
  v: 1;
  u: string;
  c: number;
  e: number;
  g: string;
  a: string;
  ua: string;
}

export function passwordFingerprint(passwordHash: string): string {
  return createHash('sha256').update(`bbsync-session:${passwordHash}`).digest('base64url').slice(0, 16);
}

export function sessionHandle(sid: string): string {
  return createHash('sha256').update(`bbsync-session-id:${sid}`).digest('base64url').slice(0, 32);
}

const SID_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const HANDLE_PATTERN = /^[A-Za-z0-9_-]{32}$/;

export function isSessionHandle(value: unknown): value is string {
  return typeof value === 'string' && HANDLE_PATTERN.test(value);
}

export class SessionStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    /** Bounds each Redis call. */
    private readonly withTimeout: <T>(p: Promise<T>) => Promise<T>,
    private readonly ttlSeconds = SESSION_TTL_SECONDS,
  ) {}

  #sessionKey(handle: string) {
    return `${this.prefix}:session:${handle}`;
  }

  #indexKey(user: string) {
    return `${this.prefix}:sessions-of:${hashedKeyPart(user)}`;
  }

  async create(
    user: string,
    passwordHash: string,
    client: { address: string; userAgent: string },
    nowMs: number,
  ): Promise<Operator> {
    const sid = randomBytes(32).toString('base64url');
    const handle = sessionHandle(sid);
    const createdAt = Math.floor(nowMs / 1000);
    const expiresAt = createdAt + this.ttlSeconds;
    const stored: Stored = {
      v: 1,
      u: user,
      c: createdAt,
      e: expiresAt,
      g: passwordFingerprint(passwordHash),
      a: client.address.slice(0, 64),
      ua: client.userAgent.slice(0, 160),
    };
    const index = this.#indexKey(user);
    await this.withTimeout(
      this.redis
        .multi()
        .set(this.#sessionKey(handle), JSON.stringify(stored), 'EX', this.ttlSeconds)
        .zremrangebyscore(index, '-inf', createdAt)
        .zadd(index, expiresAt, handle)
        .expire(index, this.ttlSeconds)
        .exec(),
    );
    return { user, sid, handle, expiresAt };
  }

  /** The operator of a session id, if the session exists, is current and matches the login. */
  async read(sid: string, expected: { user: string; passwordHash: string }, nowMs: number) {
    if (!SID_PATTERN.test(sid)) return null;
    const handle = sessionHandle(sid);
    const raw = await this.withTimeout(this.redis.get(this.#sessionKey(handle)));
    const stored = parseStored(raw);
    if (
      !stored ||
      stored.u !== expected.user ||
      stored.g !== passwordFingerprint(expected.passwordHash) ||
      stored.e * 1000 <= nowMs
    ) {
      return null;
    }
    return { user: stored.u, sid, handle, expiresAt: stored.e } satisfies Operator;
  }

  /** The current sessions of `user`, newest first. */
  async list(user: string, nowMs: number): Promise<SessionInfo[]> {
    const index = this.#indexKey(user);
    const handles = await this.withTimeout(
      this.redis.zrangebyscore(index, String(Math.floor(nowMs / 1000)), '+inf'),
    );
    if (handles.length === 0) return [];
    const values = await this.withTimeout(this.redis.mget(handles.map((h) => this.#sessionKey(h))));
    const sessions: SessionInfo[] = [];
    values.forEach((raw, i) => {
      const s = parseStored(raw);
      if (s && s.u === user)
        sessions.push({
          handle: handles[i]!,
          user: s.u,
          createdAt: s.c,
          expiresAt: s.e,
          address: s.a,
          userAgent: s.ua,
        });
    });
    return sessions.sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Ends the sessions of `user` named by their handles; returns how many ended. */
  async revoke(user: string, handles: readonly string[]): Promise<number> {
    const index = this.#indexKey(user);
    const candidates = handles.filter(isSessionHandle);
    if (candidates.length === 0) return 0;
    // Only sessions of this user: a handle of someone else's session is not theirs to end.
    const scores = await this.withTimeout(this.redis.zmscore(index, ...candidates));
    const valid = candidates.filter((_, i) => scores[i] !== null);
    if (valid.length === 0) return 0;
    const results = await this.withTimeout(
      this.redis
        .multi()
        .del(...valid.map((h) => this.#sessionKey(h)))
        .zrem(index, ...valid)
        .exec(),
    );
    return Number(results?.[0]?.[1] ?? 0);
  }

  /** Ends every session of `user` (e.g. after a suspected leak); returns how many ended. */
  async revokeAll(user: string, options: { except?: string } = {}): Promise<number> {
    const handles = await this.withTimeout(this.redis.zrange(this.#indexKey(user), '0', '-1'));
    return this.revoke(
      user,
      handles.filter((h) => h !== options.except),
    );
  }

  /** Logout: the session is deleted, so its cookie is worthless from now on. */
  async destroy(operator: Operator): Promise<void> {
    await this.revoke(operator.user, [operator.handle]);
  }
}

function parseStored(raw: string | null): Stored | undefined {
  if (!raw) return undefined;
  try {
    const s = JSON.parse(raw) as Partial<Stored>;
    if (s.v !== 1 || typeof s.u !== 'string' || typeof s.e !== 'number' || typeof s.c !== 'number')
      return undefined;
    return { v: 1, u: s.u, c: s.c, e: s.e, g: String(s.g), a: String(s.a ?? ''), ua: String(s.ua ?? '') };
  } catch {
    return undefined;
  }
}
