/**
 * Ending access: /v2/o/revoke_token/ and /v2/o/revoke/ (DOT's and BB2's revoke views),
 * /v2/o/introspect/, and the sandbox's /v2/o/expire_authenticated_user/<patientId>/.
 */
import { nowMs, type Core, type Ctx } from '../core.ts';
import { readForm, send, sendJson, sendText } from '../http-util.ts';
import { inactiveMessage } from '../registrations.ts';
import { authenticateClient, invalidClient } from './client-auth.ts';

// --- /v2/o/revoke_token/ and /v2/o/revoke/ ---------------------------------------------------

/** BB2's RevokeTokenView refusals: an inactive app, on either side, or another app's token. */
const NOT_ACTIVE = { status_code: 403, description: 'Application is not active or does not exist.' };
const NOT_YOURS = { status_code: 403, description: 'Application did not have access to the provided token.' };

export async function handleRevokeToken(ctx: Ctx, core: Core, deleteGrant: boolean): Promise<void> {
  const form = await readForm(ctx.req);
  const client = authenticateClient(ctx, core, form);
  if (!client) throw invalidClient();
  if (!client.active) {
    // RevokeView runs validate_app_is_active (an OAuth error body); RevokeTokenView answers its own.
    if (deleteGrant) {
      sendJson(ctx.res, 403, {
        status_code: 403,
        error: 'invalid_client',
        error_description: inactiveMessage(client.name),
      });
    } else sendJson(ctx.res, 403, NOT_ACTIVE);
    return;
  }
  const token = form.get('token');
  if (token) {
    const owner = core.oauth.accessToken(token)?.clientId ?? core.oauth.refreshToken(token)?.clientId;
    // An unknown token: 200, nothing done.
    const ownerApp = owner === undefined ? undefined : core.oauth.clients.get(owner);
    if (ownerApp && !ownerApp.active) {
      sendJson(ctx.res, 403, NOT_ACTIVE);
      return;
    }
    if (!deleteGrant && owner !== undefined && owner !== client.clientId) {
      sendJson(ctx.res, 403, NOT_YOURS);
      return;
    }
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
