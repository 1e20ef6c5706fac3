/**
 * makeGetText, the client FHIR pages are fetched with, against a real local HTTP server.
 */
import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isTimeout, makeGetText, type Bb2Endpoint } from '../../src/bluebutton/http.ts';

const BODY = JSON.stringify({
  resourceType: 'Bundle',
  entry: [{ resource: { id: 'é-ü-∑', text: 'x'.repeat(200_000) } }],
});

/** Over the 8 MB most one inflate chunk takes: inflated in several. */
const BIG_BODY = JSON.stringify({
  resourceType: 'Bundle',
  entry: [{ resource: { text: 'y'.repeat(9_000_000) } }],
});

/** gzip with its trailer's size field (ISIZE, the last 4 bytes) set to `size`. */
function gzipStating(body: string, size: number): Buffer {
  const gz = gzipSync(body);
  gz.writeUInt32LE(size, gz.length - 4);
  return gz;
}

let server: http.Server;
let base: string;
const seenHeaders: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seenHeaders.push(req.headers);
    const path = req.url ?? '';
    if (path.startsWith('/gzip')) {
      res.writeHead(200, { 'content-type': 'application/fhir+json', 'content-encoding': 'gzip' });
      res.end(gzipSync(BODY));
    } else if (path.startsWith('/plain')) {
      res.writeHead(429, { 'retry-after': '7' });
      res.end(BODY);
    } else if (path.startsWith('/slow')) {
      setTimeout(() => res.end('late'), 2_000).unref();
    } else if (path.startsWith('/cut')) {
      res.writeHead(200, { 'content-length': String(BODY.length) });
      res.write(BODY.slice(0, 1000));
      setTimeout(() => res.destroy(), 20);
    } else if (path.startsWith('/big-gzip')) {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(gzipSync(BIG_BODY));
    } else if (path.startsWith('/isize/')) {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(gzipStating(BODY, Number(path.slice('/isize/'.length))));
    } else if (path.startsWith('/bad-gzip')) {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end('this is not gzip');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('makeGetText', () => {
  it('asks for gzip, inflates the body, and reports each response to the hooks', async () => {
    const seen: [Bb2Endpoint, number][] = [];
    let before = 0;
    const get = makeGetText({
      timeoutMs: 5_000,
      beforeRequest: async () => void before++,
      onResponse: (endpoint, status) => seen.push([endpoint, status]),
    });
    const response = await get(`${base}/gzip/v2/fhir/ExplanationOfBenefit/?_count=50`, {
      authorization: 'Bearer t',
    });
    expect(response.status).toBe(200);
    expect(response.text).toBe(BODY);
    // Bytes, not characters: BODY holds characters UTF-8 writes in two and three bytes.
    expect(response.bytes).toBe(Buffer.byteLength(BODY));
    expect(response.bytes).toBeGreaterThan(BODY.length);
    // Inflated into memory of its own size (the trailer's), not into a fixed larger chunk.
    expect(response.body.buffer.byteLength).toBeLessThanOrEqual(response.bytes + 1);
    expect(seenHeaders.at(-1)).toMatchObject({ 'accept-encoding': 'gzip', authorization: 'Bearer t' });
    expect(before).toBe(1);
    expect(seen).toEqual([['ExplanationOfBenefit', 200]]);
  });

  it('answers an error status with its headers and body rather than rejecting', async () => {
    const response = await makeGetText({ timeoutMs: 5_000 })(`${base}/plain`, {});
    expect(response.status).toBe(429);
    expect(response.header('retry-after')).toBe('7');
    expect(response.text).toBe(BODY);
    expect(response.bytes).toBe(Buffer.byteLength(BODY));
  });

  it('inflates a body larger than one output chunk whole', async () => {
    const response = await makeGetText({ timeoutMs: 5_000 })(`${base}/big-gzip`, {});
    expect(response.text).toBe(BIG_BODY);
  });

  it('rejects a gzip body whose trailer misstates its size as broken, whatever size it states', async () => {
    const get = makeGetText({ timeoutMs: 5_000 });
    for (const size of [0, 1, 0xffffffff]) {
      const err = await get(`${base}/isize/${size}`, {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/broken gzip body/);
    }
  });

  it('rejects with a timeout error when no response comes in time', async () => {
    const statuses: number[] = [];
    const get = makeGetText({ timeoutMs: 200, onResponse: (_e, status) => statuses.push(status) });
    const err = await get(`${base}/slow`, {}).catch((e: unknown) => e);
    expect(isTimeout(err)).toBe(true);
    expect(statuses).toEqual([0]);
  });

  it('rejects, not a timeout, when the connection drops mid-body or the gzip is corrupt', async () => {
    const get = makeGetText({ timeoutMs: 5_000 });
    for (const path of ['/cut', '/bad-gzip']) {
      const err = await get(`${base}${path}`, {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(isTimeout(err)).toBe(false);
    }
  });

  it('leaves nothing on a long-lived stop signal once each request is over', async () => {
    // As the worker's shutdown signal: one for the process, under every request it makes.
    const shutdown = new AbortController();
    const get = makeGetText({ timeoutMs: 5_000, signal: shutdown.signal });
    const caller = new AbortController();
    for (let i = 0; i < 50; i++) {
      const response = await get(`${base}/gzip/v2/fhir/Patient/`, {}, i % 2 ? caller.signal : undefined);
      expect(response.status).toBe(200);
    }
    for (const signal of [shutdown.signal, caller.signal]) {
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
      // Node keeps the signals AbortSignal.any made from this one in a set of its own (internal):
      // one entry per request, for good, when requests were linked to it that way.
      const dependants = Object.getOwnPropertySymbols(signal).find(
        (k) => k.description === 'kDependantSignals',
      );
      const set = dependants && (signal as unknown as Record<symbol, Set<unknown> | undefined>)[dependants];
      expect(set?.size ?? 0).toBe(0);
    }
  });

  it('stops a request in flight when its stop signal fires, with that reason and not as a timeout', async () => {
    const shutdown = new AbortController();
    const statuses: number[] = [];
    const get = makeGetText({
      timeoutMs: 5_000,
      signal: shutdown.signal,
      onResponse: (_e, status) => statuses.push(status),
    });
    const pending = get(`${base}/slow`, {}).catch((e: unknown) => e);
    setTimeout(() => shutdown.abort(new Error('worker shutting down')), 50);
    const err = await pending;
    expect(err).toBeInstanceOf(Error);
    expect(isTimeout(err)).toBe(false);
    expect(err).toMatchObject({ name: 'AbortError', cause: { message: 'worker shutting down' } });
    expect(statuses).toEqual([0]);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });

  it('hands the rate-limit hook a signal that stops its wait when the stop signal fires, before any timeout runs', async () => {
    const shutdown = new AbortController();
    let requested = 0;
    const get = makeGetText({
      timeoutMs: 50,
      signal: shutdown.signal,
      // As the shared limiter waiting for a turn: only the signal ends the wait.
      beforeRequest: (signal) =>
        new Promise<void>((_resolve, reject) => {
          signal!.addEventListener('abort', () => reject(signal!.reason as Error), { once: true });
        }),
      onResponse: () => void requested++,
    });
    const pending = get(`${base}/gzip`, {}).catch((e: unknown) => e);
    // Longer than the timeout: the request's time starts once the hook lets it go.
    await new Promise((r) => setTimeout(r, 150));
    shutdown.abort(new Error('worker shutting down'));
    const err = await pending;
    expect((err as Error).message).toBe('worker shutting down');
    expect(requested).toBe(0);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });
});
