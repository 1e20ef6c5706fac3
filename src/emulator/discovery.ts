/**
 * Discovery documents as BB2 serves them: OIDC configuration (apps/wellknown/views/openid.py),
 * SMART configuration, and the FHIR CapabilityStatement at /v2/fhir/metadata (BFD's, filtered to
 * the three resource types, with SMART oauth-uris injected, as apps/fhir/bluebutton/views/home.py).
 */
import { SCOPES_SUPPORTED } from './oauth/scopes.ts';

export function openidConfiguration(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/v2/o/authorize`,
    revocation_endpoint: `${issuer}/v2/o/revoke_token`,
    token_endpoint: `${issuer}/v2/o/token`,
    userinfo_endpoint: `${issuer}/v2/connect/userinfo`,
    ui_locales_supported: ['en-US'],
    service_documentation: 'https://bluebutton.cms.gov/api-documentation/',
    op_tos_uri: 'https://bluebutton.cms.gov/terms',
    grant_types_supported: ['authorization_code', 'refresh_token'],
    response_types_supported: ['code', 'token'],
    fhir_metadata_uri: `${issuer}/v2/fhir/metadata`,
  };
}

export function smartConfiguration(issuer: string): Record<string, unknown> {
  return {
    authorization_endpoint: `${issuer}/v2/o/authorize`,
    revocation_endpoint: `${issuer}/v2/o/revoke_token`,
    token_endpoint: `${issuer}/v2/o/token`,
    grant_types_supported: ['authorization_code'],
    response_types_supported: ['code', 'token'],
    scopes_supported: [...SCOPES_SUPPORTED],
    code_challenge_methods_supported: ['S256'],
    capabilities: [
      'client-confidential-symmetric',
      'context-standalone-patient',
      'launch-standalone',
      'permission-offline',
      'permission-patient',
      'permission-v1',
      'permission-v2',
      'authorize-post',
    ],
  };
}

const LAST_UPDATED_PARAM = {
  name: '_lastUpdated',
  type: 'date',
  documentation: 'Include resources last updated in the given range',
};
const START_INDEX_PARAM = {
  name: 'startIndex',
  type: 'string',
  documentation: 'The offset used for result pagination',
};

export function capabilityStatement(base: string, date: string): Record<string, unknown> {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    publisher: 'Centers for Medicare & Medicaid Services',
    kind: 'instance',
    software: { name: 'Blue Button API: Direct', version: '1.0.0-SNAPSHOT' },
    implementation: { description: 'gov.cms.bfd:bfd-server-war', url: `${base}/v2/fhir` },
    fhirVersion: '4.0.0',
    format: ['application/json', 'application/fhir+json'],
    rest: [{ mode: 'server', resource: V2_RESOURCES, security: restSecurity(base) }],
  };
}

const interaction = [{ code: 'read' }, { code: 'search-type' }];

/** The three resources BB2 v2 serves, with the search parameters its metadata lists. */
const V2_RESOURCES = [
  {
    type: 'Coverage',
    profile: 'http://hl7.org/fhir/StructureDefinition/Coverage',
    interaction,
    searchParam: [
      {
        name: 'beneficiary',
        type: 'reference',
        documentation: 'The patient identifier to search for',
      },
      LAST_UPDATED_PARAM,
      START_INDEX_PARAM,
    ],
  },
  {
    type: 'ExplanationOfBenefit',
    profile: 'http://hl7.org/fhir/StructureDefinition/ExplanationOfBenefit',
    interaction,
    searchParam: [
      { name: 'patient', type: 'reference', documentation: 'The patient identifier to search for' },
      LAST_UPDATED_PARAM,
      {
        name: 'service-date',
        type: 'date',
        documentation: 'Include resources that completed in the given range',
      },
      START_INDEX_PARAM,
      { name: 'type', type: 'token', documentation: 'A list of claim types to include' },
    ],
  },
  {
    type: 'Patient',
    profile: 'http://hl7.org/fhir/StructureDefinition/Patient',
    interaction,
    searchParam: [
      { name: 'identifier', type: 'token', documentation: 'The patient identifier to search for' },
      LAST_UPDATED_PARAM,
      START_INDEX_PARAM,
      { name: '_id', type: 'token', documentation: 'The patient identifier to search for' },
    ],
  },
];

/** OAuth and SMART-on-FHIR, with the token and authorize URIs. */
function restSecurity(base: string): Record<string, unknown> {
  return {
    cors: true,
    service: [
      {
        text: 'OAuth',
        coding: [{ system: 'http://hl7.org/fhir/restful-security-service', code: 'OAuth', display: 'OAuth' }],
      },
      {
        text: 'OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)',
        coding: [
          {
            system: 'http://hl7.org/fhir/restful-security-service',
            code: 'SMART-on-FHIR',
            display: 'SMART-on-FHIR',
          },
        ],
      },
    ],
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          { url: 'token', valueUri: `${base}/v2/o/token/` },
          { url: 'authorize', valueUri: `${base}/v2/o/authorize/` },
        ],
      },
    ],
  };
}
