/**
 * A page-reading thread (page-threads.ts starts it): parses and normalizes the pages it is sent
 * and encodes their COPY rows, so the worker's main thread only fetches and writes.
 */
import { parentPort } from 'node:worker_threads';

import type { EncoderWorkspace } from '../db/copy-rows.ts';
import { BbsyncError } from '../errors.ts';
import type { PageContext } from '../fhir/page.ts';
import { readAndEncodePage } from './page-work.ts';
import type { PageReply, PageRequest } from './page-threads.ts';

function errorReply(id: number, err: unknown): PageReply {
  if (err instanceof BbsyncError) {
    const status = (err as { status?: number }).status;
    return { id, error: { message: err.message, category: err.category, status } };
  }
  return { id, error: { message: err instanceof Error ? err.message : String(err) } };
}

/** One encoding buffer for every page this thread reads (db/copy-rows.ts `EncoderWorkspace`). */
const workspace: EncoderWorkspace = { buffer: Buffer.allocUnsafeSlow(1024 * 1024) };

parentPort!.on('message', ({ id, body, ctx }: PageRequest & { ctx: PageContext }) => {
  try {
    const { page, buffer } = readAndEncodePage(body, ctx, workspace);
    // The encoded rows all view one buffer, moved to the main thread rather than copied.
    parentPort!.postMessage({ id, page } satisfies PageReply, [buffer]);
  } catch (err) {
    parentPort!.postMessage(errorReply(id, err));
  }
});
