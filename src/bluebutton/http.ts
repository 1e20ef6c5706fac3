/**
 * The one way this project makes HTTP requests to BB2: a timeout on every request, a hook before
 * each (the global rate limit) and after each (request counts for operators). Request and
 * response bodies and headers are never logged: they carry tokens and PHI.
 */

export type Bb2Endpoint = 'token' | 'revoke' | 'Patient' | 'Coverage' | 'ExplanationOfBenefit' | 'other';

export interface HttpHooks {
  /** Awaited before every request: the deployment-wide request rate limit. */
  beforeRequest?: () => Promise<void>;
  /** Called after every request with its status (0 when no response arrived). */
  onResponse?: (endpoint: Bb2Endpoint, status: number, ms: number) => void;
}

export interface HttpSettings extends HttpHooks {
  timeoutMs: number;
  /** Aborts requests in flight, e.g. on worker shutdown. */
  signal?: AbortSignal;
}

export function endpointOf(url: string): Bb2Endpoint {
  const path = new URL(url).pathname;
  if (/\/o\/token\/?$/.test(path)) return 'token';
  if (/\/o\/revoke(_token)?\/?$/.test(path)) return 'revoke';
  const m = /\/fhir\/(Patient|Coverage|ExplanationOfBenefit)\b/.exec(path);
  return (m?.[1] as Bb2Endpoint | undefined) ?? 'other';
}

/** A fetch with the project's timeout, hooks and abort signal applied. */
export function makeFetch(settings: HttpSettings): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    await settings.beforeRequest?.();
    const signals = [AbortSignal.timeout(settings.timeoutMs)];
    if (settings.signal) signals.push(settings.signal);
    if (init?.signal) signals.push(init.signal);
    const started = performance.now();
    try {
      const response = await fetch(input, { ...init, signal: AbortSignal.any(signals) });
      settings.onResponse?.(endpointOf(url), response.status, performance.now() - started);
      return response;
    } catch (err) {
      settings.onResponse?.(endpointOf(url), 0, performance.now() - started);
      throw err;
    }
  };
}

/** True for the errors fetch throws when the timeout signal fired. */
export function isTimeout(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === 'TimeoutError' || (err.cause instanceof Error && err.cause.name === 'TimeoutError'))
  );
}

/** A short, token-free description of a network failure. */
export function describeNetworkError(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = (cause as { code?: unknown })?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return typeof code === 'string' ? `${code}: ${message}` : message;
}
