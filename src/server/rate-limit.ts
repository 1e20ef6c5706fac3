/**
 * Fixed-window counters for rate limits: in Redis (shared by every server instance, each key
 * expiring with its window) or in memory (one process, a bounded number of keys). A window starts
 * at a key's first hit and the key disappears when it ends, so nothing grows without bound.
 */
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';

import type { RedisClient } from '../workers/redis.ts';

export interface WindowCount {
  /** Hits in the current window, this one included. */
  count: number;
  /** Seconds until the window ends. */
  resetInSeconds: number;
}

export interface WindowCounter {
  /** Counts one hit on each key (at once) and returns every key's count. */
  hit(keys: readonly string[]): Promise<WindowCount[]>;
  /** Forgets a key's hits. */
  reset(key: string): Promise<void>;
  /** Takes back one hit of each key still in its window (a hit that should not have counted). */
  undo(keys: readonly string[]): Promise<void>;
}

/**
 * The key of a client address: IPv4 as is, IPv6 by its /64 (one subscriber usually holds a whole
 * /64, so counting single IPv6 addresses would let one client rotate through billions).
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...headParts, ...Array<string>(8 - headParts.length - tailParts.length).fill('0'), ...tailParts]
    : headParts;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}

/** A short, fixed-length stand-in for a caller-chosen string (a user name) in a key. */
export function hashedKeyPart(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

export class RedisWindowCounter implements WindowCounter {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly windowSeconds: number,
    /** Bounds each Redis call (a down Redis must not hang a login). */
    private readonly withTimeout: <T>(p: Promise<T>) => Promise<T> = (p) => p,
  ) {}

  async hit(keys: readonly string[]): Promise<WindowCount[]> {
    const multi = this.redis.multi();
    for (const key of keys) {
      const k = `${this.prefix}:${key}`;
      // Creates the key with its window's expiry only when missing; INCR keeps the expiry.
      multi.set(k, '0', 'EX', this.windowSeconds, 'NX').incr(k).ttl(k);
    }
    const results = await this.withTimeout(multi.exec());
    if (!results) throw new Error('the rate-limit transaction was aborted');
    return keys.map((_, i) => {
      const [incrErr, count] = results[i * 3 + 1]!;
      const [, ttl] = results[i * 3 + 2]!;
      if (incrErr) throw incrErr;
      return { count: Number(count), resetInSeconds: Math.max(1, Number(ttl)) };
    });
  }

  async reset(key: string): Promise<void> {
    await this.withTimeout(this.redis.del(`${this.prefix}:${key}`));
  }

  async undo(keys: readonly string[]): Promise<void> {
    // Only keys that still exist: a DECR on an ended window would create a key that never expires.
    await this.withTimeout(
      this.redis.eval(
        `for _, k in ipairs(KEYS) do if redis.call('EXISTS', k) == 1 then redis.call('DECR', k) end end return 0`,
        keys.length,
        ...keys.map((k) => `${this.prefix}:${k}`),
      ),
    );
  }
}

export class MemoryWindowCounter implements WindowCounter {
  readonly #windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly windowSeconds: number,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async hit(keys: readonly string[]): Promise<WindowCount[]> {
    return keys.map((key) => this.#hitOne(key));
  }

  async reset(key: string): Promise<void> {
    this.#windows.delete(key);
  }

  async undo(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const entry = this.#windows.get(key);
      if (entry && entry.count > 0) entry.count--;
    }
  }

  #hitOne(key: string): WindowCount {
    const t = this.now();
    let entry = this.#windows.get(key);
    if (!entry || entry.resetAt <= t) {
      this.#windows.delete(key);
      this.#makeRoom(t);
      entry = { count: 0, resetAt: t + this.windowSeconds * 1000 };
      this.#windows.set(key, entry);
    }
    entry.count++;
    return { count: entry.count, resetInSeconds: Math.max(1, Math.ceil((entry.resetAt - t) / 1000)) };
  }

  /** Keeps the map under maxKeys: ended windows go first, then the oldest. */
  #makeRoom(t: number): void {
    if (this.#windows.size < this.maxKeys) return;
    for (const [k, v] of this.#windows) if (v.resetAt <= t) this.#windows.delete(k);
    for (const k of this.#windows.keys()) {
      if (this.#windows.size < this.maxKeys) break;
      this.#windows.delete(k);
    }
  }
}
