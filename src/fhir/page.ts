/**
 * One page of a FHIR search, from the response's bytes (or text) to the rows it holds: parsed,
 * checked to be a Bundle, and every entry normalized or set aside for quarantine. Pure (bytes in,
 * values out), so it can run on any thread.
 */
import { createHash } from 'node:crypto';

import { Bb2Error, NormalizeError } from '../errors.ts';
import type { NormalizedResource, QuarantineEntry } from '../model/resources.ts';
import { normalizeResource, normalizeResourceWithText } from './normalize.ts';
import {
  bundleLayout,
  resourceBytes,
  resourceText,
  textOf,
  utf8Bytes,
  type BundleLayout,
  type ResourceBytes,
  type ResourceText,
} from './raw-text.ts';

export interface Bundle {
  resourceType: 'Bundle';
  meta?: { lastUpdated?: string };
  total?: number;
  link?: { relation?: string; url?: string }[];
  entry?: { resource?: unknown }[];
}

export interface NormalizedPage {
  /** Bundle.meta.lastUpdated: BB2's transaction time, the next incremental walk's cursor. */
  lastUpdated: string | null;
  /** The `next` link, or null on the last page. */
  next: string | null;
  /** Every link of the Bundle (v3 reads the beneficiary's SAMHSA choice from them). */
  links: { relation?: string; url?: string }[];
  /** Ids of every entry, normalized or not (a full reconcile keeps what it saw). */
  seen: string[];
  batch: NormalizedResource[];
  rejects: QuarantineEntry[];
}

export interface PageContext {
  /** Every resource on the page must belong to this patient; others are quarantined. */
  patientId: string;
  /** Where the page came from (the search path), for messages and quarantine entries. */
  source: string;
}

/** Parses a 200 answer of BB2; a body that is not JSON is BB2's fault and worth a retry. */
export function parseBb2Json(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Bb2Error(
      `BB2 sent a body that is not JSON on ${source} (${text.length} characters)`,
      'malformed_response',
      200,
    );
  }
}

/** Parses a search response; a body that is not a JSON Bundle is BB2's fault and worth a retry. */
export function parseBundle(text: string, source: string): Bundle {
  const bundle = parseBb2Json(text, source);
  if (
    !bundle ||
    typeof bundle !== 'object' ||
    (bundle as { resourceType?: unknown }).resourceType !== 'Bundle'
  ) {
    throw new Bb2Error(`BB2 sent JSON that is not a Bundle on ${source}`, 'malformed_response', 200);
  }
  return bundle as Bundle;
}

export function nextLink(bundle: Bundle): string | undefined {
  return bundle.link?.find((l) => l.relation === 'next')?.url;
}

/**
 * Normalizes every entry of a parsed page. `texts`, from `entryResourceTexts` over the page's
 * text, are the entries' resources as sent; without them each resource is serialized again.
 */
export function normalizePage(
  bundle: Bundle,
  ctx: PageContext,
  texts?: readonly (ResourceText | undefined)[],
  take?: TakeResource,
): NormalizedPage {
  const page = emptyPage(bundle);
  const entries = bundle.entry ?? [];
  for (let i = 0; i < entries.length; i++) addEntry(page, entries[i]!.resource, i, texts?.[i], ctx, take);
  return page;
}

/** Takes each normalized resource as soon as it is made, instead of the page's batch. */
export type TakeResource = (resource: NormalizedResource) => void;

function emptyPage(bundle: Bundle): NormalizedPage {
  return {
    lastUpdated: bundle.meta?.lastUpdated ?? null,
    next: nextLink(bundle) ?? null,
    links: bundle.link ?? [],
    seen: [],
    batch: [],
    rejects: [],
  };
}

/** Normalizes entry `i`'s resource into the page's batch, or its rejects when it cannot be loaded. */
function addEntry(
  page: NormalizedPage,
  resource: unknown,
  i: number,
  raw: ResourceText | ResourceBytes | undefined,
  ctx: PageContext,
  take: TakeResource | undefined,
): void {
  const id = (resource as { id?: unknown } | undefined)?.id;
  if (typeof id === 'string') page.seen.push(id);
  try {
    const normalized = raw ? normalizeResourceWithText(resource, raw) : normalizeResource(resource);
    if (normalized.patientId !== ctx.patientId) {
      throw new NormalizeError(
        normalized.resourceType,
        normalized.resourceId,
        'belongs to another patient than this enrollment',
      );
    }
    if (take) take(normalized);
    else page.batch.push(normalized);
  } catch (err) {
    if (!(err instanceof NormalizeError)) throw err;
    page.rejects.push({
      ...quarantineEntry(resource, err, `${ctx.source} entry[${i}]`),
      patientId: ctx.patientId,
    });
  }
}

/**
 * Parses and normalizes a page, its body as BB2 sent it (bytes) or as text: the CPU-heavy part of
 * a sync, as one call. With `take`, each resource goes to it as soon as it is normalized (once)
 * and the batch stays empty.
 */
export function readPage(body: Uint8Array | string, ctx: PageContext, take?: TakeResource): NormalizedPage {
  const bytes = utf8Bytes(body);
  const layout = bundleLayout(bytes);
  if (layout?.list) {
    const page = readPageByEntry(bytes, layout, layout.list, ctx, take);
    if (page) return page;
  }
  const bundle = parseBundle(textOf(bytes, 0, bytes.length), ctx.source);
  // The scanner and JSON.parse must agree on the entries; if not, serialize (never guess).
  const agree = layout !== undefined && layout.entries.length === (bundle.entry?.length ?? 0);
  const texts = agree ? layout.entries.map((e) => e.resource && resourceText(bytes, e.resource)) : undefined;
  return normalizePage(bundle, ctx, texts, take);
}

/**
 * The page decoded and parsed one entry at a time: the Bundle without its entries, then each
 * entry alone, normalized and dropped before the next is parsed. The same values as one
 * JSON.parse of the page, but only one entry's objects are alive at a time, so they die young and
 * garbage collection does not copy a whole page's objects (docs/performance.md, issue 17 third
 * round).
 * Undefined when the Bundle without its entries is not JSON or not a Bundle: the caller then
 * parses the page whole, which raises the error a bad page deserves.
 */
function readPageByEntry(
  bytes: Buffer,
  layout: BundleLayout,
  list: { start: number; end: number },
  ctx: PageContext,
  take: TakeResource | undefined,
): NormalizedPage | undefined {
  const envelope = tryParse(`${textOf(bytes, 0, list.start)}[]${textOf(bytes, list.end, bytes.length)}`);
  if ((envelope as { resourceType?: unknown } | null)?.resourceType !== 'Bundle') return undefined;
  const page = emptyPage(envelope as Bundle);
  for (let i = 0; i < layout.entries.length; i++) {
    const { start, end, resource } = layout.entries[i]!;
    // Each entry decoded alone: a few KB to tens of KB of text, where the whole page's would be
    // hundreds (see raw-text.ts).
    const entry = tryParse(textOf(bytes, start, end));
    // The scanner finds a valid page's entries exactly, so an entry that is not JSON means the
    // page is not (and earlier entries may already be taken: no second reading).
    if (entry === undefined) {
      parseBundle(textOf(bytes, 0, bytes.length), ctx.source);
      throw new Error(`JSON.parse accepts a page whose entry ${i} it rejects (${ctx.source})`);
    }
    const raw = resource && resourceBytes(bytes, resource);
    addEntry(page, (entry as { resource?: unknown }).resource, i, raw, ctx, take);
  }
  return page;
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A rejected resource, kept raw for operators. Resources without an id get one from their content. */
export function quarantineEntry(resource: unknown, err: NormalizeError, source: string): QuarantineEntry {
  let json: string | undefined = JSON.stringify(resource);
  const id = err.resourceId || `~${createHash('sha256').update(json).digest('hex').slice(0, 16)}`;
  // Postgres cannot store NUL characters in jsonb; keep the reason without the body then.
  if (json.includes('\\u0000')) json = undefined;
  const patient =
    (resource as { patient?: { reference?: unknown }; beneficiary?: { reference?: unknown } }) ?? {};
  const ref = patient.patient?.reference ?? patient.beneficiary?.reference;
  return {
    resourceType: err.resourceType,
    resourceId: id,
    patientId:
      err.resourceType === 'Patient'
        ? err.resourceId || undefined
        : typeof ref === 'string' && ref.startsWith('Patient/')
          ? ref.slice('Patient/'.length)
          : undefined,
    source,
    reason: err.message,
    json,
  };
}
