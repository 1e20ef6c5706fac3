/**
 * A page-reading thread (page-threads.ts starts it): parses and normalizes the pages it is sent
 * and encodes their COPY rows, so the worker's main thread only fetches and writes.
 */
import { parentPort } from 'node:worker_threads';

import type { EncoderWorkspace } from '../db/copy-rows.ts';
import { BbsyncError } from '../errors.ts';
import { readAndEncodePage } from './page-work.ts';
import type { BufferReturn, PageReply, PageRequest } from './page-threads.ts';

function errorReply(id: number, err: unknown): PageReply {
  if (err instanceof BbsyncError) {
    const status = (err as { status?: number }).status;
    return { id, error: { message: err.message, category: err.category, status } };
  }
  return { id, error: { message: err instanceof Error ? err.message : String(err) } };
}

/**
 * Pages are encoded into buffers the main thread gives back once it has written them
 * (db/copy-rows.ts `EncoderWorkspace`).
 */
const returned: ArrayBuffer[] = [];
const workspace: EncoderWorkspace = { returned };
/** More returned buffers than pages in flight are dropped (each is about a page's size). */
const MAX_RETURNED = 8;

parentPort!.on('message', (message: PageRequest | BufferReturn) => {
  if ('returned' in message) {
    if (returned.length < MAX_RETURNED) returned.push(message.returned);
    return;
  }
  const { id, body, ctx } = message;
  try {
    const { page, buffer } = readAndEncodePage(body, ctx, workspace);
    // The encoded rows all view one buffer, moved to the main thread rather than copied.
    parentPort!.postMessage({ id, page, buffer } satisfies PageReply, [buffer]);
  } catch (err) {
    parentPort!.postMessage(errorReply(id, err));
  }
});
