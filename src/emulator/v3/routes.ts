/** Routing of every `/v3/...` path (server.ts hands them here), with v3's differences from v2. */
import type { Core, Ctx } from '../core.ts';
import { HttpError, sendJson } from '../http-util.ts';
import { handleAuthorize } from '../oauth/authorize.ts';
import { handleConsent } from '../oauth/consent.ts';
import { handleIntrospect, handleRevokeToken } from '../oauth/revoke.ts';
import { handleToken } from '../oauth/token.ts';
import { handleUserinfo } from '../oauth/userinfo.ts';
import { markV3Authorization, recordSamhsaChoice } from './consents.ts';
import { v3CapabilityStatement, v3OpenidConfiguration, v3SmartConfiguration } from './discovery.ts';
import { handleInsuranceCard, handleV3Read, handleV3Search } from './v3-endpoints.ts';
import { v3PatientId } from './ids.ts';
import type { V3Type } from './search.ts';

const TYPES = new Set(['Patient', 'Coverage', 'ExplanationOfBenefit']);

function methodNotAllowed(method: string): HttpError {
  return new HttpError(405, { detail: `Method "${method}" not allowed.` });
}

/** Handles a `/v3/...` path (without its trailing slash); false when no v3 route matches. */
export async function routeV3(ctx: Ctx, core: Core, path: string): Promise<boolean> {
  const { method } = ctx;
  const get = method === 'GET' || method === 'HEAD';
  const issuer = core.publicUrl ?? ctx.base;
  if (path.startsWith('/v3/fhir/')) {
    const rest = path.slice('/v3/fhir/'.length);
    ctx.route = `${method} /v3/fhir/${rest.replace(/\/[^/]+$/, '/{id}')}`;
    if (!get) throw methodNotAllowed(method);
    if (rest === 'metadata') {
      const date = core.startedAt.toISOString().replace(/\.\d{3}Z$/, '+00:00');
      sendJson(ctx.res, 200, v3CapabilityStatement(ctx.base, date), {
        'Content-Type': 'application/fhir+json',
      });
    } else if (rest === '.well-known/smart-configuration') {
      sendJson(ctx.res, 200, v3SmartConfiguration(issuer));
    } else if (rest === 'Patient/$generate-insurance-card') {
      await handleInsuranceCard(ctx, core);
    } else if (TYPES.has(rest)) {
      await handleV3Search(ctx, core, rest as V3Type);
    } else {
      const [type, id, extra] = rest.split('/');
      if (!type || !TYPES.has(type) || !id || extra !== undefined) return false;
      await handleV3Read(ctx, core, type as V3Type, decodeURIComponent(id));
    }
    return true;
  }
  if (path === '/v3/connect/userinfo') {
    ctx.route = `${method} /v3/connect/userinfo`;
    handleUserinfo(ctx, core, v3PatientId);
    return true;
  }
  if (
    path === '/v3/connect/.well-known/openid-configuration' ||
    path === '/.well-known/openid-configuration-v3'
  ) {
    ctx.route = `${method} ${path}`;
    sendJson(ctx.res, 200, v3OpenidConfiguration(issuer));
    return true;
  }
  if (!path.startsWith('/v3/o/')) return false;
  const rest = path.slice('/v3/o/'.length);
  ctx.route = `${method} /v3/o/${rest.replace(/^authorize\/[^/]+$/, 'authorize/{uuid}')}/`;
  if (rest === 'authorize') {
    // v3 requires `scope` (WS apps/dot_ext/views/authorization.py).
    if (method === 'GET' && !(ctx.query.get('scope') ?? '').trim()) {
      sendJson(ctx.res, 400, { status_code: 400, message: 'Missing Required Parameter(s): scope' });
      return true;
    }
    await handleAuthorize(ctx, core, (pending) => markV3Authorization(core, pending.uuid));
  } else if (rest.startsWith('authorize/')) {
    await handleConsent(ctx, core, rest.slice('authorize/'.length), {
      prefix: '/v3',
      recordSamhsa: (pending, share) =>
        recordSamhsaChoice(core, pending.clientId, pending.patientId ?? '', share),
    });
  } else if (rest === 'token') {
    if (method !== 'POST') throw methodNotAllowed(method);
    await handleToken(ctx, core, v3PatientId);
  } else if (rest === 'revoke_token' || rest === 'revoke') {
    if (method !== 'POST') throw methodNotAllowed(method);
    await handleRevokeToken(ctx, core, rest === 'revoke');
  } else if (rest === 'introspect') {
    await handleIntrospect(ctx, core);
  } else {
    return false;
  }
  return true;
}
