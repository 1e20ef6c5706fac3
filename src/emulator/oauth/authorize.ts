/**
 * GET or POST /v2/o/authorize/: validates the request and redirects (302) to the emulated
 * Medicare.gov login at /mymedicare/login?auth_uuid=...
 *
 * BB2 checks PKCE and state only after the Medicare.gov login (its authorize view sends anonymous
 * users to the login first); the emulator checks them up front so a bad request fails at once,
 * with the same status and body.
 */
import { nowMs, type Core, type Ctx } from '../core.ts';
import { readForm, redirect, sendHtml, sendJson, sendText } from '../http-util.ts';
import { appInactivePage, errorPage } from '../pages.ts';
import { inactiveMessage } from '../registrations.ts';
import type { PendingAuthorization } from './records.ts';
import { withParams } from './redirect-uri.ts';
import { AVAILABLE_SCOPES, condenseScopes, DEFAULT_SCOPES, DEMOGRAPHIC_SCOPES } from './scopes.ts';

/** A checked authorize request: the client it names and where to send the user back. */
interface CheckedRequest {
  client: { clientId: string; requireDemographicScopes: boolean };
  redirectUri: string;
  state: string;
  codeChallenge: string;
}

/** `onStarted`: told of the pending authorization before the redirect to the login (v3 marks its own). */
export async function handleAuthorize(
  ctx: Ctx,
  core: Core,
  onStarted?: (pending: PendingAuthorization) => void,
): Promise<void> {
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
  const checked = checkRequest(ctx, core, params);
  if (!checked) return;
  const scopes = checkResponseTypeAndScopes(ctx, params, checked);
  if (!scopes) return;

  const forward = new URLSearchParams(params);
  forward.delete('lang');
  const pending = core.oauth.startAuthorization(
    {
      clientId: checked.client.clientId,
      redirectUri: checked.redirectUri,
      state: checked.state,
      codeChallenge: checked.codeChallenge,
      scopes,
      query: forward.toString(),
    },
    nowMs(core),
  );
  onStarted?.(pending);
  redirect(ctx.res, `/mymedicare/login?auth_uuid=${pending.uuid}`);
}

/**
 * The checks that answer the browser directly (an error page or JSON), in BB2's order; undefined
 * when the answer has been sent.
 */
function checkRequest(ctx: Ctx, core: Core, params: URLSearchParams): CheckedRequest | undefined {
  const get = (key: string): string | undefined => params.get(key) ?? undefined;
  const clientId = get('client_id');
  const client = clientId ? core.oauth.clients.get(clientId) : undefined;
  if (clientId && !client) {
    sendHtml(
      ctx.res,
      400,
      errorPage('Invalid client', 'invalid_client : Application does not exist (client_id)'),
    );
    return undefined;
  }
  if (client && !client.active) {
    // AuthorizationView.dispatch: validate_app_is_active's InvalidClientError, status 403.
    sendHtml(ctx.res, 403, appInactivePage(`invalid_client : ${inactiveMessage(client.name)}`));
    return undefined;
  }
  if (params.has('client_secret')) {
    sendText(ctx.res, 400, 'Illegal query parameter [client_secret] detected');
    return undefined;
  }
  if (!checkPkceAndState(ctx, params)) return undefined;
  if (!client) {
    sendHtml(ctx.res, 400, errorPage('Invalid request', 'invalid_request : Missing client_id parameter.'));
    return undefined;
  }
  const givenRedirect = get('redirect_uri');
  if (givenRedirect !== undefined && !client.redirectUris.includes(givenRedirect)) {
    sendHtml(ctx.res, 400, errorPage('Invalid request', 'invalid_request : Mismatching redirect URI.'));
    return undefined;
  }
  const redirectUri = givenRedirect ?? client.redirectUris[0];
  if (redirectUri === undefined) {
    sendHtml(ctx.res, 400, errorPage('Invalid request', 'invalid_request : Missing redirect URI.'));
    return undefined;
  }
  return {
    client,
    redirectUri,
    state: get('state') as string,
    codeChallenge: get('code_challenge') as string,
  };
}

/** BB2's AuthorizationView._check_for_required_params, then the PKCE method. */
function checkPkceAndState(ctx: Ctx, params: URLSearchParams): boolean {
  const missing: string[] = [];
  if (!params.get('code_challenge')) missing.push('code_challenge');
  if (!params.get('code_challenge_method')) missing.push('code_challenge_method');
  const state = params.get('state');
  if (!state) {
    missing.push('state');
  } else if (state.length < 16) {
    sendJson(ctx.res, 400, {
      status_code: 400,
      message: 'State parameter should have a minimum of 16 characters',
    });
    return false;
  }
  if (missing.length > 0) {
    sendJson(ctx.res, 400, {
      status_code: 400,
      message: `Missing Required Parameter(s): ${missing.join(', ')}`,
    });
    return false;
  }
  if (params.get('code_challenge_method') !== 'S256') {
    sendJson(ctx.res, 400, {
      status_code: 400,
      error: 'invalid_request',
      error_description: 'code_challenge_method must be S256',
    });
    return false;
  }
  return true;
}

/**
 * From here on oauthlib reports errors to the client through its redirect URI. The condensed
 * scopes asked for; undefined when the error redirect has been sent.
 */
function checkResponseTypeAndScopes(
  ctx: Ctx,
  params: URLSearchParams,
  { client, redirectUri, state }: CheckedRequest,
): string[] | undefined {
  const responseType = params.get('response_type');
  if (!responseType) {
    redirect(
      ctx.res,
      withParams(redirectUri, {
        error: 'invalid_request',
        error_description: 'Missing response_type parameter.',
        state,
      }),
    );
    return undefined;
  }
  if (responseType !== 'code') {
    redirect(ctx.res, withParams(redirectUri, { error: 'unsupported_response_type', state }));
    return undefined;
  }
  const scopeParam = (params.get('scope') ?? '').trim();
  // Without `scope` DOT gives the app its available scopes: no demographics for an app without them.
  const defaults = client.requireDemographicScopes
    ? DEFAULT_SCOPES
    : DEFAULT_SCOPES.filter((s) => !DEMOGRAPHIC_SCOPES.has(s));
  const requested = scopeParam === '' ? [...defaults] : scopeParam.split(/\s+/);
  if (!requested.every((s) => AVAILABLE_SCOPES.has(s))) {
    redirect(ctx.res, withParams(redirectUri, { error: 'invalid_scope', state }));
    return undefined;
  }
  return condenseScopes(requested);
}
