/**
 * /mymedicare/login: the emulated Medicare.gov sign-in. A good login redirects to BB2's consent
 * URL /v2/o/authorize/<uuid>/.
 */
import { nowMs, type Core, type Ctx } from '../core.ts';
import { readForm, redirect, sendHtml } from '../http-util.ts';
import { bene404Page, errorPage, loginPage } from '../pages.ts';
import { isV3Authorization } from '../v3/consents.ts';
import type { PendingAuthorization } from './records.ts';

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

export function appName(core: Core, clientId: string): string {
  return core.oauth.clients.get(clientId)?.name ?? clientId;
}

/** The login form of a pending authorization; after a failed try, with the username and why. */
function sendLoginPage(
  ctx: Ctx,
  core: Core,
  pending: PendingAuthorization,
  retry?: { username: string; error: string },
): void {
  const page = loginPage({
    authUuid: pending.uuid,
    appName: appName(core, pending.clientId),
    userCount: core.store.userCount,
    ...retry,
  });
  sendHtml(ctx.res, 200, page);
}

export async function handleLogin(ctx: Ctx, core: Core): Promise<void> {
  const now = nowMs(core);
  if (ctx.method === 'GET') {
    const uuid = ctx.query.get('auth_uuid') ?? '';
    const pending = core.oauth.pendingAuthorization(uuid, now);
    if (!pending) return expiredLogin(ctx);
    return sendLoginPage(ctx, core, pending);
  }
  const form = await readForm(ctx.req);
  const uuid = form.get('auth_uuid') ?? '';
  const pending = core.oauth.pendingAuthorization(uuid, now);
  if (!pending) return expiredLogin(ctx);
  const username = (form.get('username') ?? '').trim();
  const password = form.get('password') ?? '';
  const user = username === '' ? undefined : core.store.userByUsername(username);
  if (!user || user.password !== password) {
    return sendLoginPage(ctx, core, pending, {
      username,
      error: user
        ? 'The password is not correct. Check it and try again.'
        : `There is no Medicare.gov account with the username "${username}".`,
    });
  }
  core.beneficiaries.noteLogin(user.patientId, now);
  if (core.beneficiaries.get(user.patientId).notFound) {
    // mymedicare_cb: the beneficiary is not in BB2's data; the browser calls redirect_uri?error=not_found.
    core.oauth.finishPending(pending.uuid);
    sendHtml(ctx.res, 404, bene404Page(`${pending.redirectUri}?error=not_found`));
    return;
  }
  pending.patientId = user.patientId;
  pending.username = user.username;
  redirect(
    ctx.res,
    `${isV3Authorization(core, pending.uuid) ? '/v3' : '/v2'}/o/authorize/${pending.uuid}/?${pending.query}`,
  );
}
