/**
 * BB2's rate limit on the FHIR views (apps/dot_ext/throttling.py): DRF's SimpleRateThrottle, a
 * sliding log of request times per key, and ThrottleMiddleware copying `X-RateLimit-Limit`,
 * `-Remaining` (after this request) and `-Reset` (seconds until the oldest request in the window
 * leaves it) onto every response; paths without a throttle send the literal `None`. Over the
 * limit: 429 with DRF's body and `Retry-After`.
 *
 * BB2 keys the log by access token (TOKEN_THROTTLE_RATE, default 100000/s). `per: "application"`
 * keys it by client instead, to model a deployment-wide limit (CMS may set one: ToS "Right to
 * Limit"; an Akamai edge sits in front), which is what a deployment's own limiter must respect.
 */
import type { ServerResponse } from 'node:http';

import { throttledDetail } from './faults.ts';
import { HttpError } from './http-util.ts';

export interface ThrottleConfig {
  /** Requests allowed per window (BB2 default: 100000). */
  limit: number;
  /** The window in seconds (BB2 default: 1). */
  windowSeconds: number;
  /** What is counted together: each access token (BB2) or each application. */
  per: 'token' | 'application';
}

export const DEFAULT_THROTTLE: ThrottleConfig = Object.freeze({
  limit: 100_000,
  windowSeconds: 1,
  per: 'token',
});

export const RATE_LIMIT_HEADERS = [
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
] as const;

/** Sets the three headers to `None`, as ThrottleMiddleware does where no throttle ran. */
export function setUnthrottledHeaders(res: ServerResponse): void {
  for (const h of RATE_LIMIT_HEADERS) res.setHeader(h, 'None');
}

export function parseThrottle(value: unknown): ThrottleConfig {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(
      'throttle must be a JSON object, e.g. {"limit":50,"windowSeconds":1,"per":"application"}',
    );
  }
  const body = value as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (!['limit', 'windowSeconds', 'per'].includes(key)) {
      throw new Error(`unknown throttle setting "${key}"; known: limit, windowSeconds, per`);
    }
  }
  const out: ThrottleConfig = { ...DEFAULT_THROTTLE };
  if (body.limit !== undefined) {
    if (typeof body.limit !== 'number' || !Number.isInteger(body.limit) || body.limit < 1) {
      throw new Error('throttle limit must be a positive integer');
    }
    out.limit = body.limit;
  }
  if (body.windowSeconds !== undefined) {
    const w = body.windowSeconds;
    if (typeof w !== 'number' || !Number.isFinite(w) || w <= 0 || w > 86_400) {
      throw new Error('throttle windowSeconds must be a number of seconds between 0 and 86400');
    }
    out.windowSeconds = w;
  }
  if (body.per !== undefined) {
    if (body.per !== 'token' && body.per !== 'application') {
      throw new Error('throttle per must be "token" or "application"');
    }
    out.per = body.per;
  }
  return out;
}

export class Throttle {
  private readonly logs = new Map<string, number[]>();

  constructor(public config: ThrottleConfig = { ...DEFAULT_THROTTLE }) {}

  set(config: ThrottleConfig): void {
    this.config = config;
    this.logs.clear();
  }

  /**
   * Counts one request and sets the headers; throws the 429 when the window is full (the refused
   * request is not counted, as DRF's throttle_failure does not record it).
   */
  check(res: ServerResponse, ids: { token: string; clientId: string }, now: number): void {
    const { limit, windowSeconds, per } = this.config;
    const key = per === 'token' ? `t:${ids.token}` : `a:${ids.clientId}`;
    const windowMs = windowSeconds * 1000;
    let log = this.logs.get(key);
    if (!log) {
      log = [];
      this.logs.set(key, log);
    }
    // Oldest first here (DRF keeps newest first); drop what left the window.
    let drop = 0;
    while (drop < log.length && (log[drop] as number) <= now - windowMs) drop++;
    if (drop > 0) log.splice(0, drop);
    const allowed = log.length < limit;
    if (allowed) log.push(now);
    const oldest = log[0];
    const resetSeconds = oldest === undefined ? windowSeconds : (oldest + windowMs - now) / 1000;
    res.setHeader('X-RateLimit-Limit', String(limit));
    res.setHeader('X-RateLimit-Remaining', String(limit - log.length));
    res.setHeader('X-RateLimit-Reset', String(Math.max(0, resetSeconds)));
    if (this.logs.size > 100_000) this.prune(now, windowMs);
    if (!allowed) {
      const wait = Math.max(1, Math.ceil(resetSeconds));
      throw new HttpError(429, { detail: throttledDetail(wait) }, { 'Retry-After': String(wait) });
    }
  }

  private prune(now: number, windowMs: number): void {
    for (const [key, log] of this.logs) {
      const last = log[log.length - 1];
      if (last === undefined || last <= now - windowMs) this.logs.delete(key);
    }
  }
}
