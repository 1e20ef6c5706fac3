/**
 * Walking a FHIR search page by page: `walkPages()` fetches a page, hands its text to the caller's
 * `read`, yields the result, and fetches the page its `next` link names only when the caller asks
 * for the next one (so the caller commits each page before the next is fetched). It owns the one
 * reactive refresh: a 401 gets a new access token and one more try; a second 401 with a fresh
 * token means the grant is gone.
 */
import { ReauthRequiredError } from '../errors.ts';
import { AccessTokenRejected, type FhirClient, type FhirPageText } from './fhir.ts';

/** Where a walk gets its access tokens (the token vault, through the sync job). */
export interface AccessTokenSource {
  /** The access token to use now. */
  current(): Promise<string>;
  /** A new access token, BB2 having answered 401 to `rejected`. */
  renew(rejected: string): Promise<string>;
  /** BB2 rejected a freshly renewed token too: the beneficiary must connect again. */
  lost(err: ReauthRequiredError): Promise<void>;
}

export interface PageWalk<P extends { next: string | null }> {
  fhir: Pick<FhirClient, 'getPageText'>;
  /** The first page: a search URL, or where an interrupted walk stopped. */
  firstUrl: string;
  tokens: AccessTokenSource;
  /** Reads a page's text into what the caller needs, including the page's `next` link. */
  read: (text: string, url: string) => P;
  /** Called before each page; throws to stop the walk (e.g. on shutdown). */
  beforePage?: () => void;
  /** Called before each request to BB2 (a page takes two when its token is renewed). */
  onRequest?: () => void;
}

export interface WalkedPage<P> {
  url: string;
  page: P;
  /** Whether the access token was renewed for this page (after a 401). */
  refreshed: boolean;
}

export async function* walkPages<P extends { next: string | null }>(
  walk: PageWalk<P>,
): AsyncGenerator<WalkedPage<P>, void, undefined> {
  let url: string | null = walk.firstUrl;
  while (url) {
    walk.beforePage?.();
    const { page, refreshed }: { page: P; refreshed: boolean } = await fetchAndRead(walk, url);
    yield { url, page, refreshed };
    url = page.next;
  }
}

/**
 * The page's text lives only in here: the walk waits at `yield` while the caller writes the page,
 * and should not hold on to a few hundred KB of text it no longer needs meanwhile.
 */
async function fetchAndRead<P extends { next: string | null }>(
  walk: PageWalk<P>,
  url: string,
): Promise<{ page: P; refreshed: boolean }> {
  const fetched = await fetchPage(walk, url);
  return { page: walk.read(fetched.text, url), refreshed: fetched.refreshed };
}

/** One page, with one refresh and one more try if BB2 rejects the access token. */
async function fetchPage(
  walk: PageWalk<{ next: string | null }>,
  url: string,
): Promise<FhirPageText & { refreshed: boolean }> {
  const token = await walk.tokens.current();
  try {
    walk.onRequest?.();
    return { ...(await walk.fhir.getPageText(url, token)), refreshed: false };
  } catch (err) {
    if (!(err instanceof AccessTokenRejected)) throw err;
  }
  const renewed = await walk.tokens.renew(token);
  try {
    walk.onRequest?.();
    return { ...(await walk.fhir.getPageText(url, renewed)), refreshed: true };
  } catch (again) {
    if (!(again instanceof AccessTokenRejected)) throw again;
    const reauth = new ReauthRequiredError('BB2 rejected a freshly refreshed access token (401)');
    await walk.tokens.lost(reauth);
    throw reauth;
  }
}
