/**
 * Login throttling, counted in Redis so every server instance counts together: attempts per client
 * address, per user name tried and overall, each in a fixed window whose key expires with it. An
 * attempt is counted before the password is checked (so parallel guesses count too) and refused
 * when over any limit; a success takes its attempt back and clears its address's count. The client address is the socket's unless TRUST_PROXY names the proxies whose
 * X-Forwarded-For may be believed, so a client cannot pick a new address per try.
 */
import type { RedisClient } from '../../workers/redis.ts';

import { addressKey, hashedKeyPart, RedisWindowCounter, type WindowCounter } from '../rate-limit.ts';

export interface LoginLimits {
  /** Attempts per client address (IPv6: per /64) per window. */
  perAddress: number;
  /** Attempts per user name tried, from anywhere, per window. */
  perUser: number;
  /** Attempts in all, per window: a ceiling on guessing from many addresses. */
  overall: number;
  windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAddress: 10,
  perUser: 30,
  overall: 300,
  windowSeconds: 15 * 60,
};

export type LoginVerdict =
  { allowed: true } | { allowed: false; scope: 'address' | 'user' | 'overall'; retryAfterSeconds: number };

export class LoginThrottle {
  readonly #counter: WindowCounter;

  constructor(
    redis: RedisClient,
    prefix: string,
    private readonly limits: LoginLimits,
    withTimeout: <T>(p: Promise<T>) => Promise<T>,
  ) {
    this.#counter = new RedisWindowCounter(redis, `${prefix}:login`, limits.windowSeconds, withTimeout);
  }

  #addressKey(ip: string) {
    return `address:${addressKey(ip)}`;
  }

  #userKey(user: string) {
    return `user:${hashedKeyPart(user.trim().toLowerCase())}`;
  }

  /** Counts an attempt and says whether it may go on to the password check. */
  async attempt(ip: string, user: string): Promise<LoginVerdict> {
    const [address, perUser, overall] = await this.#counter.hit([
      this.#addressKey(ip),
      this.#userKey(user),
      'overall',
    ]);
    const over = (
      [
        ['address', address!, this.limits.perAddress],
        ['user', perUser!, this.limits.perUser],
        ['overall', overall!, this.limits.overall],
      ] as const
    ).find(([, count, max]) => count.count > max);
    if (!over) return { allowed: true };
    return { allowed: false, scope: over[0], retryAfterSeconds: over[1].resetInSeconds };
  }

  /** A right password: its attempt does not count, and its address starts afresh. */
  async succeeded(ip: string, user: string): Promise<void> {
    await this.#counter.undo([this.#userKey(user), 'overall']);
    await this.#counter.reset(this.#addressKey(ip));
  }
}
