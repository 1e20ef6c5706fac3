/**
 * The deployment-wide limit on requests to BB2 (BB2_MAX_REQUESTS_PER_SECOND), shared by every
 * worker process through Redis: a fixed one-second window counted with INCR. A request over the
 * limit waits for the next window. BB2 asks apps not to hammer it; this is how we keep to that
 * whatever the number of workers.
 */
import type { Redis } from 'ioredis';

const TAKE = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], 2000) end
return n`;

export function createRequestLimiter(redis: Redis, options: { maxPerSecond: number; prefix: string }) {
  const perWindow = Math.max(1, Math.floor(options.maxPerSecond));
  return async function waitForTurn(): Promise<void> {
    for (;;) {
      const now = Date.now();
      const window = Math.floor(now / 1000);
      const n = (await redis.eval(TAKE, 1, `${options.prefix}:bb2-rate:${window}`)) as number;
      if (n <= perWindow) return;
      // Over the limit in this second: wait for the next one (with a little jitter).
      await new Promise((r) => setTimeout(r, (window + 1) * 1000 - now + Math.random() * 20));
    }
  };
}
