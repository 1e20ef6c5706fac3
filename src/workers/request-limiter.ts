/**
 * The deployment-wide limit on requests to BB2 (BB2_MAX_REQUESTS_PER_SECOND), shared by every
 * worker process through Redis: a fixed one-second window counted with INCR. A request over the
 * limit waits for the next window. BB2 asks apps not to hammer it; this is how we keep to that
 * whatever the number of workers.
 *
 * The wait is bounded (BB2_RATE_LIMIT_MAX_WAIT_MS): when Redis does not answer (the worker's
 * connection retries forever) or the limit stays saturated, the request fails as a transient
 * `timeout` with a message saying so, instead of stalling every BB2 request. An abort signal
 * (shutdown) ends the wait at once.
 */
import type { RedisClient } from './redis.ts';

import { BbsyncError } from '../errors.ts';

const TAKE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], 2000) end
return n`;

export function createRequestLimiter(
  redis: RedisClient,
  options: { maxPerSecond: number; prefix: string; maxWaitMs?: number },
) {
  const perWindow = Math.max(1, Math.floor(options.maxPerSecond));
  const maxWaitMs = options.maxWaitMs ?? 15_000;
  return async function waitForTurn(signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const now = Date.now();
      const window = Math.floor(now / 1000);
      const n = await withinDeadline(
        redis.eval(TAKE, 1, `${options.prefix}:bb2-rate:${window}`) as Promise<number>,
        deadline - now,
        signal,
        `the shared BB2 request limiter (Redis) did not answer within BB2_RATE_LIMIT_MAX_WAIT_MS (${maxWaitMs} ms)`,
      );
      if (n <= perWindow) return;
      // Over the limit in this second: wait for the next one (with a little jitter).
      const wait = (window + 1) * 1000 - Date.now() + Math.random() * 20;
      await withinDeadline(
        new Promise((r) => setTimeout(r, wait).unref()),
        deadline - Date.now(),
        signal,
        `no BB2 request slot within BB2_RATE_LIMIT_MAX_WAIT_MS (${maxWaitMs} ms): the limit of ${perWindow}/s is saturated`,
      );
    }
  };
}

/** `work`, or a transient `timeout` error after `ms`, or the abort reason when `signal` fires. */
function withinDeadline<T>(
  work: Promise<T>,
  ms: number,
  signal: AbortSignal | undefined,
  message: string,
): Promise<T> {
  if (signal?.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => finish(() => reject(signal?.reason as Error));
    const timer = setTimeout(
      () => finish(() => reject(new BbsyncError(message, 'timeout'))),
      Math.max(0, ms),
    );
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => finish(() => resolve(value)),
      (err: unknown) => finish(() => reject(err instanceof Error ? err : new Error(String(err)))),
    );
  });
}
