/**
 * Issue 12, finding 6 (the client's part): the Redis-shared BB2 request limiter never waits
 * without bound. Real Redis, and a real Redis client pointed at a port where nothing listens.
 * And the limit is shared through Redis: two limiters, as in two worker processes, on their own
 * connections to the real Redis, stay under the budget together.
 */
import { randomBytes } from 'node:crypto';

import { afterEach, describe, expect, inject, it, vi } from 'vitest';

import { redisConnection } from '../../src/workers/redis.ts';
import { createRequestLimiter } from '../../src/workers/request-limiter.ts';
import { expectOneBudgetBetween } from '../helpers/redis-checks.ts';

describe('the shared request limiter', () => {
  it('fails a request as a transient timeout, saying why, when Redis does not answer', async () => {
    const away = redisConnection({ kind: 'standalone', url: 'redis://127.0.0.1:1' });
    try {
      const waitForTurn = createRequestLimiter(away, { maxPerSecond: 10, prefix: 'gone', maxWaitMs: 300 });
      await expect(waitForTurn()).rejects.toMatchObject({
        category: 'timeout',
        message: expect.stringMatching(/limiter \(Redis\) did not answer within BB2_RATE_LIMIT_MAX_WAIT_MS/),
      });
    } finally {
      away.disconnect();
    }
  });

  it('gives a turn at once under the limit, and ends the wait when the caller aborts', async () => {
    const redis = redisConnection({ kind: 'standalone', url: inject('redisUrl') });
    try {
      const prefix = `limiter-test-${process.pid}-${Date.now()}`;
      const waitForTurn = createRequestLimiter(redis, { maxPerSecond: 1, prefix, maxWaitMs: 60_000 });
      await waitForTurn();
      // The second request in the same second would wait for the next one: abort it instead.
      const stop = new AbortController();
      const waiting = waitForTurn(stop.signal);
      stop.abort(new Error('shutting down'));
      await expect(waiting).rejects.toThrow(/shutting down/);
    } finally {
      redis.disconnect();
    }
  });
});

const connections: ReturnType<typeof redisConnection>[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const c of connections.splice(0)) c.disconnect();
});

describe('the Redis-shared request limit', () => {
  it('lets two limiters sharing Redis grant at most the budget per second between them', async () => {
    const perSecond = 5;
    const prefix = `bbsync-test-${randomBytes(4).toString('hex')}`;
    const [a, b] = [0, 1].map(() => {
      const connection = redisConnection({ kind: 'standalone', url: inject('redisUrl') });
      connections.push(connection);
      return createRequestLimiter(connection, { maxPerSecond: perSecond, prefix });
    });
    await expectOneBudgetBetween([a!, b!], perSecond);
  });
});

describe("BB2's announced budget", () => {
  it('holds every limiter sharing Redis once X-RateLimit-Remaining falls to the reserve, until the reset', async () => {
    const prefix = `bbsync-test-${randomBytes(4).toString('hex')}`;
    const [a, b] = [0, 1].map(() => {
      const connection = redisConnection({ kind: 'standalone', url: inject('redisUrl') });
      connections.push(connection);
      return createRequestLimiter(connection, { maxPerSecond: 1000, prefix, maxWaitMs: 60_000 });
    });
    // Plenty left: requests go at once. (The observation is in Redis before b asks: a PING on a's
    // connection answers after it.)
    a!.observe({ limit: 100, remaining: 80, resetMs: 60_000 });
    await connections.at(-2)!.ping();
    await expect(b!()).resolves.toBeUndefined();
    // One worker hears BB2 say 5 of 100 remain for a minute: the other one holds too.
    a!.observe({ limit: 100, remaining: 5, resetMs: 60_000 });
    await new Promise((r) => setTimeout(r, 100));
    const stop = new AbortController();
    const waiting = b!(stop.signal);
    setTimeout(() => stop.abort(new Error('still held')), 500);
    await expect(waiting).rejects.toThrow(/still held/);
    // A budget that resets soon lets requests through again after the reset.
    const prefix2 = `bbsync-test-${randomBytes(4).toString('hex')}`;
    const connection = redisConnection({ kind: 'standalone', url: inject('redisUrl') });
    connections.push(connection);
    const c = createRequestLimiter(connection, { maxPerSecond: 1000, prefix: prefix2, maxWaitMs: 60_000 });
    c.observe({ limit: 100, remaining: 0, resetMs: 200 });
    await new Promise((r) => setTimeout(r, 50));
    await expect(c()).resolves.toBeUndefined();
  });
});

describe("observing BB2's announced budget", () => {
  it('sends it to Redis at most once a second while far from the reserve, and every time near it or after its reset', async () => {
    const prefix = `bbsync-test-${randomBytes(4).toString('hex')}`;
    const connection = redisConnection({ kind: 'standalone', url: inject('redisUrl') });
    connections.push(connection);
    const limiter = createRequestLimiter(connection, { maxPerSecond: 1000, prefix, maxWaitMs: 60_000 });
    // Redis runs one connection's commands in order: once a PING answers, every observation sent
    // before it has been applied.
    const budget = async () => {
      await connection.ping();
      return connection.get(`${prefix}:bb2-budget`);
    };
    // Limit 100 keeps a reserve of 10: 80 remaining leave 70 usable.
    limiter.observe({ limit: 100, remaining: 80, resetMs: 60_000 });
    expect(await budget()).toBe('70');
    // Within the second and far from the reserve: not sent.
    limiter.observe({ limit: 100, remaining: 60, resetMs: 60_000 });
    expect(await budget()).toBe('70');
    // Near the reserve: sent at once.
    limiter.observe({ limit: 100, remaining: 15, resetMs: 60_000 });
    expect(await budget()).toBe('5');

    // Once the budget last sent has reset, the next observation goes at once, however far.
    const other = createRequestLimiter(connection, {
      maxPerSecond: 1000,
      prefix: `${prefix}-2`,
      maxWaitMs: 60_000,
    });
    const budget2 = async () => {
      await connection.ping();
      return connection.get(`${prefix}-2:bb2-budget`);
    };
    other.observe({ limit: 100, remaining: 90, resetMs: 30 });
    expect(await budget2()).toBe('80');
    for (let i = 0; i < 100 && (await budget2()) !== null; i++) await new Promise((r) => setTimeout(r, 10));
    other.observe({ limit: 100, remaining: 95, resetMs: 60_000 });
    expect(await budget2()).toBe('85');
  });
});

/**
 * A fresh prefix and Redis connection, its EVALs counted, with the clock held at one instant: every
 * request falls in one second, whatever the real clock does meanwhile.
 */
function inOneSecond() {
  const prefix = `bbsync-test-${randomBytes(4).toString('hex')}`;
  const connection = redisConnection({ kind: 'standalone', url: inject('redisUrl') });
  connections.push(connection);
  const now = Date.now();
  vi.spyOn(Date, 'now').mockReturnValue(now);
  return { prefix, connection, now, evals: vi.spyOn(connection, 'eval') };
}

describe('slots taken together', () => {
  it('takes four requests’ slots in one round trip while the second is under half its limit, then one at a time', async () => {
    const { prefix, connection, now, evals } = inOneSecond();
    const limiter = createRequestLimiter(connection, { maxPerSecond: 20, prefix, maxWaitMs: 60_000 });
    const counted = async () => Number(await connection.get(`${prefix}:bb2-rate:${Math.floor(now / 1000)}`));
    // Four slots while 0 and then 4 of 20 were taken; past half, one each.
    for (let i = 0; i < 8; i++) await limiter();
    expect(evals).toHaveBeenCalledTimes(2);
    expect(await counted()).toBe(8);
    for (let i = 0; i < 4; i++) await limiter();
    expect(evals).toHaveBeenCalledTimes(6);
    // Every slot taken went to a request: none was lost in this second.
    expect(await counted()).toBe(12);
  });

  it('takes one slot a request while BB2’s budget is low, and spends none kept once it nears the reserve', async () => {
    const { prefix, connection, evals } = inOneSecond();
    const limiter = createRequestLimiter(connection, { maxPerSecond: 1000, prefix, maxWaitMs: 60_000 });
    await limiter(); // four slots taken: three kept
    expect(evals).toHaveBeenCalledTimes(1);
    // BB2 says 5 of 100 remain: the kept slots are not spent, the request waits for the reset.
    limiter.observe({ limit: 100, remaining: 5, resetMs: 60_000 });
    const stop = new AbortController();
    const waiting = limiter(stop.signal);
    setTimeout(() => stop.abort(new Error('held')), 300);
    await expect(waiting).rejects.toThrow(/held/);
    // A budget of 60 usable (70 remaining less a reserve of 10): one slot per request.
    const other = createRequestLimiter(connection, {
      maxPerSecond: 1000,
      prefix: `${prefix}-2`,
      maxWaitMs: 60_000,
    });
    other.observe({ limit: 100, remaining: 70, resetMs: 60_000 });
    evals.mockClear();
    for (let i = 0; i < 3; i++) await other();
    expect(evals.mock.calls.filter((c) => String(c[0]).includes('INCRBY'))).toHaveLength(3);
    expect(await connection.get(`${prefix}-2:bb2-budget`)).toBe('57');
  });
});
