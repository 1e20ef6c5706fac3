/**
 * How this project makes HTTP requests to BB2: a timeout on every request, a hook before each
 * (the global rate limit) and after each (request counts for operators). Request and response
 * bodies and headers are never logged: they carry tokens and PHI.
 *
 * Two clients with the same settings: `makeFetch` (standard fetch, for OAuth and forms) and
 * `makeGetText` (GETs of FHIR pages, the hot path of every sync).
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { gunzip } from 'node:zlib';

import { Bb2Error } from '../errors.ts';

export type Bb2Endpoint = 'token' | 'revoke' | 'Patient' | 'Coverage' | 'ExplanationOfBenefit' | 'other';

export interface HttpHooks {
  /** Awaited before every request: the deployment-wide request rate limit. Rejects to refuse it. */
  beforeRequest?: (signal?: AbortSignal) => Promise<void>;
  /** Called after every request with its status (0 when no response arrived). */
  onResponse?: (endpoint: Bb2Endpoint, status: number, ms: number) => void;
  /**
   * Called with BB2's rate-limit headers when a response carries numeric ones (`X-RateLimit-Limit`,
   * `-Remaining`, `-Reset` in seconds; BB2 sends `None` where no throttle ran): lets the shared
   * limiter slow every worker before BB2 answers 429.
   */
  onRateLimit?: (announced: RateLimitAnnounced) => void;
}

export interface RateLimitAnnounced {
  limit: number;
  remaining: number;
  resetMs: number;
}

/** BB2's X-RateLimit-* headers of a response, when all three are numbers. */
export function rateLimitOf(
  read: (name: string) => string | null | undefined,
): RateLimitAnnounced | undefined {
  const num = (name: string): number => {
    const text = read(name);
    return text === null || text === undefined || text.trim() === '' ? NaN : Number(text);
  };
  const limit = num('x-ratelimit-limit');
  const remaining = num('x-ratelimit-remaining');
  const reset = num('x-ratelimit-reset');
  if (![limit, remaining, reset].every((n) => Number.isFinite(n) && n >= 0)) return undefined;
  return { limit, remaining, resetMs: Math.ceil(reset * 1000) };
}

export interface HttpSettings extends HttpHooks {
  timeoutMs: number;
  /**
   * The most bytes a response body may have, counted on the wire and again after inflating
   * (BB2_MAX_RESPONSE_BYTES): a bigger body is refused as `malformed_response`, never buffered.
   */
  maxResponseBytes?: number;
  /** Aborts requests in flight, e.g. on worker shutdown. */
  signal?: AbortSignal;
}

/** Far above BB2's largest real page (50 EOBs of a few KB to tens of KB each). */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** A body BB2 sent that cannot be used: over the size cap, a broken gzip stream, undecodable. */
export class MalformedResponseError extends Bb2Error {
  constructor(message: string, status?: number) {
    super(message, 'malformed_response', status);
  }
}

function tooLarge(url: string, cap: number, what: string, status?: number): MalformedResponseError {
  return new MalformedResponseError(
    `BB2's answer on ${new URL(url).pathname} is larger than BB2_MAX_RESPONSE_BYTES (${cap} bytes ${what}); refused`,
    status,
  );
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
  const cap = settings.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return underSettings(settings, url, init?.signal ?? undefined, async (signal) =>
      bufferedUnderCap(await fetch(input, { ...init, signal }), url, cap),
    );
  };
}

/**
 * The response with its whole body read, refused when it is (or inflates to) more than `cap`
 * bytes. fetch inflates gzip as a stream, so counting what it yields bounds memory as it goes.
 */
async function bufferedUnderCap(response: Response, url: string, cap: number): Promise<Response> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > cap) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge(url, cap, 'declared', response.status);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  while (reader) {
    let step: Awaited<ReturnType<typeof reader.read>>;
    try {
      step = await reader.read();
    } catch (err) {
      if (isDecodingError(err)) {
        throw new MalformedResponseError(
          `BB2's answer on ${new URL(url).pathname} could not be decoded (${describeNetworkError(err)})`,
          response.status,
        );
      }
      throw err;
    }
    if (step.done) break;
    total += step.value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => {});
      throw tooLarge(url, cap, 'inflated', response.status);
    }
    chunks.push(step.value);
  }
  const headers = new Headers(response.headers);
  headers.delete('content-encoding');
  headers.delete('content-length');
  const bodiless = [101, 204, 205, 304].includes(response.status);
  return new Response(bodiless ? null : Buffer.concat(chunks), {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

/** A zlib failure (bad gzip), as opposed to a connection that broke. */
function isDecodingError(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) return true;
    if (e.name === 'ZlibError') return true;
  }
  return false;
}

/** How to read a response's headers, for fetch's Response and for TextResponse alike. */
function headerReader(response: object): ((name: string) => string | null | undefined) | undefined {
  if ('headers' in response && response.headers instanceof Headers) {
    const headers = response.headers;
    return (name) => headers.get(name);
  }
  if ('header' in response && typeof response.header === 'function') {
    const header = response.header as (name: string) => string | undefined;
    return (name) => header.call(response, name);
  }
  return undefined;
}

/**
 * One request under the settings: the rate-limit hook first, then `send` with a signal that
 * aborts on the timeout or on shutdown, then its status reported (0 when no response came).
 */
async function underSettings<R extends { status: number }>(
  settings: HttpSettings,
  url: string,
  callerSignal: AbortSignal | undefined,
  send: (signal: AbortSignal, timedOut: () => boolean) => Promise<R>,
): Promise<R> {
  const request = new RequestSignal(settings.signal, callerSignal);
  try {
    await settings.beforeRequest?.(request.signal);
    request.startTimeout(settings.timeoutMs);
    const started = performance.now();
    try {
      const response = await send(request.signal, request.timedOut);
      settings.onResponse?.(endpointOf(url), response.status, performance.now() - started);
      if (settings.onRateLimit) {
        const read = headerReader(response);
        const announced = read ? rateLimitOf(read) : undefined;
        if (announced) settings.onRateLimit(announced);
      }
      return response;
    } catch (err) {
      settings.onResponse?.(endpointOf(url), 0, performance.now() - started);
      throw err;
    }
  } finally {
    request.release();
  }
}

/**
 * One request's abort signal: it aborts when the worker shuts down or the caller gives up (the
 * stop signals, with their reason), or once the request's time is up (a `TimeoutError`, as
 * `AbortSignal.timeout` gives). `release` unlinks it from the stop signals and clears its timer
 * when the request is over.
 *
 * Not `AbortSignal.any`: on Node 20 (and 22–24, nodejs/node#55351, #64476) each signal it makes
 * from a long-lived one stays in that one's set of dependants for good, so the worker's shutdown
 * signal gained an entry with every request and the worker's heap grew with every page it
 * fetched (300,000 requests: 300,000 entries, about 19 MB that no collection frees). An
 * AbortSignal.timeout also kept its timer for the whole timeout after the request was over.
 */
class RequestSignal {
  readonly #controller = new AbortController();
  readonly #stops: AbortSignal[] = [];
  readonly #onStop = (event: Event): void => {
    this.#controller.abort((event.target as AbortSignal).reason);
  };
  #timer: NodeJS.Timeout | undefined;
  #timedOut = false;

  constructor(...stops: (AbortSignal | undefined)[]) {
    for (const stop of stops) {
      if (!stop) continue;
      if (stop.aborted) {
        this.#controller.abort(stop.reason);
        break;
      }
      stop.addEventListener('abort', this.#onStop, { once: true });
      this.#stops.push(stop);
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Whether the request was stopped by its timeout (not by a stop signal). */
  readonly timedOut = (): boolean => this.#timedOut;

  startTimeout(ms: number): void {
    if (this.#controller.signal.aborted) return;
    this.#timer = setTimeout(() => {
      this.#timedOut = true;
      this.#controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
    }, ms);
    // As AbortSignal.timeout's: a pending timeout does not keep the process alive.
    this.#timer.unref();
  }

  release(): void {
    clearTimeout(this.#timer);
    for (const stop of this.#stops) stop.removeEventListener('abort', this.#onStop);
    this.#stops.length = 0;
  }
}

export interface TextResponse {
  status: number;
  /** A response header (lower-case name), or undefined. */
  header(name: string): string | undefined;
  /**
   * The body (decompressed), in memory of its own (no other value views it), so a caller may move
   * it to another thread instead of decoding it here.
   */
  body: Uint8Array<ArrayBuffer>;
  /** The body as UTF-8 text, decoded when first asked for. */
  readonly text: string;
  /** The body's length in bytes (decompressed): what `text` was decoded from. */
  bytes: number;
}

/** Bytes as UTF-8 text, malformed sequences as U+FFFD (never an error). */
export function utf8Text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * A response whose text is decoded only when asked for: a page's body goes to a page-reading
 * thread as bytes, and decoding it on the main thread (and copying the text across) cost that
 * thread as much as the decoding (docs/performance.md, "The page's bytes to the page thread").
 */
class BodyResponse implements TextResponse {
  #text: string | undefined;

  constructor(
    readonly status: number,
    readonly header: (name: string) => string | undefined,
    readonly body: Uint8Array<ArrayBuffer>,
  ) {}

  get bytes(): number {
    return this.body.byteLength;
  }

  get text(): string {
    return (this.#text ??= utf8Text(this.body));
  }
}

/**
 * A response header's value (several joined as one). The response's reader binds this function
 * rather than making a closure per request: a closure's optimized code is compiled again after
 * each full garbage collection (docs/performance.md, "Closures compiled again").
 */
function headerIn(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * A GET that answers with the whole body as text. Rejects when no complete response came, or with
 * MalformedResponseError when the body is over the cap or cannot be decoded. `signal` aborts it.
 */
export type GetText = (
  url: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
) => Promise<TextResponse>;

/**
 * GETs with Node's http client, asking for gzip (as BB2 recommends) and inflating each body in
 * one call on libuv's thread pool. fetch inflates a body as a stream of small chunks on the main
 * thread, through web streams: for FHIR pages of several hundred KB that costs the worker's main
 * thread, the one a sync waits on, a large share of its time per EOB (docs/performance.md#figures-behind-the-code).
 */
export function makeGetText(settings: HttpSettings): GetText {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, scheduling: 'lifo' }),
    'https:': new https.Agent({ keepAlive: true, scheduling: 'lifo' }),
  };
  const cap = settings.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  return (url, headers, callerSignal) =>
    underSettings(settings, url, callerSignal, async (signal, timedOut) => {
      try {
        return await requestText(new URL(url), headers, signal, agents, cap);
      } catch (err) {
        // The same error shape fetch gives on its timeout, so isTimeout() recognizes both.
        if (timedOut()) throw new Error('request timed out', { cause: signal.reason });
        throw err;
      }
    });
}

/**
 * zlib's output chunk for a gzip body: the size its trailer states (ISIZE, the inflated length
 * modulo 2^32) plus one, so a page inflates into one buffer of its own size, which then moves to
 * the page thread whole. A fixed 1 MB chunk made every response, however small, allocate 1 MB
 * outside V8's heap, which V8 counts toward its next full collection of the main thread's heap
 * (docs/performance.md, "The page's bytes to the page thread"). The trailer is the sender's word,
 * so it only sizes the first chunk, within bounds: zlib checks it at the end (a wrong one is a
 * broken body), and the cap still bounds what is inflated.
 */
function gunzipChunk(gzip: Buffer): number {
  const stated = gzip.length >= 18 ? gzip.readUInt32LE(gzip.length - 4) : 0;
  // Deflate inflates at most about 1032 to 1: a larger claim is a lie.
  return Math.max(16 * 1024, Math.min(stated + 1, gzip.length * 1032, 8 * 1024 * 1024));
}

function requestText(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  agents: { 'http:': http.Agent; 'https:': https.Agent },
  cap: number,
): Promise<TextResponse> {
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!client) return Promise.reject(new Error(`unsupported protocol ${url.protocol}`));
  return new Promise<TextResponse>((resolve, reject) => {
    const request = client.get(
      url,
      { headers: { ...headers, 'accept-encoding': 'gzip' }, agent: agents[url.protocol as 'http:'], signal },
      (response) => {
        const status = response.statusCode ?? 0;
        // Refused bodies are not read on: the connection is dropped instead of drained.
        const refuse = (err: Error) => {
          reject(err);
          request.destroy();
        };
        if (Number(response.headers['content-length'] ?? 0) > cap) {
          return refuse(tooLarge(url.href, cap, 'declared', status));
        }
        const chunks: Buffer[] = [];
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > cap) return refuse(tooLarge(url.href, cap, 'on the wire', status));
          chunks.push(chunk);
        });
        response.on('error', reject);
        response.on('aborted', () => reject(new Error('the connection closed before the body ended')));
        response.on('end', () => {
          if (!response.complete || received > cap) return; // already rejected
          const done = (body: Buffer) =>
            resolve(new BodyResponse(status, headerIn.bind(undefined, response.headers), inOwnMemory(body)));
          const body = Buffer.concat(chunks);
          const encoding = response.headers['content-encoding']?.trim().toLowerCase();
          if (!encoding || encoding === 'identity') return done(body);
          if (encoding !== 'gzip' && encoding !== 'x-gzip') {
            return reject(new MalformedResponseError(`unexpected content-encoding ${encoding}`, status));
          }
          // One output chunk the page's size (gunzipChunk): zlib calls back into JS once per
          // chunk (16 KB by default). The output cap stops a gzip bomb inside zlib, before it is
          // allocated.
          gunzip(body, { chunkSize: gunzipChunk(body), maxOutputLength: cap }, (err, inflated) => {
            if (!err) return done(inflated);
            if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
              return reject(tooLarge(url.href, cap, 'inflated', status));
            }
            reject(
              new MalformedResponseError(
                `BB2 sent a broken gzip body on ${url.pathname} (${err.message})`,
                status,
              ),
            );
          });
        });
      },
    );
    request.on('error', reject);
  });
}

/**
 * A response body in memory no other value shares, so its memory can move to another thread.
 * Node hands out small buffers (under half its pool size, 4 KB) as slices of one shared pool:
 * small bodies are copied. A larger one is either a `Buffer.concat` of its own or, inflated,
 * zlib's one output slice of a chunk buffer whose stream has ended: no one else holds it.
 */
export function inOwnMemory(body: Uint8Array): Uint8Array<ArrayBuffer> {
  const large = body.byteLength >= 64 * 1024 && body.buffer instanceof ArrayBuffer;
  return large ? (body as Uint8Array<ArrayBuffer>) : new Uint8Array(body);
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
