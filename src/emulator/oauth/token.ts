/** /v2/o/token/: the authorization-code exchange and refresh-token rotation, as BB2 answers them. */
import { createHash } from 'node:crypto';

import { GRANT_EXPIRED_MESSAGE, GRANT_NOT_FOUND_MESSAGE } from '../auth.ts';
import { nowMs, type Core, type Ctx } from '../core.ts';
import { HttpError, readForm, sendJson } from '../http-util.ts';
import { authenticateClient, invalidClient, TOKEN_HEADERS } from './client-auth.ts';
import { formatGrantExpiration, type ClientRegistration } from './records.ts';
import { sendHugeBody } from '../hostile.ts';
import { inactiveMessage, ONE_TIME_REFRESH_MESSAGE } from '../registrations.ts';

function jsonError(status: number, body: Record<string, unknown>): HttpError {
  return new HttpError(status, body);
}

function tokenBody(
  access: { token: string; scopes: readonly string[]; patientId: string },
  refreshToken: string,
  ttl: number,
  grantExpiresAt: number | undefined,
  patientIdOut: (patientId: string) => string,
): Record<string, unknown> {
  return {
    access_token: access.token,
    expires_in: ttl,
    token_type: 'Bearer',
    scope: access.scopes.join(' '),
    refresh_token: refreshToken,
    patient: patientIdOut(access.patientId),
    access_grant_expiration: grantExpiresAt === undefined ? '' : formatGrantExpiration(grantExpiresAt),
  };
}

function chance(core: Core, rate: number): boolean {
  return rate > 0 && core.random() < rate;
}

/**
 * The token faults of hostile mode, on refresh responses only (a client must survive them with its
 * rotated refresh token kept): no `refresh_token` when the refresh did not rotate, an `id_token`
 * signed by nobody, an unexpected `token_type`.
 */
function hostileTokenBody(
  core: Core,
  body: Record<string, unknown>,
  rotated: boolean,
): Record<string, unknown> {
  const out = { ...body };
  if (!rotated) delete out.refresh_token;
  if (chance(core, core.faults.tokenIdTokenRate)) out.id_token = uncheckableIdToken();
  if (chance(core, core.faults.tokenTypeRate)) out.token_type = 'mac';
  return out;
}

/** A JWT-shaped id_token with an issuer and audience no client expects, and no valid signature. */
function uncheckableIdToken(): string {
  const part = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return [
    part({ alg: 'RS256', kid: 'none' }),
    part({ iss: 'https://elsewhere.invalid', aud: 'someone-else', sub: 'x', iat: now, exp: now + 60 }),
    'c2lnbmF0dXJl',
  ].join('.');
}

const UPSTREAM_502 = { status_code: 502, message: 'Failed to retrieve data from data source.' };

/** `patientIdOut`: the id the answer names the patient by (v3 answers with the v3 id). */
export async function handleToken(
  ctx: Ctx,
  core: Core,
  patientIdOut: (patientId: string) => string = (id) => id,
): Promise<void> {
  const form = await readForm(ctx.req);
  if (core.faults.tokenRate5xx > 0 && core.random() < core.faults.tokenRate5xx) {
    sendJson(ctx.res, 502, UPSTREAM_502, TOKEN_HEADERS);
    return;
  }
  if (core.faults.tokenLatencyMs > 0) await new Promise((r) => setTimeout(r, core.faults.tokenLatencyMs));
  if (chance(core, core.faults.tokenHugeBodyRate)) {
    sendHugeBody(ctx.res, 'application/json', core.faults.hugeBodyBytes);
    return;
  }
  const client = authenticateClient(ctx, core, form);
  if (!client) throw invalidClient();
  const grantType = form.get('grant_type');
  refuseByRegistration(client, grantType);
  const request: TokenRequest = {
    ctx,
    core,
    client,
    form,
    now: nowMs(core),
    ttl: core.accessTokenTtlSeconds,
    patientIdOut,
  };
  if (grantType === 'authorization_code') return exchangeCode(request);
  if (grantType === 'refresh_token') return rotateRefreshToken(request);
  throw jsonError(400, { error: 'unsupported_grant_type' });
}

type TokenClient = Required<ClientRegistration>;

/** One authenticated /token request: the client, its form, the time and the token lifetime. */
interface TokenRequest {
  readonly ctx: Ctx;
  readonly core: Core;
  readonly client: TokenClient;
  readonly form: URLSearchParams;
  readonly now: number;
  readonly ttl: number;
  /** The id the answer names the patient by (v3 answers with the v3 id). */
  readonly patientIdOut: (patientId: string) => string;
}

/**
 * BB2's `validate_app_is_active` before DOT: an inactive app gets 403 invalid_client, and a
 * ONE_TIME app may not refresh (403 invalid_client too).
 */
function refuseByRegistration(client: TokenClient, grantType: string | null): void {
  if (!client.active) {
    throw jsonError(403, {
      status_code: 403,
      error: 'invalid_client',
      error_description: inactiveMessage(client.name),
    });
  }
  if (grantType === 'refresh_token' && client.dataAccessType === 'ONE_TIME') {
    throw jsonError(403, {
      status_code: 403,
      error: 'invalid_client',
      error_description: ONE_TIME_REFRESH_MESSAGE,
    });
  }
}

/** grant_type=authorization_code: the code, PKCE and redirect URI checks, then new tokens. */
function exchangeCode(request: TokenRequest): void {
  const { ctx, core, client, form, now, ttl, patientIdOut } = request;
  const codeValue = form.get('code');
  if (!codeValue) {
    throw jsonError(400, { error: 'invalid_request', error_description: 'Missing code parameter.' });
  }
  const code = core.oauth.findCode(codeValue, client.clientId, now);
  if (!code) throw jsonError(400, { error: 'invalid_grant' });
  // oauthlib checks PKCE, then the redirect URI; a failed exchange leaves the code usable.
  const verifier = form.get('code_verifier');
  if (verifier) core.oauth.onSecret?.('code_verifier', verifier, code.patientId);
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
  const { access, refresh } = core.oauth.issueTokens(code, now, ttl);
  core.stats.tokensIssued++;
  const grant = core.oauth.grant(client.clientId, code.patientId);
  const body = tokenBody(access, refresh.token, ttl, grant?.expiresAt, patientIdOut);
  if (chance(core, core.faults.exchangeTokenTypeRate)) body.token_type = 'mac';
  sendJson(ctx.res, 200, body, TOKEN_HEADERS);
  return;
}

/** grant_type=refresh_token: BB2's grant checks, then DOT's rotation (see OAuthState.refreshTokens). */
function rotateRefreshToken(request: TokenRequest): void {
  const { ctx, core, client, form, now, ttl, patientIdOut } = request;
  const token = form.get('refresh_token');
  if (!token) {
    throw jsonError(400, {
      status_code: 400,
      error: 'invalid_request',
      error_description: 'Missing refresh token parameter',
    });
  }
  const rotate = !chance(core, core.faults.noRefreshTokenRate);
  const outcome = core.oauth.refreshTokens(token, client.clientId, form.get('scope'), now, ttl, { rotate });
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
      if (outcome.lost) core.stats.lostRefreshTokens++;
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
      outcome.refresh.delivered = true;
      const body = tokenBody(
        outcome.access,
        outcome.refresh.token,
        ttl,
        outcome.grant.expiresAt,
        patientIdOut,
      );
      sendJson(ctx.res, 200, hostileTokenBody(core, body, rotate), TOKEN_HEADERS);
      return;
    }
  }
}
