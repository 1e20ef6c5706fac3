/**
 * Fault injection. FHIR faults apply to the authenticated FHIR resource endpoints (Patient,
 * Coverage, ExplanationOfBenefit search and read) after the token and scope checks pass, which is
 * where BB2 throttles and calls BFD. Token faults apply to POST /v2/o/token/.
 */

export interface FaultConfig {
  /** Probability (0..1) of a 429 with `Retry-After` and DRF's throttle body. */
  rate429: number;
  /** The `Retry-After` seconds of injected 429s. */
  retryAfterSeconds: number;
  /** Probability of a 500 or 502 (half each) with BB2's bodies. */
  rate5xx: number;
  /** Added latency in milliseconds, on every FHIR resource call. */
  latencyMs: number;
  /** Probability of a 200 whose JSON body is cut short (invalid JSON). */
  malformedRate: number;
  /** Probability that the connection is dropped without an answer. */
  resetRate: number;
  /** Probability of a 502 from /token before anything changes. */
  tokenRate5xx: number;
  /**
   * Probability that a refresh rotates the tokens and then answers 502 (BB2's refresh-time BFD
   * failure), so the new refresh token is never delivered and the old one is already revoked.
   */
  refreshLostRate: number;

  // Hostile BB2 (see hostile.ts): answers a careless client would choke on.
  /** Probability of a 200 whose (uncompressed) body is `hugeBodyBytes` long. */
  hugeBodyRate: number;
  /** Size of a huge body; the default is far above any real BB2 page. */
  hugeBodyBytes: number;
  /** Probability of a 200 gzip body that inflates to `gzipBombBytes` (a few KB on the wire per 16 MiB). */
  gzipBombRate: number;
  gzipBombBytes: number;
  /** Probability of a 200 with `Content-Encoding: gzip` whose gzip stream is cut short. */
  badGzipRate: number;
  /** Probability of a search page whose `next` link is the URL just requested (a loop). */
  selfLinkRate: number;
  /** Probability of a search page whose `next` link points to another origin. */
  foreignLinkRate: number;
  /** Probability that a token response (after a normal rotation) also carries an `id_token` no client can check. */
  tokenIdTokenRate: number;
  /** Probability that a token response (after a normal rotation) says `token_type: "mac"`. */
  tokenTypeRate: number;
  /**
   * Probability that a code exchange that issued tokens (the grant exists at BB2 now) answers
   * them with `token_type: "mac"`: a client that validates before it saves loses the beneficiary.
   */
  exchangeTokenTypeRate: number;
  /** Probability that a refresh issues a new access token only: no `refresh_token`, the old one stays valid (RFC 6749 §6). */
  noRefreshTokenRate: number;
  /** Probability of a 200 from /token, before anything changes, with a `hugeBodyBytes` body. */
  tokenHugeBodyRate: number;
  /** Added latency in milliseconds on /token, before it answers (the refresh still happens). */
  tokenLatencyMs: number;
}

export const NO_FAULTS: FaultConfig = Object.freeze({
  rate429: 0,
  retryAfterSeconds: 1,
  rate5xx: 0,
  latencyMs: 0,
  malformedRate: 0,
  resetRate: 0,
  tokenRate5xx: 0,
  refreshLostRate: 0,
  hugeBodyRate: 0,
  hugeBodyBytes: 64 * 1024 * 1024,
  gzipBombRate: 0,
  gzipBombBytes: 1024 * 1024 * 1024,
  badGzipRate: 0,
  selfLinkRate: 0,
  foreignLinkRate: 0,
  tokenIdTokenRate: 0,
  tokenTypeRate: 0,
  exchangeTokenTypeRate: 0,
  noRefreshTokenRate: 0,
  tokenHugeBodyRate: 0,
  tokenLatencyMs: 0,
});

/**
 * `--faults hostile`: every hostile fault on at once, at rates where most syncs still get through
 * after a retry or two, and some walks fail for good (loops, foreign links).
 */
export const HOSTILE_FAULTS: FaultConfig = Object.freeze({
  ...NO_FAULTS,
  malformedRate: 0.03,
  hugeBodyRate: 0.03,
  gzipBombRate: 0.03,
  badGzipRate: 0.03,
  selfLinkRate: 0.02,
  foreignLinkRate: 0.02,
  tokenIdTokenRate: 0.2,
  tokenTypeRate: 0.2,
  noRefreshTokenRate: 0.2,
  tokenHugeBodyRate: 0.1,
});

const RATE_KEYS = [
  'rate429',
  'rate5xx',
  'malformedRate',
  'resetRate',
  'tokenRate5xx',
  'refreshLostRate',
  'hugeBodyRate',
  'gzipBombRate',
  'badGzipRate',
  'selfLinkRate',
  'foreignLinkRate',
  'tokenIdTokenRate',
  'tokenTypeRate',
  'exchangeTokenTypeRate',
  'noRefreshTokenRate',
  'tokenHugeBodyRate',
] as const;

/**
 * Validates a fault configuration given as JSON. Missing keys take their "off" value, so `{}`
 * turns every fault off. Throws an Error with a readable message on bad input.
 */
export function parseFaults(input: unknown): FaultConfig {
  if (input === 'hostile') return { ...HOSTILE_FAULTS };
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new Error('faults must be a JSON object, e.g. {"rate429":0.1,"retryAfterSeconds":1}');
  }
  const known = new Set<string>(Object.keys(NO_FAULTS));
  const out: FaultConfig = { ...NO_FAULTS };
  for (const [key, value] of Object.entries(input)) {
    if (!known.has(key)) throw new Error(`unknown fault "${key}"; known: ${[...known].join(', ')}`);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`fault "${key}" must be a number`);
    }
    if ((RATE_KEYS as readonly string[]).includes(key)) {
      if (value < 0 || value > 1) throw new Error(`fault "${key}" is a probability between 0 and 1`);
    } else if (value < 0) {
      throw new Error(`fault "${key}" must not be negative`);
    }
    (out as unknown as Record<string, number>)[key] = value;
  }
  out.retryAfterSeconds = Math.max(0, Math.round(out.retryAfterSeconds));
  return out;
}

export function parseFaultsJson(text: string): FaultConfig {
  if (text.trim() === 'hostile') return { ...HOSTILE_FAULTS };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    throw new Error(`--faults is not valid JSON: ${text}`);
  }
  return parseFaults(parsed);
}

/** DRF's throttled message for a wait of `seconds`. */
export function throttledDetail(seconds: number): string {
  return `Request was throttled. Expected available in ${seconds} second${seconds === 1 ? '' : 's'}.`;
}
