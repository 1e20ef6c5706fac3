/**
 * Issue 15, rate-limit headers: BB2 announces its budget in `X-RateLimit-Limit/-Remaining/-Reset`.
 * With a deployment-wide limit far below what the pipeline would otherwise send (the emulator
 * counting a whole application's requests), the shared limiter reads the headers and slows every
 * worker before BB2 answers 429. Real workers, Redis and Postgres against the emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunningEmulator } from '../../src/emulator/index.ts';
import { capturingLogger, startTestEmulator } from '../helpers/bb2.ts';
import { createSyncWorld, type SyncWorld } from '../helpers/sync-world.ts';

const CLIENT = {
  clientId: 'budget',
  clientSecret: 'budget-secret',
  redirectUris: ['http://127.0.0.1:3000/cb'],
};
const USERS = 40;
/**
 * 30 requests per 3 s for the whole application: a 40-user sync (over 120 requests) spends it in
 * the first window at any speed above 10 requests a second, so without the header feed 429s are
 * certain even on a loaded machine, and with it the limiter must wait for BB2's reset.
 */
const LIMIT = 30;
const WINDOW_SECONDS = 3;

let emulator: RunningEmulator;
let world: SyncWorld;

beforeAll(async () => {
  emulator = await startTestEmulator({ users: USERS, seed: 11, clients: [CLIENT] });
  world = await createSyncWorld({
    emulator,
    clientId: CLIENT.clientId,
    users: Array.from({ length: USERS }, (_, i) => i),
    log: capturingLogger('info').log,
    label: 'rate_headers',
    // Our own limit alone would let through many times what BB2 allows.
    env: { BB2_MAX_REQUESTS_PER_SECOND: '1000', BB2_RATE_LIMIT_MAX_WAIT_MS: '120000' },
  });
  // BB2's limit starts now that everyone is enrolled: LIMIT requests per window for the whole app.
  const res = await fetch(`${emulator.url}/__emulator/throttle`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ limit: LIMIT, windowSeconds: WINDOW_SECONDS, per: 'application' }),
  });
  expect(res.status).toBe(200);
  await fetch(`${emulator.url}/__emulator/stats/reset`, { method: 'POST' });
}, 300_000);

afterAll(async () => {
  await world?.close();
  await emulator?.close();
});

describe('BB2 rate-limit headers', () => {
  it('slow every worker before BB2 answers 429: a 40-user sync under a 30-per-3-s limit sees no 429', async () => {
    await world.startWorkers(4);
    const run = await world.run({ timeoutMs: 240_000 });
    expect(run.status).toBe('finished');
    expect(run.enrollments_ok).toBe(USERS);
    const stats = emulator.stats();
    let fhir = 0;
    let throttled = 0;
    for (const [route, entry] of Object.entries(stats.requests)) {
      if (!route.includes('/v2/fhir/')) continue;
      fhir += entry.total;
      throttled += entry.byStatus['429'] ?? 0;
    }
    // Several windows' worth of requests went through the limit, and none was refused.
    expect(fhir).toBeGreaterThan(3 * LIMIT);
    expect(throttled).toBe(0);
    // And it was the headers that held them back: our own limit (1000/s) never made anyone wait,
    // BB2's announced budget did. Without the feed nothing waits for it (0), whatever the load.
    const waits = world.limiterWaits();
    expect(waits.window).toBe(0);
    expect(waits.budget).toBeGreaterThan(0);
  }, 300_000);
});
