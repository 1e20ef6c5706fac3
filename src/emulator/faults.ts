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
});

const RATE_KEYS = [
  'rate429',
  'rate5xx',
  'malformedRate',
  'resetRate',
  'tokenRate5xx',
  'refreshLostRate',
] as const;

/**
 * Validates a fault configuration given as JSON. Missing keys take their "off" value, so `{}`
 * turns every fault off. Throws an Error with a readable message on bad input.
 */
export function parseFaults(input: unknown): FaultConfig {
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
