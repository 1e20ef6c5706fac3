/**
 * /v2/o/authorize/<uuid>/: the consent form. Allow redirects to redirect_uri?code=..&state=..,
 * Deny to redirect_uri?error=access_denied&state=... The forms are described in pages.ts.
 */
import { nowMs, type Core, type Ctx } from '../core.ts';
import { readForm, redirect, sendHtml, sendJson } from '../http-util.ts';
import { consentPage } from '../pages.ts';
import { appName } from './login.ts';
import { addMonths, type PendingAuthorization } from './records.ts';
import { withParams } from './redirect-uri.ts';
import { DEMOGRAPHIC_SCOPES } from './scopes.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

/** v3's consent: its URL prefix and the SAMHSA choice, recorded for the pair on Allow. */
export interface ConsentVersion {
  prefix: '/v3';
  recordSamhsa(pending: PendingAuthorization, share: boolean): void;
}

export async function handleConsent(ctx: Ctx, core: Core, uuid: string, v3?: ConsentVersion): Promise<void> {
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
  const client = core.oauth.clients.get(pending.clientId);
  if (client && !client.requireDemographicScopes && pending.scopes.some((s) => DEMOGRAPHIC_SCOPES.has(s))) {
    // ApprovalView.dispatch turns DOT's invalid_scope redirect into this JSON (scopes outside the
    // app's CapabilitiesScopes): the beneficiary has logged in and sees it instead of the consent.
    sendJson(ctx.res, 400, { status_code: 400, message: 'Invalid scopes.' });
    return;
  }
  if (ctx.method === 'GET') {
    sendHtml(
      ctx.res,
      200,
      consentPage({
        action: `${v3?.prefix ?? '/v2'}/o/authorize/${pending.uuid}/`,
        samhsaChoice:
          v3 !== undefined && pending.scopes.some((s) => s.startsWith('patient/ExplanationOfBenefit')),
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
  // BB2 v3 posts hidden share_samhsa_data=False, then the checkbox's True: the last value wins.
  if (v3 && allow) v3.recordSamhsa(pending, isTrue(last('share_samhsa_data'), false));
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
  const code = core.oauth.authorize(pending, patientId, scopes, now, core.accessTokenTtlSeconds);
  core.stats.authorizations++;
  redirect(ctx.res, withParams(pending.redirectUri, { code: code.code, state: pending.state }));
}
