/**
 * Paged FHIR reads from BB2: search URLs, one page at a time, and every failure classified
 * (401 -> refresh once, but BB2's "application inactive" 401 -> app_inactive, 429 -> wait
 * Retry-After, 5xx/network/timeout/bad JSON -> retry, other 4xx -> stop). The caller follows `next` links itself, so it can commit its position page by page.
 */
import {
  AppInactiveError,
  Bb2Error,
  BbsyncError,
  EobForbiddenError,
  GrantExpiredError,
  RateLimitedError,
  saysAppInactive,
} from '../errors.ts';
import { parseBundle, type Bundle } from '../fhir/page.ts';
import { bb2Endpoints, type ApiVersion } from './api-version.ts';
import { describeNetworkError, isTimeout, utf8Text, type GetText, type TextResponse } from './http.ts';

export type FhirResourceType = 'Patient' | 'Coverage' | 'ExplanationOfBenefit';

export type { Bundle } from '../fhir/page.ts';
export { nextLink } from '../fhir/page.ts';

export interface FhirPage {
  bundle: Bundle;
  /** Size of the response body in bytes (JSON text). */
  bytes: number;
}

export interface FhirPageBody {
  /**
   * The response body, a Bundle's JSON not yet decoded nor parsed (that is for `readPage`, maybe
   * on another thread), in memory of its own: the caller may move it to another thread.
   */
  body: Uint8Array;
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
  getText: GetText;
  /** The version of searches that do not name one (default v2). */
  apiVersion?: ApiVersion;
  /** v3 EOB `_source` values; empty or absent: BB2's default (NCH,DDPS). */
  v3EobSources?: readonly string[];
}

export function createFhirClient(settings: FhirClientSettings) {
  const base = settings.baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;

  const client = {
    /**
     * The first page of a search, optionally only what changed after `since` (BB2's
     * `_lastUpdated=gt`), through the API version of the token that will read it. Later pages
     * follow BB2's own `next` links (v2 `startIndex`, v3 `_offset`), never built here.
     */
    searchUrl(type: FhirResourceType, since?: string | null, version?: ApiVersion): string {
      const v = version ?? settings.apiVersion ?? 'v2';
      const params = new URLSearchParams({ _count: String(settings.pageSize) });
      if (since) params.set('_lastUpdated', `gt${since}`);
      if (v === 'v3' && type === 'ExplanationOfBenefit' && settings.v3EobSources?.length) {
        params.set('_source', settings.v3EobSources.join(','));
      }
      return `${bb2Endpoints(base, v).fhir}/${type}/?${params}`;
    },

    /** v3's Digital Insurance Card: no patient id, no parameters (bb2-v3.md section 8). */
    insuranceCardUrl(): string {
      return bb2Endpoints(base, 'v3').insuranceCard!;
    },

    /** One page of a search, parsed. */
    async getPage(url: string, accessToken: string): Promise<FhirPage> {
      const { body, bytes } = await client.getPageBody(url, accessToken);
      return { bundle: parseBundle(utf8Text(body), new URL(url).pathname), bytes };
    },

    /** One page of a search as bytes, every failure but a body that is not a Bundle classified. */
    async getPageBody(url: string, accessToken: string, signal?: AbortSignal): Promise<FhirPageBody> {
      // The bearer token only ever goes to BB2 itself, whatever a next link says.
      if (new URL(url).origin !== origin) {
        throw new Bb2Error(
          `refusing to follow a link to ${new URL(url).origin}, which is not BB2_BASE_URL`,
          'malformed_response',
        );
      }
      const what = `${new URL(url).pathname}`;
      let response: TextResponse;
      try {
        response = await settings.getText(
          url,
          { authorization: `Bearer ${accessToken}`, accept: 'application/fhir+json' },
          signal,
        );
      } catch (err) {
        if (err instanceof BbsyncError) throw err; // a body over the cap or undecodable, no rate-limit slot
        if (isTimeout(err)) throw new Bb2Error(`BB2 did not answer ${what} in time`, 'timeout');
        throw new Bb2Error(`network error on ${what}: ${describeNetworkError(err)}`, 'network');
      }
      // `response.text` decodes the body: only answers that are not a page are decoded here (a
      // page is decoded where it is read, maybe on another thread).
      if ((response.status === 401 || response.status === 403) && saysAppInactive(response.text)) {
        // ApplicationActivePermission (401; older docs say 403): the whole application, not this token.
        throw new AppInactiveError(`BB2 answered ${response.status} on ${what}: ${detail(response.text)}`);
      }
      if (response.status === 401) {
        // An expired 13-month grant: the token is fine but the data access is over.
        if (/timed out/i.test(response.text))
          throw new GrantExpiredError(`BB2 answered 401 on ${what}: the grant has expired`);
        throw new AccessTokenRejected();
      }
      if (response.status === 429) {
        const seconds = Number(response.header('retry-after'));
        const ms = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1000;
        throw new RateLimitedError(`BB2 answered 429 on ${what}; retry after ${ms} ms`, ms);
      }
      if (response.status >= 500) {
        throw new Bb2Error(`BB2 answered ${response.status} on ${what}`, 'upstream_5xx', response.status);
      }
      if (response.status === 403 && what.includes('/ExplanationOfBenefit')) {
        throw new EobForbiddenError(`BB2 answered 403 on ${what}: ${detail(response.text)}`);
      }
      if (response.status !== 200) {
        throw new Bb2Error(
          `BB2 answered ${response.status} on ${what}: ${detail(response.text)}`,
          'fhir_4xx',
          response.status,
        );
      }
      // The length the HTTP client read: measuring the text again cost a pass over every page.
      return { body: response.body, bytes: response.bytes };
    },
  };
  return client;
}

export type FhirClient = ReturnType<typeof createFhirClient>;

/**
 * BB2's error text, short; never the whole body. v2 and BB2's own v3 errors are DRF
 * `{"detail": ...}`; v3 relays BFD's OperationOutcome (`issue[].diagnostics`) with BFD's status;
 * strict-mode rejections are `{"error": ...}` and OAuth-style ones `{"message": ...}`
 * (../shared/reference/bb2-v3.md section 5). The status, not the shape, decides the category.
 */
function detail(text: string): string {
  try {
    const parsed = JSON.parse(text) as {
      detail?: unknown;
      error?: unknown;
      message?: unknown;
      resourceType?: unknown;
      issue?: { diagnostics?: unknown; details?: { text?: unknown }; code?: unknown }[];
    };
    if (parsed.resourceType === 'OperationOutcome' && Array.isArray(parsed.issue)) {
      const issue = parsed.issue.find((i) => i && typeof i === 'object');
      const said = issue?.diagnostics ?? issue?.details?.text ?? issue?.code;
      if (typeof said === 'string') return `OperationOutcome: ${said}`.slice(0, 200);
    }
    for (const said of [parsed.detail, parsed.error, parsed.message]) {
      if (typeof said === 'string') return said.slice(0, 200);
    }
  } catch {
    // not JSON
  }
  return text.slice(0, 120);
}
