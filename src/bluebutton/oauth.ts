/**
 * OAuth 2.0 with BB2, through openid-client: the authorization URL (PKCE S256 and a state, both
 * always sent: BB2 requires them even though its discovery document does not say so), the code
 * exchange, refresh and revocation. Endpoints are configured statically from BB2_BASE_URL and the
 * API version (api-version.ts), so the sandbox, production and the local emulator differ only by
 * that URL. New authorizations use BB2_API_VERSION; a refresh or revocation uses the version that
 * issued the token.
 *
 * Every failure is classified here (see classifyTokenError): the caller decides retry or
 * re-consent from the error's category, never from HTTP details.
 */
import * as client from 'openid-client';
import { z } from 'zod';

import { Bb2Error, BbsyncError, GrantExpiredError, ReauthRequiredError } from '../errors.ts';
import { API_VERSIONS, bb2Endpoints, type ApiVersion } from './api-version.ts';
import { probeApplication, refusingInactive, type ApplicationProbe } from './app-active.ts';
import { describeNetworkError, isTimeout, makeFetch, type HttpHooks } from './http.ts';

export interface OAuthSettings {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scopes: string;
  timeoutMs: number;
  /** The refresh's own timeout, shorter than the shutdown grace: a refresh is never cut off by a shutdown. */
  refreshTimeoutMs?: number;
  /** BB2_MAX_RESPONSE_BYTES, for token and revoke responses too. */
  maxResponseBytes?: number;
  allowInsecureHttp: boolean;
  /** The version new authorizations go through (BB2_API_VERSION); v3 requires `scope`, always sent. */
  apiVersion?: ApiVersion;
}

/** What BB2's token endpoint returns (access_token, refresh_token, patient, access_grant_expiration...). */
export interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
  patient?: string;
  access_grant_expiration?: string;
  token_type?: string;
}

export interface OAuthClient {
  /** The API version new authorizations (authorizationUrl, exchangeCode) go through. */
  readonly apiVersion: ApiVersion;
  authorizationUrl(params: { state: string; codeChallenge: string }): URL;
  /**
   * Exchanges the code in a callback URL; throws AuthorizationDenied for `access_denied`.
   * `onTokens` is awaited with the tokens of a 200 (access token, refresh token and patient, as BB2
   * sent them) before anything validates the response: BB2 has created the grant and spent the
   * code, so what it sent must be kept even if the response is then rejected. If it throws, the
   * exchange fails with its error.
   */
  exchangeCode(
    callbackUrl: URL,
    checks: {
      codeVerifier: string;
      expectedState: string;
      onTokens?: (tokens: TokenResponse) => Promise<void>;
    },
  ): Promise<TokenResponse>;
  /**
   * Refreshes with the version that issued the token (`version`, default: apiVersion).
   * `onRefreshToken` is awaited with the new refresh token the moment a 200 carrying one arrives,
   * before anything validates the response: BB2 has already spent the old token, so the new one
   * must be stored even if the response is then rejected. If it throws, the refresh fails with it.
   */
  refresh(
    refreshToken: string,
    options?: { version?: ApiVersion; onRefreshToken?: (refreshToken: string) => Promise<void> },
  ): Promise<TokenResponse>;
  /**
   * Awaits the shared request limit for a refresh, so the caller can wait for it before taking
   * its lock; the refresh itself then does not wait again.
   */
  awaitRefreshSlot(): Promise<void>;
  /** BB2's `/v{n}/o/revoke/`: revokes the token and deletes the data access grant (given an access token). */
  revokeGrant(accessToken: string, version?: ApiVersion): Promise<void>;
  /**
   * Whether BB2 accepts this application now, asked without spending anyone's token (see
   * probeApplication). Throws (classified) when BB2 gives no clear answer either way.
   */
  probeApplication(): Promise<ApplicationProbe>;
}

export type { ApplicationProbe } from './app-active.ts';

/** The beneficiary said no on the consent page, or BB2 refused the authorization. */
export class AuthorizationDenied extends Error {
  constructor(
    readonly error: string,
    description?: string,
  ) {
    super(description ? `${error}: ${description}` : error);
    this.name = 'AuthorizationDenied';
  }
}

/** What the client's steps share: its settings, its fetches and openid-client's configurations. */
interface OAuthContext {
  settings: OAuthSettings;
  base: string;
  apiVersion: ApiVersion;
  /** The project's fetch (timeout, hooks, body cap), for the probe, which reads every answer itself. */
  plainFetch: typeof fetch;
  /** The same, with BB2's "application inactive" answers thrown as AppInactiveError. */
  fetchImpl: typeof fetch;
  /** For refreshes: without the rate-limit hook (awaitRefreshSlot waits for it) and its own timeout. */
  refreshFetch: typeof fetch;
  configure(
    version: ApiVersion,
    revocation: 'revokeToken' | 'revokeGrant',
    fetchFn?: typeof fetch,
  ): client.Configuration;
  /** Per version: revocation of the token (RFC 7009) and of the grant (BB2's /revoke/). */
  configs: Record<ApiVersion, { token: client.Configuration; grant: client.Configuration }>;
}

function oauthContext(settings: OAuthSettings, hooks: HttpHooks): OAuthContext {
  const base = settings.baseUrl.replace(/\/+$/, '');
  const caps = { maxResponseBytes: settings.maxResponseBytes };
  const plainFetch = makeFetch({ ...hooks, ...caps, timeoutMs: settings.timeoutMs });
  const fetchImpl = refusingInactive(plainFetch);
  // The caller waits for the rate limit before a refresh (awaitRefreshSlot), outside its lock.
  const refreshFetch = refusingInactive(
    makeFetch({
      onResponse: hooks.onResponse,
      ...caps,
      timeoutMs: settings.refreshTimeoutMs ?? settings.timeoutMs,
    }),
  );
  const configure: OAuthContext['configure'] = (version, revocation, fetchFn = fetchImpl) => {
    const endpoints = bb2Endpoints(base, version);
    const config = new client.Configuration(
      {
        issuer: base,
        authorization_endpoint: endpoints.authorize,
        token_endpoint: endpoints.token,
        revocation_endpoint: endpoints[revocation],
      },
      settings.clientId,
      undefined,
      client.ClientSecretBasic(settings.clientSecret),
    );
    config[client.customFetch] = (url, options) => fetchFn(url, options as RequestInit);
    // openid-client refuses http:// unless told; only the local emulator is ever plain http.
    if (settings.allowInsecureHttp) client.allowInsecureRequests(config);
    return config;
  };
  const configs = Object.fromEntries(
    API_VERSIONS.map((v) => [v, { token: configure(v, 'revokeToken'), grant: configure(v, 'revokeGrant') }]),
  ) as OAuthContext['configs'];
  const apiVersion = settings.apiVersion ?? 'v2';
  return { settings, base, apiVersion, plainFetch, fetchImpl, refreshFetch, configure, configs };
}

export function createOAuthClient(settings: OAuthSettings, hooks: HttpHooks = {}): OAuthClient {
  const ctx = oauthContext(settings, hooks);
  const { apiVersion } = ctx;
  return {
    apiVersion,
    authorizationUrl: ({ state, codeChallenge }) =>
      client.buildAuthorizationUrl(ctx.configs[apiVersion].token, {
        response_type: 'code',
        redirect_uri: settings.redirectUri,
        scope: settings.scopes,
        code_challenge: codeChallenge,
        code_challenge_method: 'S256',
        state,
      }),
    exchangeCode: (callbackUrl, checks) => exchangeCode(ctx, callbackUrl, checks),
    refresh: (refreshToken, options) => refreshTokens(ctx, refreshToken, options),
    async awaitRefreshSlot() {
      await hooks.beforeRequest?.();
    },
    probeApplication: () =>
      probeApplication(ctx.plainFetch, bb2Endpoints(ctx.base, apiVersion).revokeToken, settings),
    async revokeGrant(accessToken, version = apiVersion) {
      try {
        await client.tokenRevocation(ctx.configs[version].grant, accessToken, {
          token_type_hint: 'access_token',
        });
      } catch (err) {
        throw classifyTokenError(err, 'revoking the grant');
      }
    },
  };
}

/** The code exchange (OAuthClient.exchangeCode): the tokens of a 200 are handed to `onTokens` first. */
async function exchangeCode(
  ctx: OAuthContext,
  callbackUrl: URL,
  checks: Parameters<OAuthClient['exchangeCode']>[1],
): Promise<TokenResponse> {
  const { codeVerifier, expectedState, onTokens } = checks;
  try {
    const tokens = await client.authorizationCodeGrant(
      onTokens
        ? ctx.configure(ctx.apiVersion, 'revokeToken', handingOn200(ctx.fetchImpl, grantIn, onTokens))
        : ctx.configs[ctx.apiVersion].token,
      callbackUrl,
      { pkceCodeVerifier: codeVerifier, expectedState },
      { redirect_uri: ctx.settings.redirectUri },
    );
    return parseTokenResponse(tokens, 'exchanging the authorization code');
  } catch (err) {
    if (err instanceof BbsyncError) throw err;
    if (err instanceof client.AuthorizationResponseError) {
      throw new AuthorizationDenied(err.error, err.error_description);
    }
    throw classifyTokenError(err, 'exchanging the authorization code');
  }
}

/** A refresh (OAuthClient.refresh): a rotated refresh token goes to `onRefreshToken` before anything else. */
async function refreshTokens(
  ctx: OAuthContext,
  refreshToken: string,
  options: Parameters<OAuthClient['refresh']>[1] = {},
): Promise<TokenResponse> {
  const onRefreshToken = options.onRefreshToken;
  const fetchFn = onRefreshToken
    ? handingOn200(ctx.refreshFetch, refreshTokenIn, onRefreshToken)
    : ctx.refreshFetch;
  let tokens: unknown;
  try {
    const config = ctx.configure(options.version ?? ctx.apiVersion, 'revokeToken', fetchFn);
    tokens = await client.refreshTokenGrant(config, refreshToken);
  } catch (err) {
    throw classifyTokenError(err, 'refreshing the access token');
  }
  return parseTokenResponse(tokens, 'refreshing the access token');
}

/**
 * `fetchFn`, except that a 200's body is read by `find` first and what it finds is awaited in
 * `handOn` before the response goes back to openid-client: whatever openid-client then makes of
 * the answer, the caller has already kept what BB2 sent (tokens BB2 may have rotated).
 */
function handingOn200<T>(
  fetchFn: typeof fetch,
  find: (body: string) => T | undefined,
  handOn: (found: T) => Promise<void>,
): typeof fetch {
  return async (input, init) => {
    const response = await fetchFn(input, init);
    if (response.status === 200) {
      const found = find(await response.clone().text());
      if (found !== undefined) await handOn(found);
    }
    return response;
  };
}

/**
 * What a failed token request means for the enrollment:
 * - invalid_grant (any status), "Refresh token not found", or any other 401/403 -> the beneficiary
 *   must connect again (reauth_required, never retried);
 * - invalid_client -> our credentials are wrong (auth_client: ops must act, the enrollment itself
 *   is fine); BB2's "application inactive" answers never get here (refusingInactive: app_inactive);
 * - 5xx, a non-OAuth body, network errors and timeouts -> transient. Careful: BB2 may have rotated
 *   the refresh token before failing, so the caller must re-read the stored token, never retry
 *   with the one it holds.
 */
export function classifyTokenError(err: unknown, doing: string): Error {
  // Our own errors from inside the request (a body over the cap, a failed save of a rotated token)
  // reach us wrapped by openid-client.
  if (err instanceof client.ClientError && err.cause instanceof BbsyncError) return err.cause;
  if (err instanceof BbsyncError) return err;
  if (err instanceof client.ResponseBodyError) {
    const description = err.error_description ? ` (${err.error_description})` : '';
    const what = `BB2 answered ${err.status} ${err.error}${description} while ${doing}`;
    if (err.error === 'invalid_client') return new Bb2Error(what, 'auth_client', err.status);
    // apps/constants.py: the 13-month grant is over (BB2 says so on refresh, 401 invalid_grant).
    if (/user access has timed out/i.test(err.error_description ?? '')) return new GrantExpiredError(what);
    if (
      err.error === 'invalid_grant' ||
      err.status === 401 ||
      err.status === 403 ||
      /refresh token not found/i.test(err.error_description ?? '')
    ) {
      return new ReauthRequiredError(what);
    }
    return new Bb2Error(what, err.status >= 500 ? 'upstream_5xx' : 'fhir_4xx', err.status);
  }
  if (err instanceof client.WWWAuthenticateChallengeError) {
    const challenge = err.cause[0]?.parameters;
    const error = challenge?.error ?? 'invalid_client';
    const what = `BB2 answered ${err.status} ${error} while ${doing}`;
    if (error === 'invalid_client') return new Bb2Error(what, 'auth_client', err.status);
    return new ReauthRequiredError(what);
  }
  if (isTimeout(err)) return new Bb2Error(`BB2 did not answer in time while ${doing}`, 'timeout');
  if (err instanceof client.ClientError && err.cause instanceof TypeError) {
    return new Bb2Error(`network error while ${doing}: ${describeNetworkError(err.cause)}`, 'network');
  }
  if (err instanceof client.ClientError) {
    const cause = (err as { cause?: { status?: unknown } }).cause;
    const status = typeof cause?.status === 'number' ? cause.status : undefined;
    if (status !== undefined) {
      const what = `BB2 answered ${status} with a body that is not an OAuth response while ${doing}`;
      if (status >= 500) return new Bb2Error(what, 'upstream_5xx', status);
      if (status === 401 || status === 403) return new ReauthRequiredError(what);
      return new Bb2Error(what, 'malformed_response', status);
    }
    return new Bb2Error(`${err.message} while ${doing}`, 'malformed_response');
  }
  if (err instanceof TypeError || (err instanceof Error && err.name === 'AbortError')) {
    return new Bb2Error(`network error while ${doing}: ${describeNetworkError(err)}`, 'network');
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** The `refresh_token` of a token response body, if it has one; never throws. */
function refreshTokenIn(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { refresh_token?: unknown } | null;
    const token = body?.refresh_token;
    return typeof token === 'string' && token.length > 0 ? token : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The tokens of a code exchange's 200 body as BB2 sent them, before any validation; undefined
 * unless it has an access token, a refresh token and a patient (what an enrollment needs). Never throws.
 */
function grantIn(text: string): TokenResponse | undefined {
  let body: Record<string, unknown>;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    body = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const str = (key: string) => {
    const v = body[key];
    return typeof v === 'string' && v.length > 0 ? v : undefined;
  };
  const [access, refresh, patient] = [str('access_token'), str('refresh_token'), str('patient')];
  if (!access || !refresh || !patient) return undefined;
  const expiresIn = body.expires_in;
  return {
    access_token: access,
    refresh_token: refresh,
    patient,
    ...(typeof expiresIn === 'number' && expiresIn > 0 ? { expires_in: expiresIn } : {}),
    ...(str('scope') !== undefined ? { scope: str('scope') } : {}),
    ...(typeof body.access_grant_expiration === 'string'
      ? { access_grant_expiration: body.access_grant_expiration }
      : {}),
  };
}

/** What we rely on in a token response (RFC 6749 §5.1 plus BB2's `patient` and `access_grant_expiration`). */
const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().regex(/^bearer$/i, 'must be Bearer'),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive().optional(),
  scope: z.string().optional(),
  patient: z.string().min(1).optional(),
  access_grant_expiration: z.string().optional(),
});

/** A token response checked field by field: a malformed_response names what is wrong, never a value. */
export function parseTokenResponse(tokens: unknown, doing: string): TokenResponse {
  const parsed = tokenResponseSchema.safeParse(tokens);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
  throw new Bb2Error(
    `BB2's token response is not usable while ${doing} (${problems})`,
    'malformed_response',
    200,
  );
}
