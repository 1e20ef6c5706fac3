/**
 * v3 search semantics, without HTTP (../shared/reference/bb2-v3.md sections 3-5):
 * - BB2 v3 accepts `_count` (10 when absent, 0-50), `_offset`/`startIndex`, `_lastUpdated` and
 *   `service-date` (lt/le/gt/ge), `type`, `_tag`, `_source`, `_security:not`; any other
 *   parameter is dropped, or refused with `Prefer: handling=strict` (WS `generic.py`,
 *   `validate_query_parameters`);
 * - with neither `_tag` nor `_source`, BB2 adds `_source=NCH,DDPS` (WS `utils.py`);
 * - for a token whose beneficiary did not share SAMHSA data BB2 adds `_security:not=42CFRPart2`;
 * - BFD answers a bad `_tag`/`_source` with a 400 OperationOutcome; commas are OR, repeats AND;
 * - paging: `next` when more rows exist, `previous` when `_offset` > 0, both with `_offset`, no
 *   first/last, `total` only on the last page, links echo the upstream query (BFD `FhirUtil`).
 */
import type { FhirResource } from '../data/types.ts';
import { parseFhirDateRange, withinBounds, type DateBound } from '../fhir-search.ts';
import { HttpError } from '../http-util.ts';

export type V3Type = 'Patient' | 'Coverage' | 'ExplanationOfBenefit';

const ACCEPTED: Record<V3Type, ReadonlySet<string>> = {
  ExplanationOfBenefit: new Set([
    '_count',
    'startIndex',
    '_offset',
    '_lastUpdated',
    'service-date',
    'type',
    '_tag',
    '_source',
    '_security:not',
    'patient',
    '_format',
  ]),
  Coverage: new Set(['_count', 'startIndex', '_offset', '_lastUpdated', 'beneficiary', '_format']),
  Patient: new Set(['_count', 'startIndex', '_offset', '_lastUpdated', '_id', 'identifier', '_format']),
};
/** Tolerated by strict mode although not search parameters (WS `validate_query_parameters`). */
const STRICT_TOLERATED = new Set(['count', '_format']);

const SOURCES = new Set(['NCH', 'DDPS', 'FISS', 'MCS', 'VMS', 'CWF']);
const TAGS: Record<string, ReadonlySet<string>> = {
  'https://bluebutton.cms.gov/fhir/CodeSystem/System-Type': new Set([
    'NationalClaimsHistory',
    'SharedSystem',
    'DDPS',
  ]),
  'https://bluebutton.cms.gov/fhir/CodeSystem/Final-Action': new Set(['FinalAction', 'NotFinalAction']),
};
const EOB_TYPES = new Set(['carrier', 'pde', 'dme', 'hha', 'hospice', 'inpatient', 'outpatient', 'snf']);
export const DEFAULT_SOURCE = 'NCH,DDPS';

/** BFD's 4xx, which BB2 v3 relays as it is: status and OperationOutcome. */
export function operationOutcome(status: number, diagnostics: string): HttpError {
  return new HttpError(status, {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'processing', diagnostics }],
  });
}

export interface V3Search {
  type: V3Type;
  offset: number;
  count: number;
  /** The query as BB2 sends it upstream (what the links echo), in order. */
  upstream: [string, string][];
  lastUpdated: DateBound[];
  serviceDate: DateBound[];
  types: Set<string> | undefined;
  /** Each inner list is one parameter (OR); the lists are ANDed. */
  sources: string[][];
  tags: [string, string][][];
  excludeSamhsa: boolean;
}

function bounds(values: string[], name: string): DateBound[] {
  return values.map((value) => {
    const prefix = value.slice(0, 2);
    const range = /^(lt|le|gt|ge)/.test(prefix) ? parseFhirDateRange(value.slice(2)) : undefined;
    if (!range) throw new HttpError(400, { detail: `${name}: invalid value ${value}` });
    return { prefix: prefix as DateBound['prefix'], ...range };
  });
}

export function parseV3Search(
  type: V3Type,
  query: URLSearchParams,
  options: { patientId: string; strict: boolean; includeSamhsa: boolean },
): V3Search {
  const unknown = [...new Set([...query.keys()])].filter(
    (k) => !ACCEPTED[type].has(k) && !STRICT_TOLERATED.has(k),
  );
  if (options.strict && unknown.length > 0) {
    throw new HttpError(400, { error: `Invalid parameters: [${unknown.map((k) => `'${k}'`).join(', ')}]` });
  }
  const all = (k: string) => query.getAll(k);
  const countText = query.get('_count');
  const count = countText === null ? 10 : Number(countText);
  if (!Number.isInteger(count) || count < 0 || count > 50) {
    throw new HttpError(400, {
      detail: `_count: value must be at most 50 for dictionary value @ data['_count']`,
    });
  }
  const offsetText = query.get('_offset') ?? query.get('startIndex') ?? '0';
  const offset = Number(offsetText);
  if (!Number.isInteger(offset) || offset < 0) throw operationOutcome(400, `Invalid _offset: ${offsetText}`);

  const upstream: [string, string][] = [];
  for (const k of ['_lastUpdated', 'service-date', 'type', '_tag', '_source', '_security:not']) {
    for (const v of all(k)) if (ACCEPTED[type].has(k)) upstream.push([k, v]);
  }
  const filters: EobFilters =
    type === 'ExplanationOfBenefit'
      ? eobFilters(query, upstream, options.includeSamhsa)
      : { types: undefined, sources: [], tags: [], excludeSamhsa: false };
  upstream.push(['_count', String(count)]);
  upstream.push([
    type === 'Coverage' ? 'beneficiary' : type === 'Patient' ? '_id' : 'patient',
    options.patientId,
  ]);
  return {
    type,
    offset,
    count,
    upstream,
    lastUpdated: bounds(all('_lastUpdated'), '_lastUpdated'),
    serviceDate: type === 'ExplanationOfBenefit' ? bounds(all('service-date'), 'service-date') : [],
    ...filters,
  };
}

/** The EOB-only filters of a v3 search (`_source`, `_tag`, `_security:not`, `type`). */
type EobFilters = Pick<V3Search, 'sources' | 'tags' | 'excludeSamhsa' | 'types'>;

/**
 * Parses the EOB filters, adding to `upstream` what BB2 adds: `_source=NCH,DDPS` when neither
 * `_tag` nor `_source` is given, `_security:not=42CFRPart2` when SAMHSA data was not shared.
 */
function eobFilters(
  query: URLSearchParams,
  upstream: [string, string][],
  includeSamhsa: boolean,
): EobFilters {
  const all = (k: string) => query.getAll(k);
  let types: Set<string> | undefined;
  if (all('_tag').length === 0 && all('_source').length === 0) upstream.push(['_source', DEFAULT_SOURCE]);
  if (!includeSamhsa && !all('_security:not').includes('42CFRPart2')) {
    upstream.push(['_security:not', '42CFRPart2']);
  }
  const sources = upstream
    .filter(([k]) => k === '_source')
    .map(([, v]) => v.split(',').map((s) => s.trim().toUpperCase()));
  for (const list of sources) {
    for (const s of list) if (!SOURCES.has(s)) throw operationOutcome(400, `Invalid _source value: ${s}`);
  }
  const tags = upstream
    .filter(([k]) => k === '_tag')
    .map(([, v]) =>
      v.split(',').map((t) => {
        const bar = t.indexOf('|');
        const pair: [string, string] = [t.slice(0, Math.max(bar, 0)), t.slice(bar + 1)];
        if (bar < 0 || !TAGS[pair[0]]?.has(pair[1])) throw operationOutcome(400, `Invalid _tag value: ${t}`);
        return pair;
      }),
    );
  const excludeSamhsa = upstream.some(([k, v]) => k === '_security:not' && v === '42CFRPart2');
  const typeValues = all('type')
    .flatMap((v) => v.split(','))
    .map((v) =>
      v
        .slice(v.indexOf('|') + 1)
        .trim()
        .toLowerCase(),
    );
  if (typeValues.length > 0) {
    if (!typeValues.every((t) => EOB_TYPES.has(t)))
      throw new HttpError(400, { detail: 'type: invalid value' });
    types = new Set(typeValues);
  }
  return { types, sources, tags, excludeSamhsa };
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function eobMatches(s: V3Search, eob: Json): boolean {
  const meta = eob.meta as Json;
  if (s.sources.some((list) => !list.includes(meta.source))) return false;
  const tagged = (meta.tag ?? []) as Json[];
  if (
    s.tags.some(
      (list) => !list.some(([sys, code]) => tagged.some((t) => t.system === sys && t.code === code)),
    )
  ) {
    return false;
  }
  if (s.excludeSamhsa && ((meta.security ?? []) as Json[]).some((x) => x.code === '42CFRPart2')) return false;
  if (s.types) {
    const type = ((eob.type?.coding ?? []) as Json[]).find((c) =>
      String(c.system).endsWith('/EOB-TYPE'),
    )?.code;
    if (!s.types.has(String(type).toLowerCase())) return false;
  }
  if (s.serviceDate.length > 0) {
    const text = eob.billablePeriod?.end ?? eob.billablePeriod?.start;
    const t = typeof text === 'string' ? parseFhirDateRange(text)?.start : undefined;
    if (t === undefined || !withinBounds(t, s.serviceDate)) return false;
  }
  return true;
}

export function v3Matches(s: V3Search, resources: readonly FhirResource[]): FhirResource[] {
  return resources.filter((r) => {
    if (s.lastUpdated.length > 0) {
      const t = Date.parse(String(r.meta?.lastUpdated));
      if (Number.isNaN(t) || !withinBounds(t, s.lastUpdated)) return false;
    }
    return s.type !== 'ExplanationOfBenefit' || eobMatches(s, r as Json);
  });
}

/** The page's Bundle (without its id): BFD's links and `total` rules. */
export function v3Bundle(
  s: V3Search,
  matches: readonly FhirResource[],
  base: string,
  lastUpdated: string,
  created: string,
): Json {
  const page = matches.slice(s.offset, s.offset + s.count);
  const more = s.offset + s.count < matches.length;
  const url = (offset: number | undefined) => {
    const params = new URLSearchParams(s.upstream);
    if (offset !== undefined) params.set('_offset', String(offset));
    return `${base}/v3/fhir/${s.type}?${params}`;
  };
  const link: Json[] = [];
  if (more) link.push({ relation: 'next', url: url(s.offset + s.count) });
  if (s.offset > 0) link.push({ relation: 'previous', url: url(Math.max(s.offset - s.count, 0)) });
  link.push({ relation: 'self', url: url(s.offset > 0 ? s.offset : undefined) });
  const bundle: Json = { resourceType: 'Bundle', meta: { lastUpdated }, type: 'searchset', link };
  if (!more && matches.length > 0) bundle.total = matches.length;
  if (page.length > 0) {
    bundle.entry = page.map((resource) => ({
      fullUrl: `${base}/v3/fhir/${s.type}/${resource.id}`,
      resource: s.type === 'ExplanationOfBenefit' ? { ...resource, created } : resource,
    }));
  }
  return bundle;
}
