/**
 * Paged FHIR reads from BB2: search URLs, one page at a time, and every failure classified
 * (401 -> refresh once, 429 -> wait Retry-After, 5xx/network/timeout/bad JSON -> retry, other 4xx
 * -> stop). The caller follows `next` links itself, so it can commit its position page by page.
 */
import { Bb2Error, RateLimitedError, ReauthRequiredError } from '../errors.ts';
import { describeNetworkError, isTimeout } from './http.ts';

export type FhirResourceType = 'Patient' | 'Coverage' | 'ExplanationOfBenefit';

export interface Bundle {
  resourceType: 'Bundle';
  meta?: { lastUpdated?: string };
  total?: number;
  link?: { relation?: string; url?: string }[];
  entry?: { resource?: unknown }[];
}

export interface FhirPage {
  bundle: Bundle;
  /** Size of the response body in bytes (JSON text). */
  bytes: number;
}

/** BB2 answered 401 to this access token; the caller refreshes once and tries again. */
export class AccessTokenRejected extends Error {
  constructor() {
    super('BB2 rejected the access token (401)');
    this.name = 'AccessTokenRejected';
  }
}

export interface FhirClientSettings {
  baseUrl: string;
  pageSize: number;
  fetchImpl: typeof fetch;
}

export function createFhirClient(settings: FhirClientSettings) {
  const base = settings.baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;

  return {
    /** The first page of a search, optionally only what changed after `since` (BB2's `_lastUpdated=gt`). */
    searchUrl(type: FhirResourceType, since?: string | null): string {
      const params = new URLSearchParams({ _count: String(settings.pageSize) });
      if (since) params.set('_lastUpdated', `gt${since}`);
      return `${base}/v2/fhir/${type}/?${params}`;
    },

    async getPage(url: string, accessToken: string): Promise<FhirPage> {
      // The bearer token only ever goes to BB2 itself, whatever a next link says.
      if (new URL(url).origin !== origin) {
        throw new Bb2Error(
          `refusing to follow a link to ${new URL(url).origin}, which is not BB2_BASE_URL`,
          'malformed_response',
        );
      }
      const what = `${new URL(url).pathname}`;
      let response: Response;
      try {
        response = await settings.fetchImpl(url, {
          headers: { authorization: `Bearer ${accessToken}`, accept: 'application/fhir+json' },
        });
      } catch (err) {
        if (isTimeout(err)) throw new Bb2Error(`BB2 did not answer ${what} in time`, 'timeout');
        throw new Bb2Error(`network error on ${what}: ${describeNetworkError(err)}`, 'network');
      }
      let text: string;
      try {
        text = await response.text();
      } catch (err) {
        if (isTimeout(err)) throw new Bb2Error(`BB2 did not finish ${what} in time`, 'timeout');
        throw new Bb2Error(`connection lost while reading ${what}: ${describeNetworkError(err)}`, 'network');
      }

      if (response.status === 401) {
        // An expired 13-month grant: the token is fine but the data access is over.
        if (/timed out/i.test(text))
          throw new ReauthRequiredError(`BB2 answered 401 on ${what}: the grant has expired`);
        throw new AccessTokenRejected();
      }
      if (response.status === 429) {
        const seconds = Number(response.headers.get('retry-after'));
        const ms = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000;
        throw new RateLimitedError(`BB2 answered 429 on ${what}; retry after ${ms} ms`, ms);
      }
      if (response.status >= 500) {
        throw new Bb2Error(`BB2 answered ${response.status} on ${what}`, 'upstream_5xx', response.status);
      }
      if (response.status !== 200) {
        throw new Bb2Error(
          `BB2 answered ${response.status} on ${what}: ${detail(text)}`,
          'fhir_4xx',
          response.status,
        );
      }
      let bundle: unknown;
      try {
        bundle = JSON.parse(text);
      } catch {
        throw new Bb2Error(
          `BB2 sent a body that is not JSON on ${what} (${text.length} bytes)`,
          'malformed_response',
          200,
        );
      }
      if (
        !bundle ||
        typeof bundle !== 'object' ||
        (bundle as { resourceType?: unknown }).resourceType !== 'Bundle'
      ) {
        throw new Bb2Error(`BB2 sent JSON that is not a Bundle on ${what}`, 'malformed_response', 200);
      }
      return { bundle: bundle as Bundle, bytes: Buffer.byteLength(text) };
    },
  };
}

export type FhirClient = ReturnType<typeof createFhirClient>;

export function nextLink(bundle: Bundle): string | undefined {
  return bundle.link?.find((l) => l.relation === 'next')?.url;
}

/** BB2's DRF error detail, short; never the whole body. */
function detail(text: string): string {
  try {
    const parsed = JSON.parse(text) as { detail?: unknown };
    if (typeof parsed.detail === 'string') return parsed.detail.slice(0, 200);
  } catch {
    // not JSON
  }
  return text.slice(0, 120);
}
