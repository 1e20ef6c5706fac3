/**
 * Counts requests to BB2 per minute, endpoint and status, in memory; `drain()` hands the counts
 * over for storage (bb2_request_counts) and starts afresh. Feeds the dashboard's error and 429 rates.
 */
import type { Bb2Endpoint } from './http.ts';

export interface RequestCount {
  minute: string;
  endpoint: string;
  status: number;
  count: number;
}

export class RequestCounter {
  #counts = new Map<string, RequestCount>();
  #now: () => Date;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  record(endpoint: Bb2Endpoint, status: number): void {
    const at = this.#now();
    at.setUTCSeconds(0, 0);
    const minute = at.toISOString();
    const key = `${minute}|${endpoint}|${status}`;
    const entry = this.#counts.get(key);
    if (entry) entry.count++;
    else this.#counts.set(key, { minute, endpoint, status, count: 1 });
  }

  drain(): RequestCount[] {
    const out = [...this.#counts.values()];
    this.#counts = new Map();
    return out;
  }
}
