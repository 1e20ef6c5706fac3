/**
 * Reading pages on other threads (SYNC_PARSE_THREADS): `readPage` (parse, find each resource's
 * text and hash it, normalize) and the encoding of the claim tables' COPY rows run on worker
 * threads, while the worker's main thread fetches, writes to Postgres and talks to Redis. With
 * none, pages are read on the main thread as before.
 *
 * A page goes to the thread as the bytes BB2 sent, its memory moved rather than copied, and is read
 * there entry by entry: decoding it here and copying the text across cost the main thread about
 * as much as decoding, and the page's text in one string costs a fresh large allocation
 * (docs/performance.md, "The page's bytes to the page thread"). The page's rows come back as COPY
 * bytes in one buffer, moved too; once the page is written, `release` moves that buffer back for
 * the thread's next page.
 *
 * A page goes to the thread with the fewest pages waiting. A page whose text is not a FHIR Bundle
 * fails with the same Bb2Error (category and status) it would fail with on the main thread. A
 * thread that dies fails its pages and is replaced at the next page.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import { Bb2Error, type ErrorCategory } from '../errors.ts';
import { inOwnMemory } from '../bluebutton/http.ts';
import { readPage, type NormalizedPage, type PageContext } from '../fhir/page.ts';

export interface PageRequest {
  id: number;
  body: Uint8Array<ArrayBuffer>;
  ctx: PageContext;
}

/** Gives a thread back the buffer of a page written (see PageReader.release). */
export interface BufferReturn {
  returned: ArrayBuffer;
}

export type PageReply =
  | { id: number; page: NormalizedPage; buffer: ArrayBuffer; error?: undefined }
  | { id: number; error: { message: string; category?: ErrorCategory; status?: number | undefined } };

export interface PageReader {
  /** Reads a page's body; its memory moves to the reading thread (`body` is left empty). */
  read(body: Uint8Array, ctx: PageContext): Promise<NormalizedPage>;
  /**
   * Says a page's rows are committed: the buffer its encoded rows view goes back
   * to the thread that made them, for its next page, and those views are empty from then on. A
   * page's encoded rows came in new memory of this thread's, which V8 frees only at a full
   * collection; given back, they cost this thread none (docs/performance.md, "Encoding buffers go
   * back to the page thread").
   */
  release(page: NormalizedPage): void;
  close(): Promise<void>;
}

/** Reads pages on the calling thread. */
export const mainThreadReader: PageReader = {
  read: async (body, ctx) => readPage(body, ctx),
  release: () => {},
  close: async () => {},
};

interface Waiting {
  resolve: (page: NormalizedPage) => void;
  reject: (err: Error) => void;
}

/**
 * The thread's young generation, smaller than V8's default: it keeps the worker's peak RSS within
 * its target at no CPU cost, where a smaller one costs the thread CPU in scavenges
 * (docs/performance.md#figures-behind-the-code).
 */
const THREAD_YOUNG_GENERATION_MB = 16;

/** A worker thread running page-thread.ts, from the compiled build or (in development) through tsx. */
function startThread(): Worker {
  const here = import.meta.url;
  const opts = { resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB } };
  if (here.endsWith('.js')) return new Worker(new URL('./page-thread.js', here), opts);
  // The sources: register tsx's loader in the thread before importing the TypeScript entry.
  const tsx = tsxEsmApi(here);
  const entry = new URL('./page-thread.ts', here).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, ...opts });
}

/** The URL of tsx's ESM `register` API (the package's `./esm/api` import export). */
function tsxEsmApi(from: string): string {
  const pkg = createRequire(from).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(pkg, 'utf8')) as { exports: Record<string, unknown> }).exports;
  const api = exports['./esm/api'] as { import: { default: string } };
  return new URL(api.import.default, pathToFileURL(pkg)).href;
}

/** The buffers a thread handed over with its pages, and the thread, until the pages are released. */
const handedOver = new WeakMap<NormalizedPage, { thread: PageThread; buffer: ArrayBuffer }>();

class PageThread {
  readonly worker: Worker;
  readonly waiting = new Map<number, Waiting>();
  dead = false;

  constructor() {
    this.worker = startThread();
    this.worker.unref(); // an idle thread never keeps the process alive
    this.worker.on('message', (reply: PageReply) => this.settle(reply));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`page-reading thread exited (code ${code})`)));
  }

  private settle(reply: PageReply): void {
    const waiting = this.waiting.get(reply.id);
    this.waiting.delete(reply.id);
    if (!waiting) return;
    if (reply.error === undefined) {
      handedOver.set(reply.page, { thread: this, buffer: reply.buffer });
      waiting.resolve(reply.page);
    } else if (reply.error.category)
      waiting.reject(new Bb2Error(reply.error.message, reply.error.category, reply.error.status));
    else waiting.reject(new Error(reply.error.message));
  }

  private fail(err: Error): void {
    this.dead = true;
    for (const waiting of this.waiting.values()) waiting.reject(err);
    this.waiting.clear();
  }
}

/** A reader with `threads` worker threads (0: the main thread's reader). */
export function createPageReader(threads: number): PageReader {
  if (threads < 1) return mainThreadReader;
  const pool: PageThread[] = [];
  let nextId = 0;
  let closed = false;
  const pick = (): PageThread => {
    for (let i = 0; i < pool.length; i++) if (pool[i]!.dead) pool[i] = new PageThread();
    while (pool.length < threads) pool.push(new PageThread());
    return pool.reduce((a, b) => (b.waiting.size < a.waiting.size ? b : a));
  };
  return {
    read(body, ctx) {
      if (closed) return Promise.reject(new Error('the page reader is closed'));
      const thread = pick();
      const id = nextId++;
      return new Promise<NormalizedPage>((resolve, reject) => {
        thread.waiting.set(id, { resolve, reject });
        if (thread.waiting.size === 1) thread.worker.ref();
        // A small body may view Node's shared buffer pool: moving that would empty other buffers.
        const own = inOwnMemory(body);
        thread.worker.postMessage({ id, body: own, ctx } satisfies PageRequest, [own.buffer]);
      }).finally(() => {
        if (thread.waiting.size === 0) thread.worker.unref();
      });
    },
    release(page) {
      const owner = handedOver.get(page);
      if (!owner) return;
      handedOver.delete(page);
      if (closed || owner.thread.dead) return;
      owner.thread.worker.postMessage({ returned: owner.buffer } satisfies BufferReturn, [owner.buffer]);
    },
    async close() {
      closed = true;
      await Promise.all(pool.map((t) => t.worker.terminate()));
    },
  };
}
