/** /v2/connect/userinfo: the OpenID Connect profile of the token's beneficiary. */
import { authenticate, requireAnyScope } from '../auth.ts';
import type { Core, Ctx } from '../core.ts';
import { sendJson } from '../http-util.ts';

interface HumanName {
  given?: unknown;
  family?: unknown;
}

export function handleUserinfo(
  ctx: Ctx,
  core: Core,
  patientIdOut: (id: string) => string = (id) => id,
): void {
  const at = authenticate(ctx, core);
  requireAnyScope(at, ['profile']);
  const record = core.store.record(at.patientId);
  const names = (record?.patient as { name?: HumanName[] } | undefined)?.name;
  const first = Array.isArray(names) ? names[0] : undefined;
  const given = Array.isArray(first?.given) && typeof first.given[0] === 'string' ? first.given[0] : '';
  const family = typeof first?.family === 'string' ? first.family : '';
  sendJson(ctx.res, 200, {
    sub: patientIdOut(at.patientId),
    name: `${given} ${family}`.trim(),
    given_name: given,
    family_name: family,
    email: '',
    // apps/accounts/views/oauth2_profile.py: `iat` is the user's date_joined (first login).
    iat: new Date(core.beneficiaries.joined(at.patientId) ?? core.startedAt.getTime()).toISOString(),
    patient: patientIdOut(at.patientId),
  });
}
