/**
 * What a page-reading thread (page-thread.ts) does with a page, as one pure function: reads it
 * (fhir/page.ts `readPage`) and encodes each resource's COPY rows as soon as it is normalized
 * (db/copy-rows.ts `PageEncoder`), all of them into one buffer. `npm run bench:page` times it.
 */
import { PageEncoder, type EncoderWorkspace } from '../db/copy-rows.ts';
import { readPage, type NormalizedPage, type PageContext } from '../fhir/page.ts';

/** The page with its resources' COPY rows encoded; they all view `buffer`. */
export function readAndEncodePage(
  body: Uint8Array | string,
  ctx: PageContext,
  workspace?: EncoderWorkspace,
): { page: NormalizedPage; buffer: ArrayBuffer } {
  // The raw resources are most of the page, and the claim rows add about a fifth.
  const encoder = new PageEncoder(body.length * 1.25, workspace);
  const page = readPage(body, ctx, (r) => encoder.add(r));
  const { resources, buffer } = encoder.finish();
  return { page: { ...page, batch: resources }, buffer };
}
