/**
 * How this project makes HTTP requests to BB2: a timeout on every request, a hook before each
 * (the global rate limit) and after each (request counts for operators). Request and response
 * bodies and headers are never logged: they carry tokens and PHI.
 *
 * Two clients with the same settings: `makeFetch` (standard fetch, for OAuth and forms) and
 * `makeGetText` (GETs of FHIR pages, the hot path of every sync).
 */
import http from 'node:http';
import https from 'node:https';
import { gunzip } from 'node:zlib';

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
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return underSettings(settings, url, init?.signal ?? undefined, (signal) =>
      fetch(input, { ...init, signal }),
    );
  };
}

/**
 * One request under the settings: the rate-limit hook first, then `send` with a signal that
 * aborts on the timeout or on shutdown, then its status reported (0 when no response came).
 */
async function underSettings<R extends { status: number }>(
  settings: HttpSettings,
  url: string,
  callerSignal: AbortSignal | undefined,
  send: (signal: AbortSignal, timeout: AbortSignal) => Promise<R>,
): Promise<R> {
  await settings.beforeRequest?.();
  const timeout = AbortSignal.timeout(settings.timeoutMs);
  const signals = [timeout, settings.signal, callerSignal].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length === 1 ? timeout : AbortSignal.any(signals);
  const started = performance.now();
  try {
    const response = await send(signal, timeout);
    settings.onResponse?.(endpointOf(url), response.status, performance.now() - started);
    return response;
  } catch (err) {
    settings.onResponse?.(endpointOf(url), 0, performance.now() - started);
    throw err;
  }
}

export interface TextResponse {
  status: number;
  /** A response header (lower-case name), or undefined. */
  header(name: string): string | undefined;
  /** The body as text (decompressed). */
  text: string;
}

/** A GET that answers with the whole body as text. Rejects only when no complete response came. */
export type GetText = (url: string, headers: Record<string, string>) => Promise<TextResponse>;

/**
 * GETs with Node's http client, asking for gzip (as BB2 recommends) and inflating each body in
 * one call on libuv's thread pool. fetch inflates a body as a stream of small chunks on the main
 * thread, through web streams: for FHIR pages of several hundred KB that cost ~100 µs of the
 * worker's main thread per EOB (measured by `npm run bench`), which is the thread a sync waits on.
 */
export function makeGetText(settings: HttpSettings): GetText {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo' }),
    'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo' }),
  };
  return (url, headers) =>
    underSettings(settings, url, undefined, async (signal, timeout) => {
      try {
        return await requestText(new URL(url), headers, signal, agents);
      } catch (err) {
        // The same error shape fetch gives on its timeout, so isTimeout() recognizes both.
        if (timeout.aborted) throw new Error('request timed out', { cause: timeout.reason });
        throw err;
      }
    });
}

const GUNZIP_CHUNK = 1 << 20;

function requestText(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  agents: { 'http:': http.Agent; 'https:': https.Agent },
): Promise<TextResponse> {
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) return Promise.reject(new Error(`unsupported protocol ${url.protocol}`));
  return new Promise<TextResponse>((resolve, reject) => {
    const request = client.get(
      url,
      { headers: { ...headers, 'accept-encoding': 'gzip' }, agent: agents[url.protocol as 'http:'], signal },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('aborted', () => reject(new Error('the connection closed before the body ended')));
        response.on('end', () => {
          if (!response.complete) return; // 'aborted' has rejected
          const body = Buffer.concat(chunks);
          const done = (text: string) =>
            resolve({
              status: response.statusCode ?? 0,
              header: (name) => {
                const value = response.headers[name];
                return Array.isArray(value) ? value.join(', ') : value;
              },
              text,
            });
          const encoding = response.headers['content-encoding']?.trim().toLowerCase();
          if (!encoding || encoding === 'identity') return done(body.toString('utf8'));
          if (encoding !== 'gzip' && encoding !== 'x-gzip')
            return reject(new Error(`unexpected content-encoding ${encoding}`));
          // Big output chunks: zlib calls back into JS once per chunk (16 KB by default).
          gunzip(body, { chunkSize: GUNZIP_CHUNK }, (err, inflated) =>
            err ? reject(err) : done(inflated.toString('utf8')),
          );
        });
      },
    );
    request.on('error', reject);
  });
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
