/**
 * Bearer authentication and scope checks for the FHIR endpoints and userinfo, with BB2's bodies
 * (DRF `{"detail": ...}`) and DOT's `WWW-Authenticate` header.
 */
import { nowMs, type Core, type Ctx } from './core.ts';
import { bearerToken, HttpError } from './http-util.ts';
import type { AccessTokenRecord } from './oauth/records.ts';
import { eobForbidden, inactiveMessage } from './registrations.ts';

export const NOT_AUTHENTICATED = 'Authentication credentials were not provided.';
export const PERMISSION_DENIED = 'You do not have permission to perform this action.';
export const NOT_FOUND = 'Not found.';
export const GRANT_EXPIRED_MESSAGE =
  'User access has timed out. To refresh Medicare data, end user must re-authenticate and consent to share their data.';
export const GRANT_NOT_FOUND_MESSAGE =
  'User access cannot be found. To refresh Medicare data, end user must re-authenticate and consent to share their data.';
const QUERY_TOKEN_MESSAGE =
  'Using the access token in the query parameters is not supported. Use the Authorization header instead';

function unauthorized(detail: string, error?: { description: string }): HttpError {
  const header = error
    ? `Bearer realm="api",error="invalid_token",error_description="${error.description}"`
    : 'Bearer realm="api"';
  return new HttpError(401, { detail }, { 'WWW-Authenticate': header });
}

/** Authenticates the request's bearer token as BB2's OAuth2ResourceOwner and permissions do. */
export function authenticate(ctx: Ctx, core: Core): AccessTokenRecord {
  if (ctx.query.has('access_token')) throw new HttpError(400, { detail: QUERY_TOKEN_MESSAGE });
  const token = bearerToken(ctx.req);
  if (token === undefined) throw unauthorized(NOT_AUTHENTICATED);
  const record = core.oauth.accessToken(token);
  if (!record) throw unauthorized(NOT_AUTHENTICATED, { description: 'The access token is invalid.' });
  const now = nowMs(core);
  if (now >= record.expiresAt) {
    throw unauthorized(NOT_AUTHENTICATED, { description: 'The access token has expired.' });
  }
  // ApplicationActivePermission: AuthenticationFailed, a 401 with the app's name.
  const client = core.oauth.clients.get(record.clientId);
  if (client && !client.active) {
    throw new HttpError(
      401,
      { detail: inactiveMessage(client.name) },
      { 'WWW-Authenticate': 'Bearer realm="api"' },
    );
  }
  const grant = core.oauth.grant(record.clientId, record.patientId);
  if (!grant) throw new HttpError(403, { detail: PERMISSION_DENIED });
  if (now >= grant.expiresAt) throw unauthorized(GRANT_EXPIRED_MESSAGE);
  return record;
}

export function requireAnyScope(record: AccessTokenRecord, scopes: readonly string[]): void {
  if (!scopes.some((s) => record.scopes.includes(s))) throw new HttpError(403, { detail: PERMISSION_DENIED });
}

/**
 * The rest of a v2 FHIR view's checks after authentication: the scope, V2ExplanationOfBenefitPermission
 * (Part-D-only app, or no SAMHSA consent), then the throttle (DRF runs throttles last).
 */
export function authorizeFhir(
  ctx: Ctx,
  core: Core,
  record: AccessTokenRecord,
  type: FhirType,
  interaction: 'search' | 'read',
): void {
  requireAnyScope(record, scopesFor(type, interaction));
  if (
    type === 'ExplanationOfBenefit' &&
    eobForbidden(core.oauth.clients.get(record.clientId), core.beneficiaries.get(record.patientId))
  ) {
    throw new HttpError(403, { detail: PERMISSION_DENIED });
  }
  core.throttle.check(ctx.res, { token: record.token, clientId: record.clientId }, nowMs(core));
}

export type FhirType = 'Patient' | 'Coverage' | 'ExplanationOfBenefit';

/** Scopes that allow a search (`.s`) or a read (`.r`) of a type: the v1 `.read`, or SMART v2. */
export function scopesFor(type: FhirType, interaction: 'search' | 'read'): string[] {
  const base = `patient/${type}`;
  return [`${base}.read`, `${base}.rs`, interaction === 'search' ? `${base}.s` : `${base}.r`];
}
