import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { describeWithFixtures, FIXTURES_ROOT as FIXTURES } from '../helpers/fixtures.ts';
import { enroll, linkOf, walk, type Bundle, type TokenResponse } from './support.ts';

const SANDBOX_PAGES = `${FIXTURES}/v2/sandbox/eob-paging-bene-19990000000001`;
const SANDBOX = 'https://sandbox.bluebutton.cms.gov';

function collectIds(pages: Bundle[]): string[] {
  return pages.flatMap((p) => (p.entry ?? []).map((e) => e.resource.id));
}

async function loginAs(emu: RunningEmulator, patientId: string): Promise<TokenResponse> {
  const users = (await (await fetch(`${emu.url}/__emulator/users`)).json()) as Record<string, string>;
  const username = Object.keys(users).find((u) => users[u] === patientId);
  if (!username) throw new Error(`no user for ${patientId}`);
  return enroll(emu, { username, password: `PW${username.slice(6)}!` });
}

describeWithFixtures('paging in fixture mode (patient -19990000000001, 52 EOBs, as the real sandbox)', () => {
  let emu: RunningEmulator;
  let token: TokenResponse;
  let sandboxPages: Bundle[];

  beforeAll(async () => {
    sandboxPages = [0, 1, 2, 3, 4, 5].map(
      (i) => JSON.parse(readFileSync(`${SANDBOX_PAGES}/eob-page-${i}.json`, 'utf8')) as Bundle,
    );
    emu = await startEmulator({ fixtures: FIXTURES });
    token = await loginAs(emu, '-19990000000001');
  });
  afterAll(async () => {
    await emu.close();
  });

  it('walks _count=10 by next links through the same six pages, ids and links as the sandbox', async () => {
    const pages = await walk(emu, `${emu.url}/v2/fhir/ExplanationOfBenefit/?_count=10`, token.access_token);
    expect(pages).toHaveLength(6);
    const ids = collectIds(pages);
    expect(ids).toHaveLength(52);
    expect(new Set(ids).size).toBe(52);
    expect(ids).toEqual(collectIds(sandboxPages));
    pages.forEach((page, i) => {
      const real = sandboxPages[i] as Bundle;
      expect(page.total).toBe(52);
      expect(page.link).toEqual(
        // The sandbox pages were recorded before BB2 asked BFD for `application/fhir+json` (2025-12).
        real.link.map((l) => ({
          relation: l.relation,
          url: l.url
            .replace(SANDBOX, emu.url)
            .replace('application%2Fjson%2Bfhir', 'application%2Ffhir%2Bjson'),
        })),
      );
    });
  });

  it('walks _count=50 in two pages with every id once', async () => {
    const pages = await walk(emu, `${emu.url}/v2/fhir/ExplanationOfBenefit/?_count=50`, token.access_token);
    expect(pages.map((p) => p.entry?.length)).toEqual([50, 2]);
    const ids = collectIds(pages);
    expect(new Set(ids).size).toBe(52);
    expect(ids).toEqual(collectIds(sandboxPages));
    expect(linkOf(pages[1] as Bundle, 'previous')).toBe(
      `${emu.url}/v2/fhir/ExplanationOfBenefit?_format=application%2Ffhir%2Bjson&startIndex=0&_count=50&patient=-19990000000001`,
    );
    expect(linkOf(pages[0] as Bundle, 'last')).toBe(
      linkOf(pages[1] as Bundle, 'first')?.replace('startIndex=0', 'startIndex=50'),
    );
  });

  it('forms Coverage and Patient links as the sandbox does (beneficiary=Patient%2F.., _id)', async () => {
    const cov = (await (
      await fetch(`${emu.url}/v2/fhir/Coverage/`, {
        headers: { authorization: `Bearer ${token.access_token}` },
      })
    ).json()) as Bundle;
    expect(linkOf(cov, 'self')).toBe(
      `${emu.url}/v2/fhir/Coverage/?_count=10&_format=application%2Ffhir%2Bjson&beneficiary=Patient%2F-19990000000001&startIndex=0`,
    );
    expect(linkOf(cov, 'first')).toBe(
      `${emu.url}/v2/fhir/Coverage?_format=application%2Ffhir%2Bjson&startIndex=0&_count=10&beneficiary=Patient%2F-19990000000001`,
    );
    const pat = (await (
      await fetch(`${emu.url}/v2/fhir/Patient/`, {
        headers: { authorization: `Bearer ${token.access_token}` },
      })
    ).json()) as Bundle;
    expect(pat.total).toBe(1);
    expect(linkOf(pat, 'first')).toBe(
      `${emu.url}/v2/fhir/Patient?_format=application%2Ffhir%2Bjson&startIndex=0&_count=10&_id=-19990000000001`,
    );
  });
});

describe('paging over synthetic users with more than 50 EOBs', () => {
  let emu: RunningEmulator;

  beforeAll(async () => {
    emu = await startEmulator({ users: 200, seed: 1 });
  });
  afterAll(async () => {
    await emu.close();
  });

  it('returns every EOB exactly once, in the store order, with _count 10 and 50', async () => {
    const big: number[] = [];
    for (let i = 0; i < emu.store.userCount && big.length < 2; i++) {
      const user = emu.store.userByIndex(i);
      if (user && (emu.store.record(user.patientId)?.eobs.length ?? 0) > 50) big.push(i);
    }
    expect(big.length).toBeGreaterThan(0);
    for (const index of big) {
      const user = emu.store.userByIndex(index);
      if (!user) throw new Error('no user');
      const expected = (emu.store.record(user.patientId)?.eobs ?? []).map((e) => e.id);
      const token = await enroll(emu, { username: user.username, password: user.password });
      for (const count of [10, 50]) {
        const pages = await walk(
          emu,
          `${emu.url}/v2/fhir/ExplanationOfBenefit/?_count=${count}`,
          token.access_token,
        );
        expect(pages).toHaveLength(Math.ceil(expected.length / count));
        expect(collectIds(pages)).toEqual(expected);
        for (const [i, page] of pages.entries()) {
          expect(page.total).toBe(expected.length);
          expect(page.link.map((l) => l.relation)).toEqual([
            'first',
            ...(i < pages.length - 1 ? ['next'] : []),
            ...(i > 0 ? ['previous'] : []),
            'last',
            'self',
          ]);
          expect(linkOf(page, 'last')).toContain(
            `startIndex=${Math.floor((expected.length - 1) / count) * count}&`,
          );
        }
      }
    }
  });

  it('serves the default page size of 10 without parameters', async () => {
    const user = emu.store.userByIndex(0);
    if (!user) throw new Error('no user');
    const token = await enroll(emu, { username: user.username, password: user.password });
    const res = await fetch(`${emu.url}/v2/fhir/ExplanationOfBenefit`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    const bundle = (await res.json()) as Bundle;
    expect(bundle.entry?.length).toBe(Math.min(10, bundle.total));
    expect(linkOf(bundle, 'self')).toContain('_count=10&');
  });
});
