/** Enrollment through the emulator's v3 forms, for the v3 emulator tests. */
import { expect } from 'vitest';

import type { RunningEmulator } from '../../src/emulator/index.ts';
import {
  CLIENT_ID,
  CLIENT_SECRET,
  FormClient,
  onlyForm,
  pkce,
  postForm,
  randomState,
  REDIRECT_URI,
} from './support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const V3_SCOPE =
  'openid profile patient/Patient.rs patient/Coverage.rs patient/ExplanationOfBenefit.rs';

/** Authorize -> login -> v3 consent (SAMHSA box ticked or not) -> code -> tokens at /v3/o/token/. */
export async function enrollV3At(
  emu: RunningEmulator,
  user: number,
  shareSamhsa: boolean,
): Promise<{ token: Json; consentHtml: string }> {
  const client = new FormClient(emu.url);
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    response_type: 'code',
    state: randomState(),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    scope: V3_SCOPE,
  });
  const login = await client.follow(`/v3/o/authorize/?${q}`);
  const loginForm = onlyForm(await login.res.text());
  const id = String(user).padStart(5, '0');
  const consent = await client.follow(loginForm.action, {
    form: { ...loginForm.hidden, username: `BBUser${id}`, password: `PW${id}!` },
  });
  expect(consent.url).toMatch(/\/v3\/o\/authorize\/[0-9a-f-]{36}\//);
  const consentHtml = await consent.res.text();
  const form = onlyForm(consentHtml);
  const body = new URLSearchParams(form.hidden);
  body.set('share_demographic_scopes', 'true');
  body.set('share_samhsa_data', 'False'); // the hidden field; a ticked box posts True after it
  if (shareSamhsa) body.append('share_samhsa_data', 'True');
  body.set('allow', 'true');
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const done = await fetch(new URL(form.action, emu.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: body.toString(),
    redirect: 'manual',
  });
  const code = new URL(done.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const res = await postForm(`${emu.url}/v3/o/token/`, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
    client_id: CLIENT_ID,
    client_secret: CLIENT_SECRET,
  });
  expect(res.status).toBe(200);
  return { token: (await res.json()) as Json, consentHtml };
}
