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
 *
 * BB2's own budget, when it announces one (`X-RateLimit-Remaining` and `-Reset` on FHIR answers),
 * is shared the same way: `observe` keeps the lowest remaining count seen in Redis until its reset
 * (each process sends one a second while it is far from the reserve, every one near it), every
 * request takes one from it, and when it falls to the reserve (a tenth of the announced
 * limit, at least 2) every worker waits for the reset, spread over the following second, so the
 * deployment slows before BB2 answers 429.
 */
import type { RedisClient } from './redis.ts';

import { BbsyncError } from '../errors.ts';

// KEYS[1] this second's counter, KEYS[2] what is usable of BB2's announced budget (its remaining
// count less the reserve). Returns the count in this second, or minus the milliseconds until
// BB2's budget resets.
const TAKE = `
local budget = redis.call('GET', KEYS[2])
if budget then
  if tonumber(budget) <= 0 then
    local ttl = redis.call('PTTL', KEYS[2])
    if ttl < 1 then ttl = 1 end
    return -ttl
  end
  redis.call('DECR', KEYS[2])
end
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], 2000) end
return n`;

// KEYS[1] the usable budget, ARGV: usable, reset ms. Keeps the lowest count until its reset.
const OBSERVE = `
local current = redis.call('GET', KEYS[1])
if current == false or tonumber(current) > tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', math.max(1, tonumber(ARGV[2])))
end
return 1`;

/** How often a process sends BB2's announced budget to Redis while it is far from spent. */
const OBSERVE_EVERY_MS = 1000;

/** BB2's announced limit, as the HTTP layer reads it from a response. */
export interface AnnouncedLimit {
  limit: number;
  remaining: number;
  resetMs: number;
}

/** How many requests to keep in hand below BB2's announced limit (requests in flight use them). */
export function budgetReserve(limit: number): number {
  return Math.max(2, Math.ceil(limit / 10));
}

export function createRequestLimiter(
  redis: RedisClient,
  options: { maxPerSecond: number; prefix: string; maxWaitMs?: number },
) {
  const perWindow = Math.max(1, Math.floor(options.maxPerSecond));
  const maxWaitMs = options.maxWaitMs ?? 15_000;
  const budgetKey = `${options.prefix}:bb2-budget`;
  /** How often this process waited: for BB2's announced budget to reset, or for our own next window. */
  const waits = { budget: 0, window: 0 };
  const waitForTurn = async function waitForTurn(signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const now = Date.now();
      const window = Math.floor(now / 1000);
      const n = await withinDeadline(
        redis.eval(TAKE, 2, `${options.prefix}:bb2-rate:${window}`, budgetKey) as Promise<number>,
        deadline - now,
        signal,
        `the shared BB2 request limiter (Redis) did not answer within BB2_RATE_LIMIT_MAX_WAIT_MS (${maxWaitMs} ms)`,
      );
      if (n < 0) {
        // BB2's budget is nearly spent: wait for its reset, spread so the waiters do not all go at once.
        waits.budget++;
        await withinDeadline(
          new Promise((r) => setTimeout(r, -n + Math.random() * 1000).unref()),
          deadline - Date.now(),
          signal,
          `no BB2 request slot within BB2_RATE_LIMIT_MAX_WAIT_MS (${maxWaitMs} ms): BB2's announced rate limit (X-RateLimit-Remaining) is spent`,
        );
        continue;
      }
      if (n <= perWindow) return;
      // Over the limit in this second: wait for the next one (with a little jitter).
      waits.window++;
      const wait = (window + 1) * 1000 - Date.now() + Math.random() * 20;
      await withinDeadline(
        new Promise((r) => setTimeout(r, wait).unref()),
        deadline - Date.now(),
        signal,
        `no BB2 request slot within BB2_RATE_LIMIT_MAX_WAIT_MS (${maxWaitMs} ms): the limit of ${perWindow}/s is saturated`,
      );
    }
  };
  let sent: { at: number; resetAt: number } | undefined;
  /**
   * Records BB2's X-RateLimit-* of a response for every worker (fire and forget: a lost one is
   * harmless). Every request already takes one from the shared budget (TAKE), so between two
   * observations it follows the deployment's own use; an observation corrects it for the rest.
   * Far from the reserve, this process sends one a second at most (the rest would cost Redis a
   * round trip per request for nothing: docs/performance.md, "BB2's budget observed once a second");
   * near it, or once the last one sent has expired, every one goes.
   */
  const observe = (announced: AnnouncedLimit): void => {
    const reserve = budgetReserve(announced.limit);
    const usable = announced.remaining - reserve;
    const now = Date.now();
    if (sent && usable > reserve && now < sent.resetAt && now - sent.at < OBSERVE_EVERY_MS) return;
    sent = { at: now, resetAt: now + announced.resetMs };
    redis.eval(OBSERVE, 1, budgetKey, usable, announced.resetMs).catch(() => undefined);
  };
  return Object.assign(waitForTurn, { observe, waits: () => ({ ...waits }) });
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
