/**
 * A normalized resource's JSON is its text or, read from a page's bytes, its UTF-8 bytes as sent
 * (model/resources.ts). Tests that compare pages read both ways compare the text.
 */
import type { NormalizedPage } from '../../src/fhir/page.ts';
import type { NormalizedResource } from '../../src/model/resources.ts';

export function jsonText(r: NormalizedResource): string {
  return typeof r.json === 'string' ? r.json : Buffer.from(r.json).toString('utf8');
}

/** The page with every resource's JSON as text. */
export function withJsonText(page: NormalizedPage): NormalizedPage {
  return { ...page, batch: page.batch.map((r) => ({ ...r, json: jsonText(r) })) };
}
