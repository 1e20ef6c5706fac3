/**
 * The emulator's v3 API over HTTP: required scope, the SAMHSA consent box and its effect on EOB
 * searches, `_offset` paging with next/previous only and `total` on the last page, the default
 * `_source`, `_tag`/`_source` filters, strict mode, OperationOutcome errors, the v3 patient id,
 * discovery and `$generate-insurance-card`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { CLIENT_ID, pkce, randomState } from './support.ts';
import { enrollV3At } from './v3-support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ users: 30, seed: 5 });
});
afterAll(async () => {
  await emu?.close();
});

const enrollV3 = (user: number, shareSamhsa: boolean) => enrollV3At(emu, user, shareSamhsa);

async function get(path: string, token: string, headers: Record<string, string> = {}) {
  const res = await fetch(path.startsWith('http') ? path : `${emu.url}${path}`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  return { status: res.status, body: (await res.json()) as Json };
}

async function walk(first: string, token: string): Promise<Json[]> {
  const pages: Json[] = [];
  let url: string | undefined = first;
  while (url) {
    const { status, body } = await get(url, token);
    expect(status).toBe(200);
    pages.push(body);
    url = (body.link as Json[]).find((l) => l.relation === 'next')?.url;
  }
  return pages;
}

const entries = (pages: Json[]) => pages.flatMap((p) => (p.entry ?? []).map((e: Json) => e.resource as Json));
const labelled = (eob: Json) => (eob.meta.security ?? []).some((s: Json) => s.code === '42CFRPart2');

describe('v3 authorization', () => {
  it('refuses an authorize request without scope', async () => {
    const q = new URLSearchParams({
      client_id: CLIENT_ID,
      response_type: 'code',
      state: randomState(),
      code_challenge: pkce().challenge,
      code_challenge_method: 'S256',
    });
    const res = await fetch(`${emu.url}/v3/o/authorize/?${q}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ status_code: 400, message: 'Missing Required Parameter(s): scope' });
  });

  it('shows an unchecked SAMHSA box and answers with the v3 patient id', async () => {
    const { token, consentHtml } = await enrollV3(3, false);
    expect(consentHtml).toMatch(
      /<input type="checkbox" id="share_samhsa" name="share_samhsa_data" value="True">/,
    );
    expect(consentHtml).toContain('Alcohol &amp; substance use information');
    const v2Id = emu.store.userByIndex(3)!.patientId;
    expect(token.patient).not.toBe(v2Id);
    const { body } = await get(`/v3/fhir/Patient/${token.patient}`, token.access_token);
    expect(body.id).toBe(token.patient);
    expect(body.meta.profile[0]).toMatch(/C4BB-Patient\|2\.2\.0$/);
  });
});

describe('v3 EOB searches', () => {
  it('leave out SAMHSA-labelled claims, and say so in the links, unless the box was ticked', async () => {
    const kept = await enrollV3(7, false);
    const shared = await enrollV3(8, true);
    const withheld = await walk('/v3/fhir/ExplanationOfBenefit?_count=50', kept.token.access_token);
    expect(withheld[0]!.link.find((l: Json) => l.relation === 'self').url).toContain(
      '_security%3Anot=42CFRPart2',
    );
    expect(entries(withheld).filter(labelled)).toEqual([]);
    const all = await walk('/v3/fhir/ExplanationOfBenefit?_count=50', shared.token.access_token);
    expect(all[0]!.link.find((l: Json) => l.relation === 'self').url).not.toContain('_security');
    // Some beneficiaries have labelled carrier claims: find one across a few users.
    let found = entries(all).some(labelled);
    for (let user = 9; !found && user < 20; user++) {
      found = entries(
        await walk(
          '/v3/fhir/ExplanationOfBenefit?_count=50',
          (await enrollV3(user, true)).token.access_token,
        ),
      ).some(labelled);
    }
    expect(found).toBe(true);
  });

  it('page with _offset next/previous links only, and give total on the last page only', async () => {
    const { token } = await enrollV3(4, true);
    const pages = await walk('/v3/fhir/ExplanationOfBenefit?_count=3', token.access_token);
    expect(pages.length).toBeGreaterThan(1);
    const ids = entries(pages).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [i, page] of pages.entries()) {
      const relations = (page.link as Json[]).map((l) => l.relation).sort();
      const last = i === pages.length - 1;
      expect(relations).toEqual([...(last ? [] : ['next']), ...(i > 0 ? ['previous'] : []), 'self'].sort());
      if (!last) expect(new URL(page.link[0].url).searchParams.get('_offset')).toBe(String((i + 1) * 3));
      expect(page.total).toBe(last ? ids.length : undefined);
    }
  });

  it('return only NCH and DDPS claims by default, and the not-final FISS versions when asked', async () => {
    const { token } = await enrollV3(5, true);
    const byDefault = entries(await walk('/v3/fhir/ExplanationOfBenefit?_count=50', token.access_token));
    expect(new Set(byDefault.map((e) => e.meta.source))).toEqual(new Set(['NCH', 'DDPS']));
    expect(byDefault[0]!.meta.tag).toContainEqual({
      code: 'FinalAction',
      system: 'https://bluebutton.cms.gov/fhir/CodeSystem/Final-Action',
    });
    let shared: Json[] = [];
    for (let user = 5; shared.length === 0 && user < 30; user++) {
      const t = user === 5 ? token : (await enrollV3(user, true)).token;
      const tag = encodeURIComponent('https://bluebutton.cms.gov/fhir/CodeSystem/System-Type|SharedSystem');
      shared = entries(await walk(`/v3/fhir/ExplanationOfBenefit?_count=50&_tag=${tag}`, t.access_token));
    }
    expect(shared.length).toBeGreaterThan(0);
    for (const eob of shared) {
      expect(eob).toMatchObject({ outcome: 'partial', meta: { source: 'FISS' } });
      expect(eob.meta.tag).toContainEqual({
        code: 'NotFinalAction',
        system: 'https://bluebutton.cms.gov/fhir/CodeSystem/Final-Action',
      });
    }
  });

  it('answer a bad _source with a 400 OperationOutcome and unknown parameters with 400 only in strict mode', async () => {
    const { token } = await enrollV3(6, true);
    const bad = await get('/v3/fhir/ExplanationOfBenefit?_source=XYZ', token.access_token);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'processing' }],
    });
    const lax = await get('/v3/fhir/ExplanationOfBenefit?hello=world', token.access_token);
    expect(lax.status).toBe(200);
    const strict = await get('/v3/fhir/ExplanationOfBenefit?hello=world', token.access_token, {
      prefer: 'handling=strict',
    });
    expect(strict).toEqual({ status: 400, body: { error: "Invalid parameters: ['hello']" } });
    const badId = await get('/v3/fhir/ExplanationOfBenefit/carrier-123', token.access_token);
    expect(badId.body.issue[0].diagnostics).toBe('ID is not a valid number');
  });
});

describe('v3 discovery and the insurance card', () => {
  it('publishes v3 endpoints and the client_credentials grant in the SMART configuration', async () => {
    const res = await fetch(`${emu.url}/v3/fhir/.well-known/smart-configuration`);
    const doc = (await res.json()) as Json;
    expect(doc.authorization_endpoint).toBe(`${emu.url}/v3/o/authorize`);
    expect(doc.token_endpoint).toBe(`${emu.url}/v3/o/token`);
    expect(doc.grant_types_supported).toEqual(['authorization_code', 'client_credentials']);
  });

  it('generates the Digital Insurance Card: a collection of a Patient, CMS and one Coverage per part', async () => {
    const { token } = await enrollV3(2, true);
    const { status, body } = await get('/v3/fhir/Patient/$generate-insurance-card', token.access_token);
    expect(status).toBe(200);
    expect(body.type).toBe('collection');
    const kinds = (body.entry as Json[]).map((e) => e.resource.resourceType);
    const coverages = await get('/v3/fhir/Coverage?_count=50', token.access_token);
    expect(kinds).toEqual([
      'Patient',
      'Organization',
      ...(coverages.body.entry as Json[]).map(() => 'Coverage'),
    ]);
    for (const e of body.entry as Json[]) expect(e.fullUrl).toMatch(/^urn:uuid:/);
  });
});
