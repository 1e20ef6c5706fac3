import { createHash } from 'node:crypto';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEFAULT_CLIENT, startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import {
  authorizeThroughForms,
  basic,
  CLIENT_ID,
  CLIENT_SECRET,
  enroll,
  exchangeCode,
  fhirGet,
  FormClient,
  handPatient,
  handStore,
  onlyForm,
  pkce,
  postForm,
  REDIRECT_URI,
  refresh,
  type TokenResponse,
} from './support.ts';

const START = Date.parse('2025-01-15T10:00:00.000Z');
let clock = START;
let emu: RunningEmulator;
const OTHER = {
  clientId: 'other-app',
  clientSecret: 'other-secret',
  redirectUris: ['http://localhost:9999/cb'],
};
const GRANT_GONE =
  'User access cannot be found. To refresh Medicare data, end user must re-authenticate and consent to share their data.';
const GRANT_TIMED_OUT =
  'User access has timed out. To refresh Medicare data, end user must re-authenticate and consent to share their data.';

beforeAll(async () => {
  const patients = ['-19990000000001', '-19990000000002', '-19990000000003'].map((id) => ({
    patient: handPatient(id),
  }));
  emu = await startEmulator({
    store: handStore(patients),
    clients: [DEFAULT_CLIENT, OTHER],
    now: () => new Date(clock),
  });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => {
  clock = START;
});

async function token(form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return postForm(`${emu.url}/v2/o/token/`, form, headers);
}

describe('the code exchange', () => {
  it('returns BB2 token response: 30-character tokens, Bearer, 3600 s, a scope string, the patient and a 13-month grant', async () => {
    const t = await enroll(emu);
    expect(Object.keys(t)).toEqual([
      'access_token',
      'expires_in',
      'token_type',
      'scope',
      'refresh_token',
      'patient',
      'access_grant_expiration',
    ]);
    expect(t.access_token).toMatch(/^[A-Za-z0-9]{30}$/);
    expect(t.refresh_token).toMatch(/^[A-Za-z0-9]{30}$/);
    expect(t.token_type).toBe('Bearer');
    expect(t.expires_in).toBe(3600);
    expect(t.scope).toBe('profile patient/Patient.rs patient/ExplanationOfBenefit.rs patient/Coverage.rs');
    expect(t.patient).toBe('-19990000000002');
    expect(t.access_grant_expiration).toBe('2026-02-15T10:00:00Z');
  });

  it('accepts client_secret_basic as well as client_secret_post', async () => {
    const auth = await authorizeThroughForms(emu);
    const res = await token(
      {
        grant_type: 'authorization_code',
        code: auth.code ?? '',
        redirect_uri: REDIRECT_URI,
        code_verifier: auth.verifier,
      },
      { authorization: basic() },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('answers a wrong secret or no credentials with 401 invalid_client', async () => {
    const auth = await authorizeThroughForms(emu);
    const form = {
      grant_type: 'authorization_code',
      code: auth.code ?? '',
      redirect_uri: REDIRECT_URI,
      code_verifier: auth.verifier,
    };
    for (const res of [
      await token(form, { authorization: basic(CLIENT_ID, 'wrong') }),
      await token({ ...form, client_id: CLIENT_ID, client_secret: 'wrong' }),
      await token(form),
    ]) {
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'invalid_client' });
    }
  });

  it('does not read JSON bodies, as BB2 (a form body is required)', async () => {
    const res = await fetch(`${emu.url}/v2/o/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic() },
      body: JSON.stringify({ grant_type: 'authorization_code', code: 'x' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'unsupported_grant_type' });
  });

  it('refuses an unknown code, a used code and a code older than 60 seconds with invalid_grant', async () => {
    const unknown = await token(
      { grant_type: 'authorization_code', code: 'nope', code_verifier: 'x'.repeat(43) },
      { authorization: basic() },
    );
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({ error: 'invalid_grant' });

    const auth = await authorizeThroughForms(emu);
    await exchangeCode(emu, auth);
    await expect(exchangeCode(emu, auth)).rejects.toThrow(/400 \{"error":"invalid_grant"\}/);

    const late = await authorizeThroughForms(emu);
    clock += 60_000;
    await expect(exchangeCode(emu, late)).rejects.toThrow(/400 \{"error":"invalid_grant"\}/);
  });

  it('accepts a code 59 seconds old', async () => {
    const auth = await authorizeThroughForms(emu);
    clock += 59_000;
    await expect(exchangeCode(emu, auth)).resolves.toHaveProperty('access_token');
  });

  it('refuses another client code', async () => {
    const auth = await authorizeThroughForms(emu);
    const res = await token(
      {
        grant_type: 'authorization_code',
        code: auth.code ?? '',
        redirect_uri: REDIRECT_URI,
        code_verifier: auth.verifier,
      },
      { authorization: basic(OTHER.clientId, OTHER.clientSecret) },
    );
    expect(await res.json()).toEqual({ error: 'invalid_grant' });
  });

  it('checks PKCE: a missing verifier, a wrong one, and lengths outside 43..128', async () => {
    const auth = await authorizeThroughForms(emu);
    const base = { grant_type: 'authorization_code', code: auth.code ?? '', redirect_uri: REDIRECT_URI };
    const missing = await token(base, { authorization: basic() });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: 'invalid_request',
      error_description: 'Code verifier required.',
    });
    const wrong = await token({ ...base, code_verifier: pkce().verifier }, { authorization: basic() });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: 'invalid_grant' });
    // A failed exchange leaves the code usable, as in DOT.
    await expect(exchangeCode(emu, auth)).resolves.toHaveProperty('access_token');
  });

  it('refuses a matching verifier shorter than 43 or longer than 128 characters', async () => {
    for (const [length, message] of [
      [42, 'code_verifier min length is 43'],
      [129, 'code_verifier max length is 128'],
    ] as const) {
      const { verifier } = pkce(length);
      const custom = await authorizeWithVerifier(verifier);
      const res = await token(
        {
          grant_type: 'authorization_code',
          code: custom,
          redirect_uri: REDIRECT_URI,
          code_verifier: verifier,
        },
        { authorization: basic() },
      );
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'invalid_request', error_description: message });
    }
  });

  it('refuses a redirect_uri that differs from the authorize request', async () => {
    const auth = await authorizeThroughForms(emu);
    const res = await token(
      {
        grant_type: 'authorization_code',
        code: auth.code ?? '',
        redirect_uri: 'http://localhost:3000/enroll/callback',
        code_verifier: auth.verifier,
      },
      { authorization: basic() },
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid_request',
      error_description: 'Mismatching redirect URI.',
    });
  });
});

async function authorizeWithVerifier(verifier: string): Promise<string> {
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const client = new FormClient(emu.url);
  const q = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    state: 'state-of-sixteen-chars',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const login = onlyForm(await (await client.follow(`/v2/o/authorize/?${q}`)).res.text());
  const consent = onlyForm(
    await (
      await client.follow(login.action, {
        form: { ...login.hidden, username: 'BBUser00001', password: 'PW00001!' },
      })
    ).res.text(),
  );
  const done = await client.request(consent.action, {
    form: { ...consent.hidden, allow: 'true', share_demographic_scopes: 'true' },
  });
  return new URL(done.headers.get('location') ?? '').searchParams.get('code') ?? '';
}

describe('refresh', () => {
  it('rotates: a new pair, the old access token dies, and reusing the old refresh token is invalid_grant and counted', async () => {
    const first = await enroll(emu);
    const before = emu.stats();
    const res = await refresh(emu, first.refresh_token);
    expect(res.status).toBe(200);
    const second = (await res.json()) as TokenResponse;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    expect(second.access_grant_expiration).toBe(first.access_grant_expiration);

    const old = await fhirGet(emu, '/v2/fhir/Coverage/', first.access_token);
    expect(old.status).toBe(401);
    expect(old.headers.get('www-authenticate')).toBe(
      'Bearer realm="api",error="invalid_token",error_description="The access token is invalid."',
    );
    expect((await fhirGet(emu, '/v2/fhir/Coverage/', second.access_token)).status).toBe(200);

    const reuse = await refresh(emu, first.refresh_token);
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toEqual({ error: 'invalid_grant' });
    const after = emu.stats();
    expect(after.refreshes - before.refreshes).toBe(1);
    expect(after.refreshTokenReuse - before.refreshTokenReuse).toBe(1);
  });

  it('accepts client_id and client_secret in the body, and needs the refresh_token parameter', async () => {
    const first = await enroll(emu);
    const body = await token({
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    expect(body.status).toBe(200);
    const missing = await token({ grant_type: 'refresh_token' }, { authorization: basic() });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      status_code: 400,
      error: 'invalid_request',
      error_description: 'Missing refresh token parameter',
    });
  });

  it('may narrow the scopes, including SMART sub-scopes, but not widen them', async () => {
    const first = await enroll(emu, { scope: 'patient/ExplanationOfBenefit.rs patient/Coverage.rs' });
    const narrow = await refresh(emu, first.refresh_token, { scope: 'patient/ExplanationOfBenefit.r' });
    expect(narrow.status).toBe(200);
    const t = (await narrow.json()) as TokenResponse;
    expect(t.scope).toBe('patient/ExplanationOfBenefit.r');
    const wide = await refresh(emu, t.refresh_token, {
      scope: 'patient/ExplanationOfBenefit.r patient/Coverage.rs',
    });
    expect(wide.status).toBe(400);
    expect(await wide.json()).toEqual({ error: 'invalid_scope' });
  });

  it('after a new authorization of the same user and app, the old tokens are gone: refresh token not found', async () => {
    const first = await enroll(emu);
    const second = await enroll(emu);
    const res = await refresh(emu, first.refresh_token);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      status_code: 400,
      error: 'invalid_request',
      error_description: 'Refresh token not found.',
    });
    expect((await fhirGet(emu, '/v2/fhir/Coverage/', first.access_token)).status).toBe(401);
    expect((await refresh(emu, second.refresh_token)).status).toBe(200);
  });

  it('a new authorization of another user leaves the first user tokens alone', async () => {
    const a = await enroll(emu, { username: 'BBUser00001', password: 'PW00001!' });
    await enroll(emu, { username: 'BBUser00002', password: 'PW00002!' });
    expect((await refresh(emu, a.refresh_token)).status).toBe(200);
  });
});

describe('revocation and grant expiry', () => {
  it('/v2/o/revoke/ with an access token deletes the grant: refresh gives 403 with BB2 full message', async () => {
    const t = await enroll(emu);
    const res = await postForm(
      `${emu.url}/v2/o/revoke/`,
      { token: t.access_token },
      { authorization: basic() },
    );
    expect(res.status).toBe(200);
    expect((await fhirGet(emu, '/v2/fhir/Coverage/', t.access_token)).status).toBe(401);
    const r = await refresh(emu, t.refresh_token);
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({
      status_code: 403,
      error: 'invalid_grant',
      error_description: GRANT_GONE,
    });
  });

  it('/v2/o/revoke_token/ revokes only the token: its refresh is then invalid_grant, unknown tokens give 200', async () => {
    const t = await enroll(emu);
    const res = await postForm(`${emu.url}/v2/o/revoke_token/`, {
      token: t.refresh_token,
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    expect(res.status).toBe(200);
    expect((await fhirGet(emu, '/v2/fhir/Coverage/', t.access_token)).status).toBe(401);
    const r = await refresh(emu, t.refresh_token);
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: 'invalid_grant' });
    const unknown = await postForm(
      `${emu.url}/v2/o/revoke_token/`,
      { token: 'nothing' },
      { authorization: basic() },
    );
    expect(unknown.status).toBe(200);
    const noAuth = await postForm(`${emu.url}/v2/o/revoke_token/`, { token: 'nothing' });
    expect(noAuth.status).toBe(401);
  });

  it('expire_authenticated_user deletes the grant; a second call and an unknown patient give 404 text', async () => {
    const t = await enroll(emu, { username: 'BBUser00002', password: 'PW00002!' });
    const url = `${emu.url}/v2/o/expire_authenticated_user/${t.patient}/`;
    const ok = await fetch(url, { method: 'POST', headers: { authorization: basic() } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('success');
    const r = await refresh(emu, t.refresh_token);
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({
      status_code: 403,
      error: 'invalid_grant',
      error_description: GRANT_GONE,
    });
    const again = await fetch(url, { method: 'POST', headers: { authorization: basic() } });
    expect(again.status).toBe(404);
    expect(await again.text()).toBe('Data Access Grant was Not Found.');
    const nobody = await fetch(`${emu.url}/v2/o/expire_authenticated_user/-1/`, {
      method: 'POST',
      headers: { authorization: basic() },
    });
    expect(nobody.status).toBe(404);
    expect(await nobody.text()).toBe('Patient was Not Found. Please check the id number and try again.');
    const badAuth = await fetch(url, {
      method: 'POST',
      headers: { authorization: basic(CLIENT_ID, 'wrong') },
    });
    expect(badAuth.status).toBe(403);
  });

  it('a grant 13 months old has timed out: refresh gives 401 and FHIR calls 401 with BB2 message', async () => {
    const t = await enroll(emu);
    clock = Date.parse('2026-02-15T09:59:59.000Z');
    expect((await refresh(emu, t.refresh_token)).status).toBe(200);
    const t2 = await enroll(emu);
    clock = Date.parse(t2.access_grant_expiration);
    const r = await refresh(emu, t2.refresh_token);
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({
      status_code: 401,
      error: 'invalid_grant',
      error_description: GRANT_TIMED_OUT,
    });
  });

  it('the control API expires a grant now: refresh 401, and the still-valid access token gets 401 too', async () => {
    const t = await enroll(emu);
    const res = await fetch(`${emu.url}/__emulator/grants/${t.patient}/expire`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ patientId: t.patient, expired: [CLIENT_ID] });
    const fhir = await fhirGet(emu, '/v2/fhir/Coverage/', t.access_token);
    expect(fhir.status).toBe(401);
    expect(await fhir.json()).toEqual({ detail: GRANT_TIMED_OUT });
    const r = await refresh(emu, t.refresh_token);
    expect(r.status).toBe(401);
    expect(await r.json()).toEqual({
      status_code: 401,
      error: 'invalid_grant',
      error_description: GRANT_TIMED_OUT,
    });
    // A new authorization starts a new 13-month grant.
    const fresh = await enroll(emu);
    expect((await refresh(emu, fresh.refresh_token)).status).toBe(200);
  });

  it('the control API revokes a grant: refresh 403', async () => {
    const t = await enroll(emu);
    expect((await fetch(`${emu.url}/__emulator/grants/${t.patient}/revoke`, { method: 'POST' })).status).toBe(
      200,
    );
    expect((await refresh(emu, t.refresh_token)).status).toBe(403);
  });
});

describe('access tokens', () => {
  it('expire after expires_in seconds: 401 "has expired", and a refresh brings a working one', async () => {
    const t = await enroll(emu);
    clock += 3599_000;
    expect((await fhirGet(emu, '/v2/fhir/Coverage/', t.access_token)).status).toBe(200);
    clock += 1000;
    const res = await fhirGet(emu, '/v2/fhir/Coverage/', t.access_token);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    expect(res.headers.get('www-authenticate')).toBe(
      'Bearer realm="api",error="invalid_token",error_description="The access token has expired."',
    );
    const r = (await (await refresh(emu, t.refresh_token)).json()) as TokenResponse;
    expect((await fhirGet(emu, '/v2/fhir/Coverage/', r.access_token)).status).toBe(200);
  });

  it('take their lifetime from POST /__emulator/config', async () => {
    const set = await fetch(`${emu.url}/__emulator/config`, {
      method: 'POST',
      body: JSON.stringify({ accessTokenTtlSeconds: 60 }),
    });
    expect(set.status).toBe(200);
    try {
      const t = await enroll(emu);
      expect(t.expires_in).toBe(60);
      clock += 60_000;
      expect((await fhirGet(emu, '/v2/fhir/Coverage/', t.access_token)).status).toBe(401);
    } finally {
      emu.setAccessTokenTtl(3600);
    }
  });

  it('are required: no header gives 401 with only the realm, a query access_token gives 400', async () => {
    const none = await fetch(`${emu.url}/v2/fhir/ExplanationOfBenefit/`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(await none.json()).toEqual({ detail: 'Authentication credentials were not provided.' });
    const t = await enroll(emu);
    const query = await fhirGet(
      emu,
      `/v2/fhir/ExplanationOfBenefit/?access_token=${t.access_token}`,
      t.access_token,
    );
    expect(query.status).toBe(400);
    expect(await query.json()).toEqual({
      detail:
        'Using the access token in the query parameters is not supported. Use the Authorization header instead',
    });
  });

  it('can be introspected by their client', async () => {
    const t = await enroll(emu);
    const res = await postForm(
      `${emu.url}/v2/o/introspect/`,
      { token: t.access_token },
      { authorization: basic() },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      active: true,
      scope: t.scope,
      exp: Math.floor(START / 1000) + 3600,
      client_id: CLIENT_ID,
      username: 'BBUser00001',
    });
    clock += 3600_000;
    const expired = await fetch(`${emu.url}/v2/o/introspect/?token=${t.access_token}`, {
      headers: { authorization: basic() },
    });
    expect(await expired.json()).toEqual({ active: false });
  });
});

describe('demographic scopes', () => {
  it('withheld at consent: no Patient or profile scope, Patient and userinfo 403, Coverage and EOB fine', async () => {
    const t = await enroll(emu, {
      share: false,
      scope: 'openid profile patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs',
    });
    expect(t.scope).toBe('openid patient/Coverage.rs patient/ExplanationOfBenefit.rs');
    for (const path of ['/v2/fhir/Patient/', `/v2/fhir/Patient/${t.patient}`, '/v2/connect/userinfo']) {
      const res = await fhirGet(emu, path, t.access_token);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ detail: 'You do not have permission to perform this action.' });
    }
    expect((await fhirGet(emu, '/v2/fhir/Coverage/', t.access_token)).status).toBe(200);
    expect((await fhirGet(emu, '/v2/fhir/ExplanationOfBenefit/', t.access_token)).status).toBe(200);
  });

  it('shared: userinfo answers with BB2 fields', async () => {
    const t = await enroll(emu);
    const res = await fhirGet(emu, '/v2/connect/userinfo', t.access_token);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, string>;
    expect(Object.keys(body)).toEqual([
      'sub',
      'name',
      'given_name',
      'family_name',
      'email',
      'iat',
      'patient',
    ]);
    expect(body).toMatchObject({
      sub: t.patient,
      patient: t.patient,
      name: 'Jane Doe',
      given_name: 'Jane',
      family_name: 'Doe',
    });
  });
});

describe('token endpoint faults', () => {
  it('tokenRate5xx answers 502 before anything changes: the refresh token still works afterwards', async () => {
    const t = await enroll(emu);
    emu.setFaults({ tokenRate5xx: 1 });
    try {
      const res = await refresh(emu, t.refresh_token);
      expect(res.status).toBe(502);
    } finally {
      emu.setFaults({});
    }
    expect((await refresh(emu, t.refresh_token)).status).toBe(200);
  });

  it('refreshLostRate rotates the tokens and then answers 502, so the old refresh token is spent', async () => {
    const t = await enroll(emu);
    emu.setFaults({ refreshLostRate: 1 });
    try {
      const res = await refresh(emu, t.refresh_token);
      expect(res.status).toBe(502);
      expect(await res.json()).toEqual({
        status_code: 502,
        message: 'Failed to retrieve data from data source.',
      });
    } finally {
      emu.setFaults({});
    }
    const again = await refresh(emu, t.refresh_token);
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ error: 'invalid_grant' });
  });
});
