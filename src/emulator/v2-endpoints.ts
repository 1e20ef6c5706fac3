/**
 * The FHIR v2 resource endpoints: search and read of Patient, Coverage and ExplanationOfBenefit,
 * with BB2's authentication, scopes and errors, and BFD's Bundles. Search pages are built once,
 * cached by bytes (LRU) together with their gzip form, and served with a fresh Bundle id.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';

import { authenticate, authorizeFhir, NOT_FOUND } from './auth.ts';
import type { CachedPage, Core, Ctx } from './core.ts';
import type { FhirResource, PatientRecord } from './data/types.ts';
import { injectFaults, sendBodyFault, writeBody, type FaultAnswer } from './fhir-faults.ts';
import { gzipWithHead, prepareGzipTail } from './gzip-splice.ts';
import { HttpError } from './http-util.ts';
import { pageLink, selfLink } from './links.ts';
import type { AccessTokenRecord } from './oauth/records.ts';
import {
  claimTypeOf,
  EOB_TYPES,
  pageOf,
  parseSearch,
  searchMatches,
  upstreamBadRequest,
  type SearchType,
} from './fhir-search.ts';

const BUNDLE_HEAD = '{"resourceType":"Bundle","id":"';
const ID_PLACEHOLDER = '00000000-0000-0000-0000-000000000000';

/** BFD's `created`: seconds and an explicit +00:00 offset, e.g. 2024-12-11T21:37:25+00:00. */
export function bfdTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function contentType(ctx: Ctx): string {
  const accept = ctx.req.headers.accept ?? '';
  return /application\/json(?![+\w])/i.test(accept) && !/application\/fhir\+json/i.test(accept)
    ? 'application/json'
    : 'application/fhir+json';
}

function acceptsGzip(ctx: Ctx): boolean {
  const header = ctx.req.headers['accept-encoding'];
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...rest] = part.trim().split(';');
    if (coding?.trim().toLowerCase() !== 'gzip') return false;
    const q = rest.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function resourceBuffer(resource: FhirResource, created: Date | undefined): Buffer {
  const value =
    created && resource.resourceType === 'ExplanationOfBenefit'
      ? { ...resource, created: bfdTimestamp(created) }
      : resource;
  return Buffer.from(JSON.stringify(value), 'utf8');
}

// --- search ----------------------------------------------------------------------------------

function buildPage(
  core: Core,
  ctx: Ctx,
  type: SearchType,
  patientId: string,
  record: () => PatientRecord,
  query: URLSearchParams,
): { key: string; page?: CachedPage; build: () => CachedPage } {
  const search = parseSearch(type, query, patientId);
  const txTime = core.store.transactionTime();
  const version = core.store.recordVersion(patientId);
  if (version === undefined) throw new HttpError(404, { detail: NOT_FOUND });
  const key = `${patientId}\u0000${version}\u0000${txTime}\u0000${ctx.base}\u0000${type}\u0000${search.bfdParams
    .map(([k, v]) => `${k}=${v}`)
    .join('&')}`;
  const build = (): CachedPage => {
    const matches = searchMatches(search, record());
    const page = pageOf(search, matches);
    const total = matches.length;
    const { startIndex, count, bfdParams } = search;
    const link: { relation: string; url: string }[] = [
      { relation: 'first', url: pageLink(ctx.base, type, bfdParams, 0, count) },
    ];
    if (startIndex + count < total) {
      link.push({ relation: 'next', url: pageLink(ctx.base, type, bfdParams, startIndex + count, count) });
    }
    if (startIndex > 0) {
      link.push({
        relation: 'previous',
        url: pageLink(ctx.base, type, bfdParams, Math.max(startIndex - count, 0), count),
      });
    }
    // Java's integer division truncates toward zero, so an empty result's last page is 0.
    link.push({
      relation: 'last',
      url: pageLink(ctx.base, type, bfdParams, Math.trunc((total - 1) / count) * count, count),
    });
    link.push({ relation: 'self', url: selfLink(ctx.base, type, bfdParams) });
    const created = bfdTimestamp(core.clock());
    const bundle: Record<string, unknown> = {
      resourceType: 'Bundle',
      id: ID_PLACEHOLDER,
      meta: { lastUpdated: txTime },
      type: 'searchset',
      total,
      link,
    };
    if (page.length > 0) {
      bundle.entry = page.map((resource) => ({
        resource: type === 'ExplanationOfBenefit' ? { ...resource, created } : resource,
      }));
    }
    const json = JSON.stringify(bundle);
    const headLength = BUNDLE_HEAD.length + ID_PLACEHOLDER.length;
    if (!json.startsWith(BUNDLE_HEAD + ID_PLACEHOLDER)) throw new Error('unexpected Bundle serialisation');
    return { tail: Buffer.from(json.slice(headLength), 'utf8') };
  };
  return { key, build };
}

/**
 * A v2 request let through: its token, the fault to answer with and the beneficiary's record
 * (generated when asked for: a cached page does not need it).
 */
interface Admitted {
  readonly token: AccessTokenRecord;
  readonly fault: Exclude<FaultAnswer, 'handled'>;
  readonly record: () => PatientRecord;
}

/**
 * BB2's checks before a v2 answer (token, scopes), the request counted, then fault injection:
 * undefined when a fault has already answered.
 */
async function admit(
  ctx: Ctx,
  core: Core,
  type: SearchType,
  action: 'search' | 'read',
): Promise<Admitted | undefined> {
  const token = authenticate(ctx, core);
  authorizeFhir(ctx, core, token, type, action);
  core.stats.fhirRequest(token.patientId);
  const fault = await injectFaults(ctx, core, 'v2');
  if (fault === 'handled') return undefined;
  return { token, fault, record: () => patientRecord(core, token) };
}

export async function handleSearch(ctx: Ctx, core: Core, type: SearchType): Promise<void> {
  const admitted = await admit(ctx, core, type, 'search');
  if (!admitted) return;
  const { token, fault, record } = admitted;
  const { key, build } = buildPage(core, ctx, type, token.patientId, record, ctx.query);
  let page = core.pageCache.get(key);
  if (page) {
    core.stats.cacheHits++;
  } else {
    core.stats.cacheMisses++;
    page = build();
    core.pageCache.set(key, page, page.tail.length + 256);
  }
  const head = Buffer.from(`${BUNDLE_HEAD}${randomUUID()}`, 'utf8');
  const type_ = contentType(ctx);
  const cached = page;
  if (sendBodyFault(ctx, core, fault, type_, () => Buffer.concat([head, cached.tail]))) return;
  const headers: Record<string, string> = { 'Content-Type': type_, Vary: 'Accept, Accept-Encoding' };
  if (acceptsGzip(ctx)) {
    if (!page.gzipTail) {
      page.gzipTail = prepareGzipTail(page.tail);
      core.pageCache.grow(key, page.gzipTail.deflated.length);
    }
    writeBody(ctx.res, 200, gzipWithHead(head, page.gzipTail), { ...headers, 'Content-Encoding': 'gzip' });
    return;
  }
  writeBody(ctx.res, 200, [head, page.tail], headers);
}

function patientRecord(core: Core, token: AccessTokenRecord): PatientRecord {
  const record = core.store.record(token.patientId);
  if (!record) throw new HttpError(404, { detail: NOT_FOUND });
  return record;
}

// --- read ------------------------------------------------------------------------------------

const readIndex = new WeakMap<PatientRecord, Map<string, FhirResource>>();

function findResource(record: PatientRecord, id: string): FhirResource | undefined {
  let index = readIndex.get(record);
  if (!index) {
    index = new Map();
    for (const r of record.coverages) index.set(`Coverage/${r.id}`, r);
    for (const r of record.eobs) index.set(`ExplanationOfBenefit/${r.id}`, r);
    readIndex.set(record, index);
  }
  return index.get(id);
}

export async function handleRead(ctx: Ctx, core: Core, type: SearchType, id: string): Promise<void> {
  const admitted = await admit(ctx, core, type, 'read');
  if (!admitted) return;
  const { token, fault } = admitted;
  const record = admitted.record();
  let resource: FhirResource | undefined;
  if (type === 'Patient') {
    resource = id === token.patientId ? record.patient : undefined;
  } else if (type === 'Coverage') {
    if (!/^[a-z]+(-[a-z]+)?-(-?\d+)$/i.test(id)) {
      throw upstreamBadRequest(
        `Coverage ID pattern: '${id}' does not match expected pattern: {alphaNumericString}-{singleCharacter}-{idNumber}`,
      );
    }
    resource = findResource(record, `Coverage/${id}`);
  } else {
    const m = /^([a-z]+)-(-?\d+)$/i.exec(id);
    if (!m) {
      throw upstreamBadRequest(
        `ExplanationOfBenefit ID pattern: '${id}' does not match expected pattern: {alphaString}-{idNumber}`,
      );
    }
    if (!(EOB_TYPES as readonly string[]).includes((m[1] ?? '').toLowerCase())) {
      throw upstreamBadRequest(`Unsupported ID pattern: ${id}`);
    }
    resource = findResource(record, `ExplanationOfBenefit/${id}`);
    if (resource && claimTypeOf(resource) !== (m[1] ?? '').toLowerCase()) resource = undefined;
  }
  if (!resource) throw new HttpError(404, { detail: NOT_FOUND });
  const body = resourceBuffer(resource, core.clock());
  const type_ = contentType(ctx);
  if (sendBodyFault(ctx, core, fault, type_, () => body)) return;
  const headers: Record<string, string> = { 'Content-Type': type_, Vary: 'Accept, Accept-Encoding' };
  if (acceptsGzip(ctx) && body.length > 1024) {
    writeBody(ctx.res, 200, [gzipSync(body, { level: 3 })], { ...headers, 'Content-Encoding': 'gzip' });
    return;
  }
  writeBody(ctx.res, 200, [body], headers);
}
