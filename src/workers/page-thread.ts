/**
 * A page-reading thread (page-threads.ts starts it): parses and normalizes the pages it is sent
 * and encodes their COPY rows, so the worker's main thread only fetches and writes.
 */
import { parentPort } from 'node:worker_threads';

import { encodeResourceRows } from '../db/ingest.ts';
import { BbsyncError } from '../errors.ts';
import { readPage, type PageContext } from '../fhir/page.ts';
import type { PageReply, PageRequest } from './page-threads.ts';

function errorReply(id: number, err: unknown): PageReply {
  if (err instanceof BbsyncError) {
    const status = (err as { status?: number }).status;
    return { id, error: { message: err.message, category: err.category, status } };
  }
  return { id, error: { message: err instanceof Error ? err.message : String(err) } };
}

parentPort!.on('message', ({ id, text, ctx }: PageRequest & { ctx: PageContext }) => {
  let reply: PageReply;
  try {
    const page = readPage(text, ctx);
    reply = { id, page: { ...page, batch: page.batch.map(encodeResourceRows) } };
  } catch (err) {
    reply = errorReply(id, err);
  }
  parentPort!.postMessage(reply);
});
