/**
 * A page-reading thread (page-threads.ts starts it): parses and normalizes the pages it is sent
 * and encodes their COPY rows, so the worker's main thread only fetches and writes.
 */
import { parentPort } from 'node:worker_threads';

import type { EncoderWorkspace } from '../db/copy-rows.ts';
import { BbsyncError } from '../errors.ts';
import type { PageContext } from '../fhir/page.ts';
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
 * (db/copy-rows.ts `EncoderWorkspace`). `buffer` is unused then.
 */
const workspace: EncoderWorkspace = { buffer: Buffer.alloc(0), returned: [] };
/** More returned buffers than pages in flight are dropped (each is about a page's size). */
const MAX_RETURNED = 8;

parentPort!.on('message', (message: PageRequest | BufferReturn) => {
  if ('returned' in message) {
    if (workspace.returned!.length < MAX_RETURNED) workspace.returned!.push(message.returned);
    return;
  }
  const { id, body, ctx } = message as PageRequest & { ctx: PageContext };
  try {
    const { page, buffer } = readAndEncodePage(body, ctx, workspace);
    // The encoded rows all view one buffer, moved to the main thread rather than copied.
    parentPort!.postMessage({ id, page, buffer } satisfies PageReply, [buffer]);
  } catch (err) {
    parentPort!.postMessage(errorReply(id, err));
  }
});
