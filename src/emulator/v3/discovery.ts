/**
 * v3 discovery (../shared/reference/bb2-v3.md section 2; WS `apps/wellknown/views/openid.py`,
 * `apps/wellknown/constants.py`): v2's documents with `/v3/o/*` endpoints; SMART adds
 * client_credentials, `client-confidential-asymmetric` and private_key_jwt; OIDC keeps its grant
 * types. The CapabilityStatement is v2's with the v3 profiles' FHIR base.
 */
import { capabilityStatement, openidConfiguration, smartConfiguration } from '../discovery.ts';

const toV3 = (doc: Record<string, unknown>): Record<string, unknown> =>
  JSON.parse(JSON.stringify(doc).replaceAll('/v2/', '/v3/')) as Record<string, unknown>;

export function v3SmartConfiguration(issuer: string): Record<string, unknown> {
  const doc = toV3(smartConfiguration(issuer));
  return {
    ...doc,
    grant_types_supported: ['authorization_code', 'client_credentials'],
    capabilities: [...((doc.capabilities as string[]) ?? []), 'client-confidential-asymmetric'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['ES384', 'RS256', 'RS384', 'RS512'],
  };
}

export function v3OpenidConfiguration(issuer: string): Record<string, unknown> {
  return toV3(openidConfiguration(issuer));
}

export function v3CapabilityStatement(base: string, date: string): Record<string, unknown> {
  return toV3(capabilityStatement(base, date));
}
