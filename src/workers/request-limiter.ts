/**
 * The deployment-wide limit on requests to BB2 (BB2_MAX_REQUESTS_PER_SECOND), shared by every
 * worker process through Redis: a fixed one-second window counted with INCRBY. A request over the
 * limit waits for the next window. While the second's count is under half the limit (and BB2's
 * budget far from spent) a process takes slots for its next few requests in one round trip. BB2
 * asks apps not to hammer it; this is how we keep to that whatever the number of workers.
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

// KEYS[1] the usable budget, ARGV: usable, reset ms. Keeps the lowest count until its reset.
const OBSERVE = `
local current = redis.call('GET', KEYS[1])
if current == false or tonumber(current) > tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', math.max(1, tonumber(ARGV[2])))
end
return 1`;

/**
 * Slots a process takes in one round trip while far from every limit: the requests after the
 * first in the same second go without asking Redis. Unused ones lapse with their second. A TAKE
 * before every request was about half of a full sync's Redis round trips (docs/performance.md,
 * session 15). Slots a process keeps were taken from the shared counts already, so another
 * process hearing that BB2's budget is nearly spent cannot take them back: each process may still
 * spend up to three in that second, as requests in flight do, which the reserve is for. (BB2
 * announces its budget on every FHIR answer, 100,000 a second by default, so after a worker's first
 * answers the budget is known, and far from spent.)
 */
const LEASE = 4;
/** BB2's usable budget under which every request takes its own slot. */
const LEASE_BUDGET_MIN = 100;

// KEYS[1] this second's counter, KEYS[2] what is usable of BB2's announced budget (its remaining
// count less the reserve); ARGV[1] how many slots the process asks for, ARGV[2] the limit per
// second. More than one only while this second's count stays under half the limit and BB2's budget
// is unknown or far from spent. Returns {the count in this second after the take, the slots taken},
// or {minus the milliseconds until BB2's budget resets, 0}.
const TAKE = `
local want = tonumber(ARGV[1])
local budget = redis.call('GET', KEYS[2])
if budget then
  budget = tonumber(budget)
  if budget <= 0 then
    local ttl = redis.call('PTTL', KEYS[2])
    if ttl < 1 then ttl = 1 end
    return {-ttl, 0}
  end
  if budget < ${LEASE_BUDGET_MIN} then want = 1 end
end
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if (used + want) * 2 > tonumber(ARGV[2]) then want = 1 end
if budget then redis.call('DECRBY', KEYS[2], want) end
local n = redis.call('INCRBY', KEYS[1], want)
if n == want then redis.call('PEXPIRE', KEYS[1], 2000) end
return {n, want}`;

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
  /** Slots this process took and has not used yet, in the second they were taken for. */
  const lease = { window: -1, left: 0 };
  const want = String(LEASE);
  const limit = String(perWindow);
  const waitForTurn = async function waitForTurn(signal?: AbortSignal): Promise<void> {
    // (An aborted caller goes on to withinDeadline, which rejects at once.)
    if (lease.left > 0 && !signal?.aborted && lease.window === Math.floor(Date.now() / 1000)) {
      lease.left--;
      return;
    }
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const now = Date.now();
      const window = Math.floor(now / 1000);
      const [n, taken] = await withinDeadline(
        redis.eval(TAKE, 2, `${options.prefix}:bb2-rate:${window}`, budgetKey, want, limit) as Promise<
          [number, number]
        >,
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
      // The slots of this take that fall within this second's limit: one for this request, the
      // rest kept for the next ones in the same second.
      const usable = Math.min(taken, perWindow - (n - taken));
      if (usable >= 1) {
        lease.window = window;
        lease.left = usable - 1;
        return;
      }
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
    // Near the reserve, slots taken earlier are not spent without asking Redis again.
    if (usable <= LEASE_BUDGET_MIN) lease.left = 0;
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
