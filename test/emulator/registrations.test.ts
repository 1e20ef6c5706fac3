import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { DEFAULT_CLIENT, startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import {
  authorizeThroughForms,
  basic,
  enroll,
  fhirGet,
  FormClient,
  handPatient,
  handStore,
  pkce,
  postForm,
  randomState,
  REDIRECT_URI,
  refresh,
} from './support.ts';

const START = Date.parse('2025-01-15T10:00:00.000Z');
let clock = START;
let emu: RunningEmulator;
const P1 = '-19990000000001';
/** BBUser00001, who the helpers log in as. */
const P2 = '-19990000000002';
const OTHER = {
  clientId: 'other-app',
  clientSecret: 'other-secret',
  redirectUris: ['http://localhost:9999/cb'],
};
const INACTIVE =
  'This application, bbsync (local demo), is temporarily inactive. If you are the app maintainer, please contact the Blue Button API team. If you are a Medicare Beneficiary and need assistance, please contact the support team for the application you are trying to access.';

async function control(path: string, body: unknown): Promise<Response> {
  return fetch(`${emu.url}/__emulator/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function register(settings: Record<string, unknown>): Promise<void> {
  const res = await control(`clients/${DEFAULT_CLIENT.clientId}`, settings);
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  emu = await startEmulator({
    store: handStore([{ patient: handPatient(P1) }, { patient: handPatient(P2) }]),
    clients: [DEFAULT_CLIENT, OTHER],
    now: () => new Date(clock),
  });
});
afterAll(async () => {
  await emu.close();
});
beforeEach(async () => {
  clock = START;
  await register({
    dataAccessType: 'THIRTEEN_MONTH',
    requireDemographicScopes: true,
    active: true,
    partDOnly: false,
  });
  await control(`beneficiaries/${P2}`, { notFound: false, samhsaRefused: false });
  await control('throttle', {});
});

describe('data access types', () => {
  it('a THIRTEEN_MONTH grant ends 13 months after consent, then refresh answers 401 "User access has timed out"', async () => {
    const t = await enroll(emu);
    expect(t.access_grant_expiration).toBe('2026-02-15T10:00:00Z');
    clock = Date.parse('2026-02-15T10:00:01.000Z');
    const res = await refresh(emu, t.refresh_token);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/^User access has timed out\./),
    });
  });

  it('a RESEARCH_STUDY grant answers access_grant_expiration "" and still refreshes years later', async () => {
    await register({ dataAccessType: 'RESEARCH_STUDY' });
    const t = await enroll(emu);
    expect(t.access_grant_expiration).toBe('');
    clock = Date.parse('2030-01-01T00:00:00.000Z');
    const res = await refresh(emu, t.refresh_token);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { access_grant_expiration: string }).access_grant_expiration).toBe('');
  });

  it('a ONE_TIME grant ends with its first access token, and refreshing answers 403 invalid_client', async () => {
    await register({ dataAccessType: 'ONE_TIME' });
    const t = await enroll(emu);
    expect(t.access_grant_expiration).toBe('2025-01-15T11:00:00Z');
    expect((await fhirGet(emu, '/v2/fhir/Coverage/', t.access_token)).status).toBe(200);
    const res = await refresh(emu, t.refresh_token);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      status_code: 403,
      error: 'invalid_client',
      error_description:
        'Your application is not allowed to refresh tokens. To refresh Medicare data, end user must re-authenticate and consent to share their data. If your application needs to refresh tokens, contact us at BlueButtonAPI@cms.hhs.gov.',
    });
  });
});

describe('an application registered without demographic scopes', () => {
  it('answers 400 "Invalid scopes." after the login when asked for profile or Patient', async () => {
    await register({ requireDemographicScopes: false });
    await expect(authorizeThroughForms(emu, { scope: 'profile patient/Coverage.rs' })).rejects.toThrow(
      /login: 400 \{"status_code":400,"message":"Invalid scopes\."\}/,
    );
  });

  it('gets Coverage and EOB scopes only when it asks for no scope', async () => {
    await register({ requireDemographicScopes: false });
    const t = await enroll(emu);
    expect(t.scope.split(' ').sort()).toEqual(['patient/Coverage.rs', 'patient/ExplanationOfBenefit.rs']);
  });
});

describe('an application made inactive by CMS', () => {
  it('answers 403 invalid_client at /token, 401 on FHIR, and an error page at authorize', async () => {
    const t = await enroll(emu);
    await register({ active: false });
    const res = await refresh(emu, t.refresh_token);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      status_code: 403,
      error: 'invalid_client',
      error_description: INACTIVE,
    });
    const fhir = await fhirGet(emu, '/v2/fhir/Coverage/', t.access_token);
    expect(fhir.status).toBe(401);
    expect(await fhir.json()).toEqual({ detail: INACTIVE });
    const { challenge } = pkce();
    const q = new URLSearchParams({
      client_id: DEFAULT_CLIENT.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      state: randomState(),
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const page = await new FormClient(emu.url).request(`/v2/o/authorize/?${q}`);
    expect(page.status).toBe(403);
    expect(await page.text()).toContain(
      'invalid_client : This application, bbsync (local demo), is temporarily inactive.',
    );
  });
});

describe('forbidden ExplanationOfBenefit', () => {
  const DENIED = { detail: 'You do not have permission to perform this action.' };

  it('a Part-D-only application gets 403 on v2 EOB and 200 on Coverage', async () => {
    const t = await enroll(emu);
    await register({ partDOnly: true });
    const eob = await fhirGet(emu, '/v2/fhir/ExplanationOfBenefit/', t.access_token);
    expect(eob.status).toBe(403);
    expect(await eob.json()).toEqual(DENIED);
    expect((await fhirGet(emu, '/v2/fhir/Coverage/', t.access_token)).status).toBe(200);
  });

  it('a beneficiary who refused SAMHSA sharing gets 403 on v2 EOB and 200 on Patient', async () => {
    expect((await control(`beneficiaries/${P2}`, { samhsaRefused: true })).status).toBe(200);
    const t = await enroll(emu);
    const eob = await fhirGet(emu, '/v2/fhir/ExplanationOfBenefit/', t.access_token);
    expect(eob.status).toBe(403);
    expect(await eob.json()).toEqual(DENIED);
    expect((await fhirGet(emu, '/v2/fhir/Patient/', t.access_token)).status).toBe(200);
  });
});

describe('a beneficiary BB2 has no data for (bene_404)', () => {
  it('sees the bene_404 page (404) whose script calls redirect_uri?error=not_found without state', async () => {
    await control(`beneficiaries/${P2}`, { notFound: true });
    const err = await authorizeThroughForms(emu).catch((e: Error) => e.message);
    expect(err).toMatch(/^login: 404 /);
    expect(err).toContain('Your patient data cannot be found at this time.');
    expect(err).toContain(`fetch("${REDIRECT_URI}?error=not_found", {mode:'no-cors'})`);
  });
});

describe('revocation', () => {
  it("answers 200 for an unknown token and 403 for another application's token", async () => {
    const t = await enroll(emu);
    const unknown = await postForm(
      `${emu.url}/v2/o/revoke_token/`,
      { token: 'nope' },
      { authorization: basic() },
    );
    expect(unknown.status).toBe(200);
    const other = await postForm(
      `${emu.url}/v2/o/revoke_token/`,
      { token: t.access_token },
      { authorization: basic(OTHER.clientId, OTHER.clientSecret) },
    );
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({
      status_code: 403,
      description: 'Application did not have access to the provided token.',
    });
    expect((await fhirGet(emu, '/v2/fhir/Coverage/', t.access_token)).status).toBe(200);
  });

  it('refuses an inactive application before looking at the token: revoke_token its own 403, revoke validate_app_is_active’s', async () => {
    const t = await enroll(emu);
    await register({ active: false });
    const unknown = await postForm(
      `${emu.url}/v2/o/revoke_token/`,
      { token: 'nope' },
      { authorization: basic() },
    );
    expect(unknown.status).toBe(403);
    expect(await unknown.json()).toEqual({
      status_code: 403,
      description: 'Application is not active or does not exist.',
    });
    const grant = await postForm(
      `${emu.url}/v2/o/revoke/`,
      { token: t.access_token },
      { authorization: basic() },
    );
    expect(grant.status).toBe(403);
    expect(await grant.json()).toEqual({
      status_code: 403,
      error: 'invalid_client',
      error_description: INACTIVE,
    });
    await register({ active: true });
    expect((await fhirGet(emu, '/v2/fhir/Coverage/', t.access_token)).status).toBe(200);
  });
});

describe('rate-limit headers', () => {
  it('every response has X-RateLimit-*: None outside FHIR, counts down on FHIR, then 429 with Retry-After', async () => {
    const root = await fetch(`${emu.url}/.well-known/openid-configuration`);
    expect(root.headers.get('x-ratelimit-limit')).toBe('None');
    expect((await control('throttle', { limit: 3, windowSeconds: 60, per: 'application' })).status).toBe(200);
    const t = await enroll(emu);
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fhirGet(emu, '/v2/fhir/Coverage/', t.access_token);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      remaining.push(res.headers.get('x-ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const over = await fhirGet(emu, '/v2/fhir/Coverage/', t.access_token);
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('60');
    expect(Number(over.headers.get('x-ratelimit-reset'))).toBeCloseTo(60, 0);
    expect(await over.json()).toEqual({ detail: 'Request was throttled. Expected available in 60 seconds.' });
  });
});

describe('userinfo', () => {
  it('gives iat = the date the beneficiary first logged in through BB2', async () => {
    const first = await enroll(emu, { username: 'BBUser00001' });
    clock = START + 86_400_000;
    await enroll(emu, { username: 'BBUser00001' });
    const res = await fhirGet(emu, '/v2/connect/userinfo', first.access_token);
    // The second consent deleted the first pair's tokens; ask with a fresh one.
    expect(res.status).toBe(401);
    const again = await enroll(emu, { username: 'BBUser00001' });
    const info = (await (await fhirGet(emu, '/v2/connect/userinfo', again.access_token)).json()) as {
      iat: string;
    };
    expect(info.iat).toBe(new Date(START).toISOString());
  });
});
