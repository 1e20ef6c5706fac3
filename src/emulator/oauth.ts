/**
 * OAuth 2.0 endpoints as BB2 serves them under /v2/o/ (authorize, login, consent, token, revoke,
 * introspect, the sandbox's expire_authenticated_user) and /v2/connect/userinfo.
 *
 * The authorize flow: GET or POST /v2/o/authorize/ validates the request and redirects (302) to the
 * emulated Medicare.gov login at /mymedicare/login?auth_uuid=..; a good login redirects to BB2's
 * consent URL /v2/o/authorize/<uuid>/; Allow redirects to redirect_uri?code=..&state=.., Deny to
 * redirect_uri?error=access_denied&state=... The forms are described in pages.ts.
 *
 * BB2 checks PKCE and state only after the Medicare.gov login (its authorize view sends anonymous
 * users to the login first); the emulator checks them up front so a bad request fails at once,
 * with the same status and body.
 */
import { createHash } from 'node:crypto';

import { authenticate, GRANT_EXPIRED_MESSAGE, GRANT_NOT_FOUND_MESSAGE, requireAnyScope } from './auth.ts';
import { nowMs, type Core, type Ctx } from './core.ts';
import {
  clientCredentials,
  HttpError,
  readForm,
  redirect,
  send,
  sendHtml,
  sendJson,
  sendText,
} from './http-util.ts';
import {
  addMonths,
  formatGrantExpiration,
  type ClientRegistration,
  type PendingAuthorization,
} from './oauth-state.ts';
import { consentPage, errorPage, loginPage } from './pages.ts';

/** BB2's SCOPES_SUPPORTED (apps/wellknown/constants.py). */
export const SCOPES_SUPPORTED = [
  'openid',
  'profile',
  'launch/patient',
  'patient/Patient.read',
  'patient/ExplanationOfBenefit.read',
  'patient/Coverage.read',
  'patient/Patient.rs',
  'patient/ExplanationOfBenefit.rs',
  'patient/Coverage.rs',
] as const;

/** Scopes an app gets when the authorize request has no `scope` (the BB2 docs' example grant). */
export const DEFAULT_SCOPES = [
  'profile',
  'patient/Patient.rs',
  'patient/ExplanationOfBenefit.rs',
  'patient/Coverage.rs',
];

/** BENE_PERSONAL_INFO_SCOPES: removed when the beneficiary does not share demographics. */
export const DEMOGRAPHIC_SCOPES = new Set([
  'patient/Patient.read',
  'patient/Patient.s',
  'patient/Patient.r',
  'patient/Patient.rs',
  'profile',
]);

const AVAILABLE_SCOPES = new Set<string>([
  ...SCOPES_SUPPORTED,
  ...['Patient', 'Coverage', 'ExplanationOfBenefit'].flatMap((t) => [`patient/${t}.r`, `patient/${t}.s`]),
]);

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `.r` plus `.s` of the same type become `.rs`, as BB2's `condense_scopes`. */
function condenseScopes(scopes: string[]): string[] {
  const out: string[] = [];
  for (const s of scopes) {
    const m = /^(patient\/\w+)\.(r|s)$/.exec(s);
    if (m) {
      const other = `${m[1]}.${m[2] === 'r' ? 's' : 'r'}`;
      if (scopes.includes(other) || scopes.includes(`${m[1]}.rs`)) {
        if (!out.includes(`${m[1]}.rs`)) out.push(`${m[1]}.rs`);
        continue;
      }
    }
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** oauthlib's add_params_to_uri: appends to the redirect URI's own query. */
function withParams(uri: string, params: Record<string, string>): string {
  const qs = new URLSearchParams(params).toString();
  const hash = uri.indexOf('#');
  const bare = hash >= 0 ? uri.slice(0, hash) : uri;
  return `${bare}${bare.includes('?') ? '&' : '?'}${qs}`;
}

function jsonError(status: number, body: Record<string, unknown>): HttpError {
  return new HttpError(status, body);
}

// --- /v2/o/authorize/ ------------------------------------------------------------------------

export async function handleAuthorize(ctx: Ctx, core: Core): Promise<void> {
  const params = new URLSearchParams(ctx.query);
  if (ctx.method === 'POST') {
    const form = await readForm(ctx.req);
    // BB2's require_post_state_decorator: the state must be in the POST body.
    if (!form.get('state')) {
      sendJson(ctx.res, 401, { status_code: 401, message: 'State required in POST body.' });
      return;
    }
    for (const [k, v] of form) if (!params.has(k)) params.append(k, v);
  }
  const get = (key: string): string | undefined => params.get(key) ?? undefined;

  const clientId = get('client_id');
  const client = clientId ? core.oauth.clients.get(clientId) : undefined;
  if (clientId && !client) {
    sendHtml(
      ctx.res,
      400,
      errorPage('Invalid client', 'invalid_client : Application does not exist (client_id)'),
    );
    return;
  }
  if (params.has('client_secret')) {
    sendText(ctx.res, 400, 'Illegal query parameter [client_secret] detected');
    return;
  }

  // BB2's AuthorizationView._check_for_required_params.
  const missing: string[] = [];
  if (!get('code_challenge')) missing.push('code_challenge');
  if (!get('code_challenge_method')) missing.push('code_challenge_method');
  const state = get('state');
  if (!state) {
    missing.push('state');
  } else if (state.length < 16) {
    sendJson(ctx.res, 400, {
      status_code: 400,
      message: 'State parameter should have a minimum of 16 characters',
    });
    return;
  }
  if (missing.length > 0) {
    sendJson(ctx.res, 400, {
      status_code: 400,
      message: `Missing Required Parameter(s): ${missing.join(', ')}`,
    });
    return;
  }
  if (get('code_challenge_method') !== 'S256') {
    sendJson(ctx.res, 400, {
      status_code: 400,
      error: 'invalid_request',
      error_description: 'code_challenge_method must be S256',
    });
    return;
  }
  if (!client) {
    sendHtml(ctx.res, 400, errorPage('Invalid request', 'invalid_request : Missing client_id parameter.'));
    return;
  }
  const givenRedirect = get('redirect_uri');
  if (givenRedirect !== undefined && !client.redirectUris.includes(givenRedirect)) {
    sendHtml(ctx.res, 400, errorPage('Invalid request', 'invalid_request : Mismatching redirect URI.'));
    return;
  }
  const redirectUri = givenRedirect ?? client.redirectUris[0];
  if (redirectUri === undefined) {
    sendHtml(ctx.res, 400, errorPage('Invalid request', 'invalid_request : Missing redirect URI.'));
    return;
  }
  const verifiedState = state as string;

  // From here on oauthlib reports errors to the client through its redirect URI.
  const responseType = get('response_type');
  if (!responseType) {
    redirect(
      ctx.res,
      withParams(redirectUri, {
        error: 'invalid_request',
        error_description: 'Missing response_type parameter.',
        state: verifiedState,
      }),
    );
    return;
  }
  if (responseType !== 'code') {
    redirect(ctx.res, withParams(redirectUri, { error: 'unsupported_response_type', state: verifiedState }));
    return;
  }
  const scopeParam = (get('scope') ?? '').trim();
  const requested = scopeParam === '' ? [...DEFAULT_SCOPES] : scopeParam.split(/\s+/);
  if (!requested.every((s) => AVAILABLE_SCOPES.has(s))) {
    redirect(ctx.res, withParams(redirectUri, { error: 'invalid_scope', state: verifiedState }));
    return;
  }

  const forward = new URLSearchParams(params);
  forward.delete('lang');
  const pending = core.oauth.startAuthorization(
    {
      clientId: client.clientId,
      redirectUri,
      state: verifiedState,
      codeChallenge: get('code_challenge') as string,
      scopes: condenseScopes(requested),
      query: forward.toString(),
    },
    nowMs(core),
  );
  redirect(ctx.res, `/mymedicare/login?auth_uuid=${pending.uuid}`);
}

// --- /mymedicare/login -----------------------------------------------------------------------

function expiredLogin(ctx: Ctx): void {
  sendHtml(
    ctx.res,
    400,
    errorPage(
      'This sign-in request has expired',
      'The authorization request is unknown or older than 30 minutes. Start again from your application.',
    ),
  );
}

function appName(core: Core, clientId: string): string {
  return core.oauth.clients.get(clientId)?.name ?? clientId;
}

export async function handleLogin(ctx: Ctx, core: Core): Promise<void> {
  const now = nowMs(core);
  if (ctx.method === 'GET') {
    const uuid = ctx.query.get('auth_uuid') ?? '';
    const pending = core.oauth.pendingAuthorization(uuid, now);
    if (!pending) return expiredLogin(ctx);
    sendHtml(
      ctx.res,
      200,
      loginPage({
        authUuid: uuid,
        appName: appName(core, pending.clientId),
        userCount: core.store.userCount,
      }),
    );
    return;
  }
  const form = await readForm(ctx.req);
  const uuid = form.get('auth_uuid') ?? '';
  const pending = core.oauth.pendingAuthorization(uuid, now);
  if (!pending) return expiredLogin(ctx);
  const username = (form.get('username') ?? '').trim();
  const password = form.get('password') ?? '';
  const user = username === '' ? undefined : core.store.userByUsername(username);
  if (!user || user.password !== password) {
    sendHtml(
      ctx.res,
      200,
      loginPage({
        authUuid: uuid,
        appName: appName(core, pending.clientId),
        userCount: core.store.userCount,
        username,
        error: user
          ? 'The password is not correct. Check it and try again.'
          : `There is no Medicare.gov account with the username "${username}".`,
      }),
    );
    return;
  }
  pending.patientId = user.patientId;
  pending.username = user.username;
  redirect(ctx.res, `/v2/o/authorize/${pending.uuid}/?${pending.query}`);
}

// --- /v2/o/authorize/<uuid>/ (consent) -------------------------------------------------------

function grantEndText(now: number): string {
  return new Date(addMonths(now, 13)).toLocaleDateString('en-US', {
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    timeZone: 'UTC',
  });
}

function isTrue(value: string | undefined, whenAbsent: boolean): boolean {
  if (value === undefined) return whenAbsent;
  const v = value.trim().toLowerCase();
  return v !== '' && v !== 'false' && v !== '0';
}

export async function handleConsent(ctx: Ctx, core: Core, uuid: string): Promise<void> {
  const now = nowMs(core);
  const pending = UUID_RE.test(uuid) ? core.oauth.pendingAuthorization(uuid, now) : undefined;
  if (!pending) {
    sendJson(ctx.res, 404, { status_code: 404, message: 'Not found.' });
    return;
  }
  if (pending.patientId === undefined) {
    redirect(ctx.res, `/mymedicare/login?auth_uuid=${pending.uuid}`);
    return;
  }
  if (ctx.method === 'GET') {
    sendHtml(
      ctx.res,
      200,
      consentPage({
        action: `/v2/o/authorize/${pending.uuid}/`,
        appName: appName(core, pending.clientId),
        username: pending.username ?? pending.patientId,
        scopes: pending.scopes,
        grantEnds: grantEndText(now),
        hiddenFields: {
          client_id: pending.clientId,
          redirect_uri: pending.redirectUri,
          response_type: 'code',
          state: pending.state,
          code_challenge: pending.codeChallenge,
          code_challenge_method: 'S256',
          scope: pending.scopes.join(' '),
        },
      }),
    );
    return;
  }
  const form = await readForm(ctx.req);
  const last = (name: string): string | undefined => {
    const all = form.getAll(name);
    return all.length > 0 ? all[all.length - 1] : undefined;
  };
  const allow = isTrue(last('allow'), false);
  const share = isTrue(last('share_demographic_scopes'), true);
  finishConsent(ctx, core, pending, allow, share, now);
}

function finishConsent(
  ctx: Ctx,
  core: Core,
  pending: PendingAuthorization,
  allow: boolean,
  share: boolean,
  now: number,
): void {
  const patientId = pending.patientId as string;
  const scopes = share ? [...pending.scopes] : pending.scopes.filter((s) => !DEMOGRAPHIC_SCOPES.has(s));
  if (!allow) {
    core.oauth.finishPending(pending.uuid);
    redirect(ctx.res, withParams(pending.redirectUri, { error: 'access_denied', state: pending.state }));
    return;
  }
  if (scopes.length === 0) {
    // BB2 treats "no scope left" as a denial and removes the pair's tokens and grant.
    core.oauth.finishPending(pending.uuid);
    core.oauth.removePairAccess(pending.clientId, patientId);
    redirect(ctx.res, withParams(pending.redirectUri, { error: 'access_denied', state: pending.state }));
    return;
  }
  const code = core.oauth.authorize(pending, patientId, scopes, now);
  core.stats.authorizations++;
  redirect(ctx.res, withParams(pending.redirectUri, { code: code.code, state: pending.state }));
}

// --- /v2/o/token/ ----------------------------------------------------------------------------

const TOKEN_HEADERS = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

/** DOT's client authentication (client_secret_basic or client_secret_post). */
function authenticateClient(
  ctx: Ctx,
  core: Core,
  form: URLSearchParams,
): Required<ClientRegistration> | undefined {
  const creds = clientCredentials(ctx.req, form);
  if (!creds) return undefined;
  const client = core.oauth.clients.get(creds.clientId);
  if (!client || creds.clientSecret === undefined || creds.clientSecret !== client.clientSecret) {
    return undefined;
  }
  return client;
}

function invalidClient(): HttpError {
  return new HttpError(
    401,
    { error: 'invalid_client' },
    { 'WWW-Authenticate': 'Bearer error="invalid_client"', ...TOKEN_HEADERS },
  );
}

function tokenBody(
  access: { token: string; scopes: readonly string[]; patientId: string },
  refreshToken: string,
  ttl: number,
  grantExpiresAt: number | undefined,
): Record<string, unknown> {
  return {
    access_token: access.token,
    expires_in: ttl,
    token_type: 'Bearer',
    scope: access.scopes.join(' '),
    refresh_token: refreshToken,
    patient: access.patientId,
    access_grant_expiration: grantExpiresAt === undefined ? '' : formatGrantExpiration(grantExpiresAt),
  };
}

const UPSTREAM_502 = { status_code: 502, message: 'Failed to retrieve data from data source.' };

export async function handleToken(ctx: Ctx, core: Core): Promise<void> {
  const form = await readForm(ctx.req);
  if (core.faults.tokenRate5xx > 0 && core.random() < core.faults.tokenRate5xx) {
    sendJson(ctx.res, 502, UPSTREAM_502, TOKEN_HEADERS);
    return;
  }
  const client = authenticateClient(ctx, core, form);
  if (!client) throw invalidClient();
  const grantType = form.get('grant_type');
  const now = nowMs(core);
  const ttl = core.accessTokenTtlSeconds;

  if (grantType === 'authorization_code' || grantType === null) {
    if (grantType === null) throw jsonError(400, { error: 'unsupported_grant_type' });
    const codeValue = form.get('code');
    if (!codeValue) {
      throw jsonError(400, { error: 'invalid_request', error_description: 'Missing code parameter.' });
    }
    const code = core.oauth.findCode(codeValue, client.clientId, now);
    if (!code) throw jsonError(400, { error: 'invalid_grant' });
    // oauthlib checks PKCE, then the redirect URI; a failed exchange leaves the code usable.
    const verifier = form.get('code_verifier');
    if (verifier === null || verifier === '') {
      throw jsonError(400, { error: 'invalid_request', error_description: 'Code verifier required.' });
    }
    const challenge = createHash('sha256').update(verifier, 'ascii').digest('base64url');
    if (challenge !== code.codeChallenge.replace(/=+$/, '')) throw jsonError(400, { error: 'invalid_grant' });
    const redirectUri = form.get('redirect_uri') ?? client.redirectUris[0];
    if (redirectUri !== code.redirectUri) {
      throw jsonError(400, { error: 'invalid_request', error_description: 'Mismatching redirect URI.' });
    }
    // BB2's own PKCE validator (apps/pkce/oauth2_server.py) runs after oauthlib's checks.
    if (verifier.length > 128) {
      throw jsonError(400, {
        error: 'invalid_request',
        error_description: 'code_verifier max length is 128',
      });
    }
    if (verifier.length < 43) {
      throw jsonError(400, { error: 'invalid_request', error_description: 'code_verifier min length is 43' });
    }
    core.oauth.consumeCode(code.code);
    const { access, refresh } = core.oauth.issueTokens(
      client.clientId,
      code.patientId,
      code.scopes,
      now,
      ttl,
    );
    core.stats.tokensIssued++;
    const grant = core.oauth.grant(client.clientId, code.patientId);
    sendJson(ctx.res, 200, tokenBody(access, refresh.token, ttl, grant?.expiresAt), TOKEN_HEADERS);
    return;
  }

  if (grantType === 'refresh_token') {
    const token = form.get('refresh_token');
    if (!token) {
      throw jsonError(400, {
        status_code: 400,
        error: 'invalid_request',
        error_description: 'Missing refresh token parameter',
      });
    }
    const outcome = core.oauth.refreshTokens(token, client.clientId, form.get('scope'), now, ttl);
    switch (outcome.kind) {
      case 'not_found':
        throw jsonError(400, {
          status_code: 400,
          error: 'invalid_request',
          error_description: 'Refresh token not found.',
        });
      case 'grant_missing':
        throw jsonError(403, {
          status_code: 403,
          error: 'invalid_grant',
          error_description: GRANT_NOT_FOUND_MESSAGE,
        });
      case 'grant_expired':
        throw jsonError(401, {
          status_code: 401,
          error: 'invalid_grant',
          error_description: GRANT_EXPIRED_MESSAGE,
        });
      case 'reused':
        core.stats.refreshTokenReuse++;
        throw jsonError(400, { error: 'invalid_grant' });
      case 'wrong_client':
        throw jsonError(400, { error: 'invalid_grant' });
      case 'invalid_scope':
        throw jsonError(400, { error: 'invalid_scope' });
      case 'ok': {
        core.stats.refreshes++;
        core.stats.tokensIssued++;
        if (core.faults.refreshLostRate > 0 && core.random() < core.faults.refreshLostRate) {
          // BB2 calls BFD after DOT has rotated and committed the tokens.
          sendJson(ctx.res, 502, UPSTREAM_502, TOKEN_HEADERS);
          return;
        }
        sendJson(
          ctx.res,
          200,
          tokenBody(outcome.access, outcome.refresh.token, ttl, outcome.grant.expiresAt),
          TOKEN_HEADERS,
        );
        return;
      }
    }
  }
  throw jsonError(400, { error: 'unsupported_grant_type' });
}

// --- /v2/o/revoke_token/ and /v2/o/revoke/ ---------------------------------------------------

export async function handleRevokeToken(ctx: Ctx, core: Core, deleteGrant: boolean): Promise<void> {
  const form = await readForm(ctx.req);
  const client = authenticateClient(ctx, core, form);
  if (!client) throw invalidClient();
  const token = form.get('token');
  if (token) {
    if (deleteGrant) {
      // BB2's RevokeView deletes the grant only when the token is an access token.
      const at = core.oauth.accessToken(token);
      if (at && at.clientId === client.clientId) core.oauth.deleteGrant(client.clientId, at.patientId);
    }
    core.oauth.revokeToken(token, client.clientId);
  }
  send(ctx.res, 200, '', {});
}

// --- /v2/o/introspect/ -----------------------------------------------------------------------

export async function handleIntrospect(ctx: Ctx, core: Core): Promise<void> {
  const form = ctx.method === 'POST' ? await readForm(ctx.req) : new URLSearchParams();
  const client = authenticateClient(ctx, core, ctx.method === 'POST' ? form : ctx.query);
  if (!client) {
    send(ctx.res, 403, '', { 'Content-Type': 'text/html; charset=utf-8' });
    return;
  }
  const token = (ctx.method === 'POST' ? form.get('token') : ctx.query.get('token')) ?? '';
  const at = core.oauth.accessToken(token);
  if (!at || nowMs(core) >= at.expiresAt) {
    sendJson(ctx.res, 200, { active: false });
    return;
  }
  const user = core.store.userByPatientId(at.patientId);
  sendJson(ctx.res, 200, {
    active: true,
    scope: at.scopes.join(' '),
    exp: Math.floor(at.expiresAt / 1000),
    client_id: at.clientId,
    username: user?.username ?? at.patientId,
  });
}

// --- /v2/o/expire_authenticated_user/<patientId>/ --------------------------------------------

export async function handleExpireAuthenticatedUser(ctx: Ctx, core: Core, patientId: string): Promise<void> {
  const form = await readForm(ctx.req);
  const client = authenticateClient(ctx, core, form);
  if (!client) {
    send(ctx.res, 403, '', { 'Content-Type': 'text/html; charset=utf-8' });
    return;
  }
  if (!core.store.userByPatientId(patientId)) {
    sendText(ctx.res, 404, 'Patient was Not Found. Please check the id number and try again.');
    return;
  }
  if (!core.oauth.deleteGrant(client.clientId, patientId)) {
    sendText(ctx.res, 404, 'Data Access Grant was Not Found.');
    return;
  }
  sendText(ctx.res, 200, 'success');
}

// --- /v2/connect/userinfo --------------------------------------------------------------------

interface HumanName {
  given?: unknown;
  family?: unknown;
}

export function handleUserinfo(ctx: Ctx, core: Core): void {
  const at = authenticate(ctx, core);
  requireAnyScope(at, ['profile']);
  const record = core.store.record(at.patientId);
  const names = (record?.patient as { name?: HumanName[] } | undefined)?.name;
  const first = Array.isArray(names) ? names[0] : undefined;
  const given = Array.isArray(first?.given) && typeof first.given[0] === 'string' ? first.given[0] : '';
  const family = typeof first?.family === 'string' ? first.family : '';
  sendJson(ctx.res, 200, {
    sub: at.patientId,
    name: `${given} ${family}`.trim(),
    given_name: given,
    family_name: family,
    email: '',
    iat: core.clock().toISOString(),
    patient: at.patientId,
  });
}
