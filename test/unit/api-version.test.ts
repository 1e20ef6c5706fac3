/**
 * The client's version-awareness: every URL from one place, v3 search parameters, v3 error bodies
 * classified like v2's, and the SAMHSA choice read from BB2's links.
 */
import { describe, expect, it } from 'vitest';

import { bb2Endpoints, samhsaSharedFromLinks } from '../../src/bluebutton/api-version.ts';
import { createFhirClient } from '../../src/bluebutton/fhir-reads.ts';
import type { GetText } from '../../src/bluebutton/http.ts';
import { createOAuthClient } from '../../src/bluebutton/oauth.ts';
import { loadConfig } from '../../src/config.ts';
import { Bb2Error } from '../../src/errors.ts';
import { haveV3Fixtures, readV3Fixture } from '../helpers/v3-fixtures.ts';

const BASE = 'https://sandbox.bluebutton.cms.gov';

/** A BB2 that answers every GET with one status and body (the transport, not our code, is replaced). */
function answering(status: number, body: string): GetText {
  return () =>
    Promise.resolve({
      status,
      body: new Uint8Array(Buffer.from(body)),
      text: body,
      bytes: Buffer.byteLength(body),
      header: () => undefined,
    });
}

describe('BB2 URLs by API version', () => {
  it('derives every v2 and v3 endpoint from the base URL', () => {
    expect(bb2Endpoints(`${BASE}/`, 'v2')).toMatchObject({
      authorize: `${BASE}/v2/o/authorize/`,
      token: `${BASE}/v2/o/token/`,
      revokeGrant: `${BASE}/v2/o/revoke/`,
      fhir: `${BASE}/v2/fhir`,
      insuranceCard: undefined,
    });
    expect(bb2Endpoints(BASE, 'v3')).toMatchObject({
      authorize: `${BASE}/v3/o/authorize/`,
      token: `${BASE}/v3/o/token/`,
      revokeToken: `${BASE}/v3/o/revoke_token/`,
      userinfo: `${BASE}/v3/connect/userinfo`,
      smartConfiguration: `${BASE}/v3/fhir/.well-known/smart-configuration`,
      insuranceCard: `${BASE}/v3/fhir/Patient/$generate-insurance-card`,
    });
  });

  it('builds search URLs for the version of the token, with the configured v3 EOB sources', () => {
    const fhir = createFhirClient({
      baseUrl: BASE,
      pageSize: 50,
      getText: answering(200, '{}'),
      v3EobSources: ['NCH', 'DDPS', 'FISS'],
    });
    expect(fhir.searchUrl('Coverage', null)).toBe(`${BASE}/v2/fhir/Coverage/?_count=50`);
    const eob = new URL(fhir.searchUrl('ExplanationOfBenefit', '2026-01-01T00:00:00Z', 'v3'));
    expect(eob.pathname).toBe('/v3/fhir/ExplanationOfBenefit/');
    expect(eob.searchParams.get('_source')).toBe('NCH,DDPS,FISS');
    expect(eob.searchParams.get('_lastUpdated')).toBe('gt2026-01-01T00:00:00Z');
    expect(new URL(fhir.searchUrl('Patient', null, 'v3')).searchParams.has('_source')).toBe(false);
  });

  it('asks v3 authorizations for the configured scopes at /v3/o/authorize/', () => {
    const oauth = createOAuthClient({
      baseUrl: BASE,
      clientId: 'app',
      clientSecret: 'secret',
      redirectUri: 'http://127.0.0.1:3000/enroll/callback',
      scopes: 'openid patient/ExplanationOfBenefit.rs',
      timeoutMs: 1000,
      allowInsecureHttp: false,
      apiVersion: 'v3',
    });
    const url = oauth.authorizationUrl({ state: 'x'.repeat(43), codeChallenge: 'c'.repeat(43) });
    expect(url.pathname).toBe('/v3/o/authorize/');
    expect(url.searchParams.get('scope')).toBe('openid patient/ExplanationOfBenefit.rs');
    expect(oauth.apiVersion).toBe('v3');
  });

  it('reads BB2_API_VERSION (v2 by default) and refuses an unknown version or source', () => {
    expect(loadConfig({}).bb2.apiVersion).toBe('v2');
    const v3 = loadConfig({ BB2_API_VERSION: 'v3', BB2_V3_EOB_SOURCES: 'nch, fiss' });
    expect(v3.bb2).toMatchObject({ apiVersion: 'v3', v3EobSources: ['NCH', 'FISS'] });
    expect(() => loadConfig({ BB2_API_VERSION: 'v4' })).toThrow(/BB2_API_VERSION/);
    expect(() => loadConfig({ BB2_V3_EOB_SOURCES: 'NCH,XYZ' })).toThrow(/BB2_V3_EOB_SOURCES/);
  });
});

describe.skipIf(!haveV3Fixtures)('v3 errors (needs ../shared/fixtures/bb2/v3)', () => {
  it('classifies a relayed OperationOutcome by its status and quotes its diagnostics', async () => {
    const body = JSON.stringify(readV3Fixture('operation-outcome-error.json'));
    const url = `${BASE}/v3/fhir/Coverage/?_count=50`;
    const refused = createFhirClient({ baseUrl: BASE, pageSize: 50, getText: answering(400, body) });
    const err = await refused.getPageBody(url, 'token').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Bb2Error);
    expect(err).toMatchObject({ category: 'fhir_4xx', status: 400 });
    expect((err as Error).message).toMatch(/OperationOutcome: Failed to call access method/);
    const failing = createFhirClient({ baseUrl: BASE, pageSize: 50, getText: answering(500, body) });
    await expect(failing.getPageBody(url, 'token')).rejects.toMatchObject({ category: 'upstream_5xx' });
  });
});

describe('the SAMHSA choice in v3 EOB links', () => {
  it('is "not shared" when BB2 added _security:not=42CFRPart2 upstream, "shared" otherwise', () => {
    const filtered =
      'https://bb2/v3/fhir/ExplanationOfBenefit?_count=10&_security%3Anot=42CFRPart2&patient=1';
    expect(samhsaSharedFromLinks([{ relation: 'self', url: filtered }])).toBe(false);
    expect(
      samhsaSharedFromLinks([
        { relation: 'self', url: 'https://bb2/v3/fhir/ExplanationOfBenefit?patient=1' },
      ]),
    ).toBe(true);
    expect(samhsaSharedFromLinks([])).toBeUndefined();
  });
});
