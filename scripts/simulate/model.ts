/**
 * The scale simulation's modelled BB2 (docs/scale.md, "Simulation"): what is NOT real in
 * `npm run scale:simulate`. A clock in simulated time, BFD's weekly loads, what each sync costs in
 * requests, and a share of failures. Pure and deterministic (a seeded hash per enrollment and load).
 *
 * Time: the simulated BB2 serves requests at exactly the deployment's budget
 * (BB2_MAX_REQUESTS_PER_SECOND), one after another, so a sync of `n` requests that starts when the
 * budget is free ends `n / budget` seconds later in simulated time. The real workers run as fast as
 * this machine lets them; only the budget decides simulated time (enough workers are assumed to
 * keep the budget busy: see the sizing guide for how many that takes at BB2's latency).
 */

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface ModelOptions {
  /** Simulated start (ms since the epoch). */
  start: number;
  days: number;
  /** Days (from the start, fractional) on which a BFD load becomes visible. */
  loadDays: readonly number[];
  budgetPerSecond: number;
  /** Probability that one request fails with a 5xx (the sync fails there and is retried). */
  failureRate: number;
  /** EOBs a beneficiary gains per load, on average (about 30 a year). */
  newEobsPerLoad: number;
  seed: number;
}

/** A load: when it became visible (simulated ms) and the transaction time it carries. */
export interface Load {
  visibleAt: number;
  transactionTime: number;
}

export interface SyncCost {
  requests: number;
  /** Requests made before a failure, when this attempt fails (undefined: it succeeds). */
  failsAfter?: number;
}

/** A 32-bit hash of a few integers (a deterministic stand-in for chance). */
function hash(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h ^= p >>> 0;
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d) >>> 0;
  }
  return (h ^ (h >>> 13)) >>> 0;
}

/** A uniform number in [0, 1) from a hash. */
const unit = (...parts: number[]) => hash(...parts) / 2 ** 32;

export function createModel(options: ModelOptions) {
  const loads: Load[] = [
    // The load everyone was synced to before the simulation starts (a week earlier).
    { visibleAt: options.start - 7 * DAY, transactionTime: options.start - 7 * DAY },
    ...options.loadDays.map((d) => {
      const at = options.start + d * DAY;
      return { visibleAt: at, transactionTime: at };
    }),
  ];
  const clock = { now: options.start, budgetFreeAt: options.start };
  const requestsByDay = new Float64Array(Math.ceil(options.days) + 2);

  /** BFD's transaction time as BB2 reports it at simulated time `at`. */
  function transactionTimeAt(at: number): number {
    let t = loads[0]!.transactionTime;
    for (const load of loads) if (load.visibleAt <= at) t = load.transactionTime;
    return t;
  }

  /** Spends `requests` of the budget from now on; returns when they are done (simulated ms). */
  function spend(requests: number): number {
    const startAt = Math.max(clock.budgetFreeAt, clock.now);
    clock.budgetFreeAt = startAt + (requests * 1000) / options.budgetPerSecond;
    const day = Math.floor((startAt - options.start) / DAY);
    if (day >= 0 && day < requestsByDay.length) requestsByDay[day]! += requests;
    return clock.budgetFreeAt;
  }

  /**
   * What one sync costs against BB2 v2 (src/jobs/sync-enrollment.ts): a token refresh (access
   * tokens live 10 hours, so a weekly sync always refreshes), one Patient search, one Coverage
   * page, and ExplanationOfBenefit pages of 50: the new EOBs since the cursor (at least the one
   * empty page that says "nothing new"), or, for a full reconcile, all of them (10-120 each).
   */
  function syncCost(enrollment: number, loadIndex: number, full: boolean, attempt: number): SyncCost {
    const newEobs = Math.floor(
      -Math.log(1 - unit(options.seed, enrollment, loadIndex, 1)) * options.newEobsPerLoad,
    );
    const held = 10 + Math.floor(unit(options.seed, enrollment, 2) * 110);
    const eobPages = full
      ? Math.max(1, Math.ceil((held + newEobs) / 50))
      : Math.max(1, Math.ceil(newEobs / 50));
    const requests = 3 + eobPages;
    const pass = Math.pow(1 - options.failureRate, requests);
    if (unit(options.seed, enrollment, loadIndex, 3, attempt) < pass) return { requests };
    const failsAfter = 1 + Math.floor(unit(options.seed, enrollment, loadIndex, 4, attempt) * requests);
    return { requests, failsAfter };
  }

  return { options, loads, clock, requestsByDay, transactionTimeAt, spend, syncCost };
}

export type Model = ReturnType<typeof createModel>;

/** The p-th percentile (0-100) of a sample, nearest rank; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
