import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import {
  authorizeThroughForms,
  CLIENT_ID,
  FormClient,
  handPatient,
  handStore,
  onlyForm,
  pkce,
  randomState,
  REDIRECT_URI,
} from './support.ts';

let emu: RunningEmulator;

beforeAll(async () => {
  emu = await startEmulator({
    store: handStore(
      [handPatient('-19990000000001'), handPatient('-19990000000002')].map((patient) => ({ patient })),
    ),
  });
});
afterAll(async () => {
  await emu.close();
});

function authorizeUrl(overrides: Record<string, string | undefined> = {}): string {
  const { challenge } = pkce();
  const params: Record<string, string | undefined> = {
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    state: randomState(),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  return `${emu.url}/v2/o/authorize/?${q}`;
}

async function get(url: string): Promise<Response> {
  return fetch(url, { redirect: 'manual' });
}

describe('the authorize endpoint', () => {
  it('sends a valid request to the Medicare.gov login form, with and without the trailing slash', async () => {
    for (const url of [authorizeUrl(), authorizeUrl().replace('/authorize/?', '/authorize?')]) {
      const res = await get(url);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toMatch(/^\/mymedicare\/login\?auth_uuid=[0-9a-f-]{36}$/);
    }
  });

  it('runs the whole flow through the HTML forms and redirects to the app with a code and the state', async () => {
    const auth = await authorizeThroughForms(emu);
    expect(`${auth.location.origin}${auth.location.pathname}`).toBe(REDIRECT_URI);
    expect(auth.code).toMatch(/^[A-Za-z0-9]{30}$/);
    expect(auth.location.searchParams.get('state')).toBe(auth.state);
  });

  it('accepts the parameters in a POST body too (authorize-post)', async () => {
    const { challenge } = pkce();
    const res = await fetch(`${emu.url}/v2/o/authorize/`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: CLIENT_ID,
        redirect_uri: REDIRECT_URI,
        response_type: 'code',
        state: randomState(),
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }).toString(),
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^\/mymedicare\/login\?auth_uuid=/);
  });

  it('refuses a POST without state in its body with 401, as BB2', async () => {
    const res = await fetch(`${emu.url}/v2/o/authorize/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `client_id=${CLIENT_ID}`,
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ status_code: 401, message: 'State required in POST body.' });
  });

  it('lists every missing PKCE and state parameter in one 400', async () => {
    const res = await get(
      authorizeUrl({ code_challenge: undefined, code_challenge_method: undefined, state: undefined }),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      status_code: 400,
      message: 'Missing Required Parameter(s): code_challenge, code_challenge_method, state',
    });
  });

  it('requires code_challenge alone when only it is missing', async () => {
    const res = await get(authorizeUrl({ code_challenge: undefined }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      status_code: 400,
      message: 'Missing Required Parameter(s): code_challenge',
    });
  });

  it('refuses a state shorter than 16 characters', async () => {
    const res = await get(authorizeUrl({ state: 'short-state' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      status_code: 400,
      message: 'State parameter should have a minimum of 16 characters',
    });
  });

  it('refuses a code_challenge_method other than S256', async () => {
    const res = await get(authorizeUrl({ code_challenge_method: 'plain' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      status_code: 400,
      error: 'invalid_request',
      error_description: 'code_challenge_method must be S256',
    });
  });

  it('refuses a client_secret in the query', async () => {
    const res = await get(authorizeUrl({ client_secret: 'bbsync-local-secret' }));
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('Illegal query parameter [client_secret] detected');
  });

  it('refuses an unknown client with a 400 page', async () => {
    const res = await get(authorizeUrl({ client_id: 'nobody' }));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Application does not exist (client_id)');
  });

  it('refuses a missing client_id with a 400 page', async () => {
    const res = await get(authorizeUrl({ client_id: undefined }));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Missing client_id parameter.');
  });

  it('refuses a redirect_uri that is not registered with a 400 page and no redirect', async () => {
    const res = await get(authorizeUrl({ redirect_uri: 'http://evil.example/cb' }));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('Mismatching redirect URI.');
  });

  it('reports a bad response_type and an unknown scope through the redirect URI', async () => {
    const bad = await get(authorizeUrl({ response_type: 'token2' }));
    expect(bad.status).toBe(302);
    expect(new URL(bad.headers.get('location') ?? '').searchParams.get('error')).toBe(
      'unsupported_response_type',
    );
    const scope = await get(authorizeUrl({ scope: 'patient/*.read' }));
    expect(scope.status).toBe(302);
    const loc = new URL(scope.headers.get('location') ?? '');
    expect(loc.searchParams.get('error')).toBe('invalid_scope');
    expect(loc.searchParams.get('state')).toHaveLength(24);
  });
});

describe('the login form', () => {
  async function loginPage(): Promise<{ client: FormClient; html: string }> {
    const client = new FormClient(emu.url);
    const { res } = await client.follow(authorizeUrl());
    expect(res.status).toBe(200);
    return { client, html: await res.text() };
  }

  it('has exactly one POST form with hidden state and username and password inputs', async () => {
    const { html } = await loginPage();
    const form = onlyForm(html);
    expect(form.method).toBe('post');
    expect(form.action).toBe('/mymedicare/login');
    expect(Object.keys(form.hidden)).toEqual(['auth_uuid']);
    expect(form.inputs.find((i) => i.name === 'username')?.type).toBe('text');
    expect(form.inputs.find((i) => i.name === 'password')?.type).toBe('password');
  });

  it('shows the form again with a visible error after a wrong password', async () => {
    const { client, html } = await loginPage();
    const form = onlyForm(html);
    const res = await client.request(form.action, {
      form: { ...form.hidden, username: 'BBUser00001', password: 'wrong' },
    });
    expect(res.status).toBe(200);
    const again = await res.text();
    expect(again).toMatch(/<p class="error" role="alert">[^<]*password is not correct/);
    expect(onlyForm(again).hidden.auth_uuid).toBe(form.hidden.auth_uuid);
  });

  it('shows the form again with a visible error for an unknown user', async () => {
    const { client, html } = await loginPage();
    const form = onlyForm(html);
    const res = await client.request(form.action, {
      form: { ...form.hidden, username: 'BBUser99999', password: 'PW99999!' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<p class="error" role="alert">There is no Medicare.gov account/);
  });

  it('leads to a consent page with the app name, the scopes, the sharing choice and Allow and Deny', async () => {
    const { client, html } = await loginPage();
    const form = onlyForm(html);
    const { res } = await client.follow(form.action, {
      form: { ...form.hidden, username: 'BBUser00001', password: 'PW00001!' },
    });
    const consent = await res.text();
    const consentForm = onlyForm(consent);
    expect(consent).toContain('bbsync (local demo)');
    expect(consent).toContain('patient/ExplanationOfBenefit.rs');
    expect(
      consentForm.inputs
        .filter((i) => i.name === 'share_demographic_scopes')
        .map((i) => [i.value, 'checked' in i]),
    ).toEqual([
      ['true', true],
      ['false', false],
    ]);
    expect(consent).toContain(
      '<button type="submit" name="allow" value="true" class="primary">Allow</button>',
    );
    expect(consent).toContain(
      '<button type="submit" name="allow" value="false" class="secondary">Deny</button>',
    );
    expect(consentForm.hidden.state).toBeDefined();
    expect(consentForm.hidden.code_challenge).toBeDefined();
  });

  it('answers an unknown consent id with BB2 404 body', async () => {
    const res = await get(`${emu.url}/v2/o/authorize/not-a-uuid/`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ status_code: 404, message: 'Not found.' });
  });
});

describe('the consent decision', () => {
  it('redirects a denial with access_denied and the state', async () => {
    const auth = await authorizeThroughForms(emu, { allow: false });
    expect(auth.code).toBeNull();
    expect(auth.location.searchParams.get('error')).toBe('access_denied');
    expect(auth.location.searchParams.get('state')).toBe(auth.state);
  });

  it('accepts BB2 own spellings: allow=Connect and share_demographic_scopes False then True', async () => {
    const client = new FormClient(emu.url);
    const { res } = await client.follow(authorizeUrl());
    const login = onlyForm(await res.text());
    const consent = await client.follow(login.action, {
      form: { ...login.hidden, username: 'BBUser00000', password: 'PW00000!' },
    });
    const form = onlyForm(await consent.res.text());
    const body = new URLSearchParams(form.hidden);
    body.append('share_demographic_scopes', 'False');
    body.append('share_demographic_scopes', 'True');
    body.append('allow', 'Connect');
    const done = await fetch(new URL(form.action, emu.url), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    expect(done.status).toBe(302);
    expect(new URL(done.headers.get('location') ?? '').searchParams.get('code')).toMatch(/^[A-Za-z0-9]{30}$/);
  });
});
