/**
 * Issue 12, finding 6 (the client's part): the Redis-shared BB2 request limiter never waits
 * without bound. Real Redis, and a real Redis client pointed at a port where nothing listens.
 */
import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';

import { redisConnection } from '../../src/workers/queues.ts';
import { createRequestLimiter } from '../../src/workers/request-limiter.ts';

describe('the shared request limiter', () => {
  it('fails a request as a transient timeout, saying why, when Redis does not answer', async () => {
    const away = redisConnection('redis://127.0.0.1:1');
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
    const redis = redisConnection(inject('redisUrl'));
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
