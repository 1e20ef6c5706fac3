/**
 * FHIR search semantics of BB2 v2 and BFD, without HTTP: parameter validation (BB2's voluptuous
 * schemas in apps/fhir/bluebutton/views/search.py), the parameters BB2 forwards to BFD, and BFD's
 * filters (`_lastUpdated`, `type`, `service-date`) and offset paging.
 */
import type { FhirResource, PatientRecord } from './data/types.ts';
import { HttpError } from './http-util.ts';
import type { QueryParam } from './links.ts';

export type SearchType = 'Patient' | 'Coverage' | 'ExplanationOfBenefit';

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 50;

export const EOB_TYPES = [
  'carrier',
  'pde',
  'dme',
  'hha',
  'hospice',
  'inpatient',
  'outpatient',
  'snf',
] as const;
const EOB_TYPE_SYSTEM = 'https://bluebutton.cms.gov/resources/codesystem/eob-type|';

const PREFIX_RE = /^((lt)|(le)|(gt)|(ge)).+/;
const EOB_TYPE_SYSTEM_PREFIX = EOB_TYPE_SYSTEM.toLowerCase();
const TYPE_TOKENS = [
  ...EOB_TYPES,
  EOB_TYPE_SYSTEM_PREFIX,
  ...EOB_TYPES.map((t) => EOB_TYPE_SYSTEM_PREFIX + t),
];

/**
 * BB2's REGEX_TYPE_VALUES_LIST, `^((token)\s*,*\s*)+$` case-insensitive, decided in linear time.
 * As a backtracking regex it is exponential in the length of a value that almost matches (a
 * 91-character one took 25 s), so it is evaluated here as a left-to-right pass over the positions
 * where a token may start: each position is visited once and each token tried there once.
 */
export function isTypeList(value: string): boolean {
  const text = value.toLowerCase();
  const n = text.length;
  const tokenMayStart = new Uint8Array(n + 1);
  tokenMayStart[0] = 1;
  let matched = false;
  const markSeparatorEnds = (tokenEnd: number) => {
    // After a token: whitespace, then commas, then whitespace; a next token may start anywhere in it.
    let i = tokenEnd;
    for (const isSeparatorChar of [isSpace, isComma, isSpace]) {
      tokenMayStart[i] = 1;
      while (i < n && isSeparatorChar(text.charCodeAt(i))) tokenMayStart[++i] = 1;
    }
    if (i === n) matched = true;
  };
  for (let start = 0; start < n && !matched; start++) {
    if (!tokenMayStart[start]) continue;
    for (const token of TYPE_TOKENS) {
      if (text.startsWith(token, start)) markSeparatorEnds(start + token.length);
    }
  }
  return matched;
}

function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

function isComma(code: number): boolean {
  return code === 44;
}

/** A 400 from BB2's own parameter checks: `{"detail": "<message>"}`. */
function badParam(message: string): HttpError {
  return new HttpError(400, { detail: message });
}

/** A 400 that BFD raised and BB2 passed on with BFD's diagnostics appended. */
export function upstreamBadRequest(diagnostics: string): HttpError {
  return new HttpError(400, { detail: `An error occurred contacting the upstream server:${diagnostics}` });
}

/** Python's int() on a query string value (voluptuous Coerce(int)). */
function coerceInt(value: string): number | undefined {
  if (!/^\s*[+-]?\d+\s*$/.test(value)) return undefined;
  return Number.parseInt(value.trim(), 10);
}

export interface DateBound {
  readonly prefix: 'lt' | 'le' | 'gt' | 'ge';
  /** Start and end (exclusive) of the value's precision, in epoch ms. */
  readonly start: number;
  readonly end: number;
}

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/;

/** Parses a FHIR date/dateTime/instant into the interval its precision covers (UTC when no zone). */
export function parseFhirDateRange(text: string): { start: number; end: number } | undefined {
  // A `+` in an unencoded query string arrives as a space.
  const m = DATE_RE.exec(text.trim().replace(/ (\d{2}:?\d{2})$/, '+$1'));
  if (!m) return undefined;
  const [, y, mo, d, hh, mi, ss, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const hour = hh === undefined ? 0 : Number(hh);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = ss === undefined ? 0 : Number(ss);
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const ms = frac === undefined ? 0 : Number(`0.${frac}`) * 1000;
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  }
  const start = Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(ms)) - offsetMinutes * 60_000;
  let end: number;
  if (mo === undefined) end = Date.UTC(year + 1, 0, 1);
  else if (d === undefined) end = Date.UTC(year, month, 1);
  else if (hh === undefined) end = Date.UTC(year, month - 1, day + 1);
  else if (ss === undefined) end = start + 60_000;
  else if (frac === undefined) end = start + 1000;
  else end = start + 1;
  return { start, end };
}

function parseBounds(values: readonly string[]): DateBound[] {
  return values.map((value) => {
    const prefix = value.slice(0, 2) as DateBound['prefix'];
    const range = parseFhirDateRange(value.slice(2));
    if (!range) throw upstreamBadRequest(`Invalid date/time format: "${value.slice(2)}"`);
    return { prefix, ...range };
  });
}

/** Whether instant `t` satisfies every bound (a point compared with each bound's interval). */
export function withinBounds(t: number, bounds: readonly DateBound[]): boolean {
  for (const b of bounds) {
    switch (b.prefix) {
      case 'gt':
        if (!(t >= b.end)) return false;
        break;
      case 'ge':
        if (!(t >= b.start)) return false;
        break;
      case 'lt':
        if (!(t < b.start)) return false;
        break;
      case 'le':
        if (!(t < b.end)) return false;
        break;
    }
  }
  return true;
}

export interface SearchRequest {
  readonly type: SearchType;
  readonly startIndex: number;
  readonly count: number;
  readonly lastUpdated: readonly DateBound[];
  readonly serviceDate: readonly DateBound[];
  /** Lower-case claim types; empty means all. */
  readonly claimTypes: ReadonlySet<string>;
  /** The parameters BB2 sends to BFD, in BB2's order; BFD repeats them in the Bundle links. */
  readonly bfdParams: readonly QueryParam[];
}

/**
 * Validates a search as BB2 does, then as BFD does, and returns what to search. Throws HttpError
 * with BB2's status and body. Unknown parameters are dropped.
 */
export function parseSearch(type: SearchType, query: URLSearchParams, patientId: string): SearchRequest {
  const last = (name: string): string | undefined => {
    const all = query.getAll(name);
    return all.length > 0 ? all[all.length - 1] : undefined;
  };
  // BB2's QUERY_TRANSFORMS: `count` becomes `_count`.
  const countText = last('count') ?? last('_count');
  const startText = last('startIndex');

  const startIndex = startText === undefined ? 0 : coerceInt(startText);
  if (startIndex === undefined) throw badParam('expected int');
  const count = countText === undefined ? DEFAULT_PAGE_SIZE : coerceInt(countText);
  if (count === undefined) throw badParam('expected int');
  if (count > MAX_PAGE_SIZE) throw badParam(`value must be at most ${MAX_PAGE_SIZE}`);
  if (count < 0) throw badParam('value must be at least 0');

  const lastUpdatedText = query.getAll('_lastUpdated');
  for (const v of lastUpdatedText) {
    if (!PREFIX_RE.test(v)) throw badParam('the _lastUpdated operator is not valid');
  }

  let typeText: string | undefined;
  let serviceDateText: string[] = [];
  if (type === 'ExplanationOfBenefit') {
    typeText = last('type');
    if (typeText !== undefined && !isTypeList(typeText)) {
      throw badParam('the type parameter value is not valid');
    }
    serviceDateText = query.getAll('service-date');
    for (const v of serviceDateText) {
      if (!PREFIX_RE.test(v)) throw badParam('the service-date operator is not valid');
    }
  }

  // SearchCrosswalkPermission: a `patient` or `beneficiary` naming someone else is refused.
  const patientParam = last('patient');
  if (patientParam !== undefined && patientParam !== patientId) {
    throw new HttpError(403, { detail: 'You do not have permission to perform this action.' });
  }
  const beneficiaryParam = last('beneficiary');
  if (beneficiaryParam !== undefined && !beneficiaryParam.includes(patientId)) {
    throw new HttpError(403, { detail: 'You do not have permission to perform this action.' });
  }
  if (type === 'Patient') {
    const idParam = last('_id');
    if (idParam !== undefined && idParam !== patientId) throw new HttpError(404, { detail: 'Not found.' });
  }

  const claimTypes = new Set<string>();
  if (typeText !== undefined) {
    for (const raw of typeText.split(',')) {
      let t = raw.trim();
      if (t === '') continue;
      if (t.toLowerCase().startsWith(EOB_TYPE_SYSTEM)) t = t.slice(EOB_TYPE_SYSTEM.length);
      t = t.toLowerCase();
      if (t === '') continue;
      if (!(EOB_TYPES as readonly string[]).includes(t)) {
        throw badParam('the type parameter value is not valid');
      }
      claimTypes.add(t);
    }
  }

  const bfdParams: QueryParam[] = [
    ['startIndex', String(startIndex)],
    ['_count', String(count)],
    ...lastUpdatedText.map((v): QueryParam => ['_lastUpdated', v]),
  ];
  if (typeText !== undefined) bfdParams.push(['type', typeText]);
  for (const v of serviceDateText) bfdParams.push(['service-date', v]);
  // BB2 asks BFD for `application/fhir+json` since 2025-12 (apps/fhir/bluebutton/views/search.py).
  bfdParams.push(['_format', 'application/fhir+json']);
  if (type === 'Patient') bfdParams.push(['_id', patientId]);
  else if (type === 'Coverage') bfdParams.push(['beneficiary', `Patient/${patientId}`]);
  else bfdParams.push(['patient', patientId]);

  // BFD's own checks (OffsetLinkBuilder, date parsing).
  if (startIndex < 0) throw upstreamBadRequest(`Value for startIndex cannot be negative: ${startIndex}`);
  const lastUpdated = parseBounds(lastUpdatedText);
  const serviceDate = parseBounds(serviceDateText);
  if (count === 0) throw upstreamBadRequest("Invalid pageSize '0'");

  return { type, startIndex, count, lastUpdated, serviceDate, claimTypes, bfdParams };
}

function lastUpdatedOf(resource: FhirResource): number | undefined {
  const text = resource.meta?.lastUpdated;
  if (typeof text !== 'string') return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/** The EOB's service date: the billable period's end (else start), or a PDE's fill date. */
export function serviceDateOf(eob: FhirResource): number | undefined {
  const period = eob.billablePeriod as { start?: unknown; end?: unknown } | undefined;
  let text: unknown = period?.end ?? period?.start;
  if (typeof text !== 'string') {
    const items = eob.item as
      { servicedDate?: unknown; servicedPeriod?: { start?: unknown; end?: unknown } }[] | undefined;
    const first = Array.isArray(items) ? items[0] : undefined;
    text = first?.servicedDate ?? first?.servicedPeriod?.end ?? first?.servicedPeriod?.start;
  }
  if (typeof text !== 'string') return undefined;
  return parseFhirDateRange(text)?.start;
}

export function claimTypeOf(eob: FhirResource): string {
  const dash = eob.id.indexOf('-');
  return (dash < 0 ? eob.id : eob.id.slice(0, dash)).toLowerCase();
}

/**
 * BFD's `_lastUpdated` rule: resources loaded before 2020-02-12 have no lastUpdated in BFD, so
 * they never match a lower bound (gt/ge) but match a search with upper bounds only.
 */
function matchesLastUpdated(
  resource: FhirResource,
  record: PatientRecord,
  bounds: readonly DateBound[],
): boolean {
  if (bounds.length === 0) return true;
  const hasLower = bounds.some((b) => b.prefix === 'gt' || b.prefix === 'ge');
  const t = record.legacyIds.has(resource.id) ? undefined : lastUpdatedOf(resource);
  if (t === undefined) return !hasLower;
  return withinBounds(t, bounds);
}

/** All matches of a search, in BB2's order (before paging). */
export function searchMatches(search: SearchRequest, record: PatientRecord): readonly FhirResource[] {
  const source: readonly FhirResource[] =
    search.type === 'Patient'
      ? [record.patient]
      : search.type === 'Coverage'
        ? record.coverages
        : record.eobs;
  if (search.lastUpdated.length === 0 && search.serviceDate.length === 0 && search.claimTypes.size === 0) {
    return source;
  }
  return source.filter((r) => {
    if (search.claimTypes.size > 0 && !search.claimTypes.has(claimTypeOf(r))) return false;
    if (search.serviceDate.length > 0) {
      const d = serviceDateOf(r);
      if (d === undefined || !withinBounds(d, search.serviceDate)) return false;
    }
    return matchesLastUpdated(r, record, search.lastUpdated);
  });
}

/** BFD's paging check and slice. */
export function pageOf(search: SearchRequest, matches: readonly FhirResource[]): readonly FhirResource[] {
  const total = matches.length;
  if (total > 0 && search.startIndex >= total) {
    throw upstreamBadRequest(
      `Value for startIndex (${search.startIndex}) must be less than than result size (${total})`,
    );
  }
  return matches.slice(search.startIndex, search.startIndex + search.count);
}
