import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isLoopback } from '../../src/emulator/http-util.ts';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { enroll, fhirGet, linkOf, walk, type Bundle } from './support.ts';

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({ users: 1500, seed: 7 });
});
afterAll(async () => {
  await emu.close();
});

describe('the control API', () => {
  it('lists users as {username: patientId}, 1000 by default, paged with offset and limit', async () => {
    const first = await fetch(`${emu.url}/__emulator/users`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-total-count')).toBe('1500');
    const users = (await first.json()) as Record<string, string>;
    expect(Object.keys(users)).toHaveLength(1000);
    expect(users.BBUser00000).toBe('-19990000000001');
    expect(users.BBUser00999).toBe('-19990000001000');
    expect(first.headers.get('link')).toBe(
      `<${emu.url}/__emulator/users?offset=1000&limit=1000>; rel="next"`,
    );
    const rest = await fetch(`${emu.url}/__emulator/users?offset=1000&limit=1000`);
    expect(Object.keys((await rest.json()) as object)).toHaveLength(500);
    expect(rest.headers.get('link')).toBeNull();
    const bad = await fetch(`${emu.url}/__emulator/users?limit=-1`);
    expect(bad.status).toBe(400);
  });

  it('advances the data like a weekly load; searches then show the new claims and transaction time', async () => {
    const user = emu.store.userByIndex(3);
    if (!user) throw new Error('no user');
    const token = await enroll(emu, { username: user.username, password: user.password });
    const before = (
      await walk(emu, `${emu.url}/v2/fhir/ExplanationOfBenefit/?_count=50`, token.access_token)
    ).flatMap((p) => p.entry ?? []);
    const oldTx = emu.store.transactionTime();

    const res = await fetch(`${emu.url}/__emulator/advance`, {
      method: 'POST',
      body: JSON.stringify({
        newClaimsFraction: 1,
        changedFraction: 0,
        removedFraction: 0,
        userIndexes: [3],
      }),
    });
    expect(res.status).toBe(200);
    const result = (await res.json()) as { transactionTime: string; added: Record<string, string[]> };
    const added = result.added[user.patientId] ?? [];
    expect(added.length).toBeGreaterThan(0);
    expect(result.transactionTime > oldTx).toBe(true);

    const pages = await walk(emu, `${emu.url}/v2/fhir/ExplanationOfBenefit/?_count=50`, token.access_token);
    expect(pages[0]?.meta.lastUpdated).toBe(result.transactionTime);
    expect(pages[0]?.total).toBe(before.length + added.length);
    const since = await fhirGet(
      emu,
      `/v2/fhir/ExplanationOfBenefit/?_lastUpdated=gt${oldTx}`,
      token.access_token,
    );
    const sinceIds = (((await since.json()) as Bundle).entry ?? []).map((e) => e.resource.id);
    expect(sinceIds.sort()).toEqual([...added].sort());
  });

  it('refuses bad advance options with 400', async () => {
    for (const body of [{ newClaimsFraction: 2 }, { userIndexes: [99999] }, { sideways: 1 }]) {
      const res = await fetch(`${emu.url}/__emulator/advance`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
  });

  it('counts requests by method and route, tokens, refreshes and FHIR calls per patient, and resets', async () => {
    await fetch(`${emu.url}/__emulator/stats/reset`, { method: 'POST' });
    const token = await enroll(emu);
    await fhirGet(emu, '/v2/fhir/ExplanationOfBenefit/', token.access_token);
    await fhirGet(emu, '/v2/fhir/Coverage/part-a--1', token.access_token);
    await fetch(`${emu.url}/v2/fhir/Patient/`);
    const stats = (await (await fetch(`${emu.url}/__emulator/stats`)).json()) as ReturnType<
      RunningEmulator['stats']
    >;
    expect(stats.requests['GET /v2/fhir/ExplanationOfBenefit/']).toEqual({
      total: 1,
      byStatus: { '200': 1 },
    });
    expect(stats.requests['GET /v2/fhir/Coverage/{id}']).toEqual({ total: 1, byStatus: { '404': 1 } });
    expect(stats.requests['GET /v2/fhir/Patient/']).toEqual({ total: 1, byStatus: { '401': 1 } });
    expect(stats.requests['POST /v2/o/token/']).toEqual({ total: 1, byStatus: { '200': 1 } });
    expect(stats.authorizations).toBe(1);
    expect(stats.tokensIssued).toBe(1);
    expect(stats.refreshes).toBe(0);
    expect(stats.fhirRequestsByPatient).toEqual({ [token.patient]: 2 });
    await fetch(`${emu.url}/__emulator/stats/reset`, { method: 'POST' });
    const after = (await (await fetch(`${emu.url}/__emulator/stats`)).json()) as typeof stats;
    expect(after.authorizations).toBe(0);
    expect(Object.keys(after.requests)).toEqual(['POST /__emulator/stats/reset']);
  });

  it('reads and sets the access token lifetime', async () => {
    const res = await fetch(`${emu.url}/__emulator/config`, {
      method: 'POST',
      body: JSON.stringify({ accessTokenTtlSeconds: 120 }),
    });
    expect(((await res.json()) as { accessTokenTtlSeconds: number }).accessTokenTtlSeconds).toBe(120);
    expect((await enroll(emu)).expires_in).toBe(120);
    expect(
      (await fetch(`${emu.url}/__emulator/config`, { method: 'POST', body: '{"accessTokenTtlSeconds":0}' }))
        .status,
    ).toBe(400);
    await fetch(`${emu.url}/__emulator/config`, { method: 'POST', body: '{"accessTokenTtlSeconds":3600}' });
  });

  it('expires access tokens on demand', async () => {
    const token = await enroll(emu);
    const res = await fetch(`${emu.url}/__emulator/tokens/expire`, {
      method: 'POST',
      body: JSON.stringify({ patientId: token.patient }),
    });
    expect(((await res.json()) as { expired: number }).expired).toBeGreaterThan(0);
    const fhir = await fhirGet(emu, '/v2/fhir/Coverage/', token.access_token);
    expect(fhir.headers.get('www-authenticate')).toContain('The access token has expired.');
  });

  it('answers loopback clients only', () => {
    expect(isLoopback('127.0.0.1')).toBe(true);
    expect(isLoopback('127.8.9.10')).toBe(true);
    expect(isLoopback('::1')).toBe(true);
    expect(isLoopback('::ffff:127.0.0.1')).toBe(true);
    expect(isLoopback('10.0.0.5')).toBe(false);
    expect(isLoopback('::ffff:192.168.1.4')).toBe(false);
    expect(isLoopback(undefined)).toBe(false);
  });
});

describe('discovery', () => {
  it('serves the OIDC configuration at the three BB2 paths, advertising the v2 endpoints', async () => {
    for (const path of [
      '/.well-known/openid-configuration',
      '/.well-known/openid-configuration-v2',
      '/v2/connect/.well-known/openid-configuration',
    ]) {
      const res = await fetch(`${emu.url}${path}`);
      expect(res.status, path).toBe(200);
      const doc = (await res.json()) as Record<string, unknown>;
      expect(doc.issuer).toBe(emu.url);
      expect(doc.authorization_endpoint).toBe(`${emu.url}/v2/o/authorize`);
      expect(doc.token_endpoint).toBe(`${emu.url}/v2/o/token`);
      expect(doc.revocation_endpoint).toBe(`${emu.url}/v2/o/revoke_token`);
      expect(doc.userinfo_endpoint).toBe(`${emu.url}/v2/connect/userinfo`);
      expect(doc.fhir_metadata_uri).toBe(`${emu.url}/v2/fhir/metadata`);
      expect(doc.grant_types_supported).toEqual(['authorization_code', 'refresh_token']);
      expect(doc).not.toHaveProperty('code_challenge_methods_supported');
      expect(doc).not.toHaveProperty('token_endpoint_auth_methods_supported');
    }
  });

  it('serves the SMART configuration with S256', async () => {
    const doc = (await (await fetch(`${emu.url}/v2/fhir/.well-known/smart-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    expect(doc.capabilities).toContain('client-confidential-symmetric');
    expect(doc.scopes_supported).toContain('patient/ExplanationOfBenefit.rs');
  });

  it('serves the CapabilityStatement without a token, with the SMART oauth-uris', async () => {
    const res = await fetch(`${emu.url}/v2/fhir/metadata`);
    expect(res.status).toBe(200);
    const cs = (await res.json()) as {
      resourceType: string;
      fhirVersion: string;
      rest: {
        resource: { type: string }[];
        security: { extension: { url: string; extension: { url: string; valueUri: string }[] }[] };
      }[];
    };
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.0');
    expect(cs.rest[0]?.resource.map((r) => r.type)).toEqual(['Coverage', 'ExplanationOfBenefit', 'Patient']);
    expect(cs.rest[0]?.security.extension[0]?.extension).toEqual([
      { url: 'token', valueUri: `${emu.url}/v2/o/token/` },
      { url: 'authorize', valueUri: `${emu.url}/v2/o/authorize/` },
    ]);
  });

  it('uses the Host the client used for links (localhost rather than 127.0.0.1)', async () => {
    const token = await enroll(emu);
    const url = emu.url.replace('127.0.0.1', 'localhost');
    const res = await fetch(`${url}/v2/fhir/Coverage/`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    expect(linkOf((await res.json()) as Bundle, 'self')?.startsWith(`${url}/v2/fhir/Coverage/?`)).toBe(true);
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    expect((await fetch(`${emu.url}/v2/fhir/Claim/`)).status).toBe(404);
    const res = await fetch(`${emu.url}/v2/o/token/`);
    expect(res.status).toBe(405);
    expect(await res.json()).toEqual({ detail: 'Method "GET" not allowed.' });
  });
});
