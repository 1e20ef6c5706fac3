/**
 * The deployment-wide request limit (BB2_MAX_REQUESTS_PER_SECOND) is shared through Redis: two
 * limiters, as in two worker processes, on their own connections to the real Redis, stay under
 * the budget together.
 */
import { randomBytes } from 'node:crypto';

import { afterEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';

import { redisConnection } from '../../src/workers/queues.ts';
import { createRequestLimiter } from '../../src/workers/request-limiter.ts';

const connections: ReturnType<typeof redisConnection>[] = [];
afterEach(() => {
  for (const c of connections.splice(0)) c.disconnect();
});

describe('the Redis-shared request limiter', () => {
  it('lets two limiters sharing Redis grant at most the budget per second between them', async () => {
    const perSecond = 5;
    const prefix = `bbsync-test-${randomBytes(4).toString('hex')}`;
    const [a, b] = [0, 1].map(() => {
      const connection = redisConnection(inject('redisUrl'));
      connections.push(connection);
      return createRequestLimiter(connection, { maxPerSecond: perSecond, prefix });
    });
    // 2 x budget + 1 turns: at most `perSecond` fit in one one-second window, so they need three
    // windows, and the last turn comes at the start of the third window at the earliest. Two
    // limiters counting apart (5 each per window) would be done within two windows.
    const turns = 2 * perSecond + 1;
    const firstWindow = Math.floor(Date.now() / 1000);
    const granted: number[] = [];
    await Promise.all(
      Array.from({ length: turns }, async (_, i) => {
        await (i % 2 === 0 ? a! : b!)();
        granted.push(Date.now());
      }),
    );
    expect(granted).toHaveLength(turns);
    const lastWindow = Math.floor(Math.max(...granted) / 1000);
    expect(lastWindow - firstWindow).toBeGreaterThanOrEqual(2);
  });
});
