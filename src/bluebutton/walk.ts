/**
 * Walking a FHIR search page by page: `walkPages()` fetches a page, hands its body to the caller's
 * `read`, yields the result, and fetches the page its `next` link names only when the caller asks
 * for the next one (so the caller commits each page before the next is fetched). It owns the one
 * reactive refresh: a 401 gets a new access token and one more try; a second 401 with a fresh
 * token means the grant is gone.
 *
 * A walk ends: BB2's `next` links are checked before the page is handed out (so a walk's saved
 * position never points somewhere bad): a link back to a page this walk already fetched (a loop),
 * a link to another origin (the bearer token goes to BB2 only), and more than `maxPages` pages
 * each fail the walk with `paging_error`.
 */
import { BbsyncError, ReauthRequiredError } from '../errors.ts';
import { AccessTokenRejected, type FhirClient, type FhirPageBody } from './fhir-reads.ts';

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
  fhir: Pick<FhirClient, 'getPageBody'>;
  /** The first page: a search URL, or where an interrupted walk stopped. */
  firstUrl: string;
  tokens: AccessTokenSource;
  /**
   * Reads a page's body (its bytes, in memory of their own: `read` may move them to another
   * thread) into what the caller needs, including the page's `next` link.
   */
  read: (body: Uint8Array, url: string) => P | Promise<P>;
  /** Called before each page; throws to stop the walk (e.g. on shutdown). */
  beforePage?: () => void;
  /** Aborts a request in flight (e.g. on shutdown). */
  signal?: AbortSignal;
  /** The most pages this walk may take (BB2_MAX_PAGES_PER_WALK). */
  maxPages: number;
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
  const origin = new URL(walk.firstUrl).origin;
  const fetched = new Set<string>();
  let url: string | null = walk.firstUrl;
  while (url) {
    walk.beforePage?.();
    fetched.add(canonical(url));
    const { page, refreshed }: { page: P; refreshed: boolean } = await fetchAndRead(walk, url);
    if (page.next !== null) checkNext(page.next, { origin, fetched, maxPages: walk.maxPages, from: url });
    yield { url, page, refreshed };
    url = page.next;
  }
}

/** The walk's `next` link, or a refusal that names what is wrong with it. */
export class PagingError extends BbsyncError {
  constructor(message: string) {
    super(message, 'paging_error');
  }
}

function checkNext(
  next: string,
  walk: { origin: string; fetched: Set<string>; maxPages: number; from: string },
): void {
  const where = new URL(walk.from).pathname;
  let target: URL;
  try {
    target = new URL(next);
  } catch {
    throw new PagingError(`BB2's next link on ${where} is not a URL`);
  }
  if (target.origin !== walk.origin) {
    throw new PagingError(
      `BB2's next link on ${where} leads to ${target.origin}, not BB2_BASE_URL: not followed`,
    );
  }
  if (walk.fetched.has(canonical(next))) {
    throw new PagingError(
      `BB2's next link on ${where} repeats a page this walk already fetched (a loop, after ${walk.fetched.size} pages)`,
    );
  }
  if (walk.fetched.size >= walk.maxPages) {
    throw new PagingError(
      `the walk of ${where} has more than BB2_MAX_PAGES_PER_WALK (${walk.maxPages}) pages: stopped`,
    );
  }
}

/** A page's identity: BFD orders link parameters as a HashMap does, so sort them. */
function canonical(url: string): string {
  const u = new URL(url);
  u.searchParams.sort();
  u.pathname = u.pathname.replace(/\/+$/, '');
  return u.href;
}

/**
 * The page's body lives only in here: the walk waits at `yield` while the caller writes the page,
 * and should not hold on to a few hundred KB of bytes it no longer needs meanwhile.
 */
async function fetchAndRead<P extends { next: string | null }>(
  walk: PageWalk<P>,
  url: string,
): Promise<{ page: P; refreshed: boolean }> {
  const fetched = await fetchPage(walk, url);
  return { page: await walk.read(fetched.body, url), refreshed: fetched.refreshed };
}

/** One page, with one refresh and one more try if BB2 rejects the access token. */
async function fetchPage(
  walk: PageWalk<{ next: string | null }>,
  url: string,
): Promise<FhirPageBody & { refreshed: boolean }> {
  const token = await walk.tokens.current();
  try {
    walk.onRequest?.();
    return { ...(await walk.fhir.getPageBody(url, token, walk.signal)), refreshed: false };
  } catch (err) {
    if (!(err instanceof AccessTokenRejected)) throw err;
  }
  const renewed = await walk.tokens.renew(token);
  try {
    walk.onRequest?.();
    return { ...(await walk.fhir.getPageBody(url, renewed, walk.signal)), refreshed: true };
  } catch (again) {
    if (!(again instanceof AccessTokenRejected)) throw again;
    const reauth = new ReauthRequiredError('BB2 rejected a freshly refreshed access token (401)');
    await walk.tokens.lost(reauth);
    throw reauth;
  }
}
