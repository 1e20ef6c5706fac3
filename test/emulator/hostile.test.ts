/**
 * Hostile mode: each fault answers as described in src/emulator/README.md, so pipeline tests can
 * drive it end to end. Raw http, so what is on the wire is what is checked.
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { parseFaultsJson } from '../../src/emulator/faults.ts';
import { enroll, refresh as refreshResponse, type TokenResponse } from './support.ts';

async function refresh(
  emu: RunningEmulator,
  refreshToken: string,
): Promise<TokenResponse & { id_token?: string }> {
  const res = await refreshResponse(emu, refreshToken);
  if (res.status !== 200) throw new Error(`refresh answered ${res.status}`);
  return (await res.json()) as TokenResponse & { id_token?: string };
}

let emu: RunningEmulator;
let token: TokenResponse;

beforeAll(async () => {
  emu = await startEmulator({ users: 3 });
  token = await enroll(emu, { username: 'BBUser00000', password: 'PW00000!' });
});
afterAll(async () => {
  await emu.close();
});
afterEach(() => {
  emu.setFaults({});
});

/** A GET whose raw body bytes are counted (and kept up to `keep` bytes). */
function rawGet(
  path: string,
  keep = 1 << 20,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(
        `${emu.url}${path}`,
        { headers: { authorization: `Bearer ${token.access_token}`, 'accept-encoding': 'gzip' } },
        (res) => {
          const kept: Buffer[] = [];
          let bytes = 0;
          res.on('data', (c: Buffer) => {
            if (bytes < keep) kept.push(c);
            bytes += c.length;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, body: Buffer.concat(kept) }),
          );
          res.on('error', reject);
        },
      )
      .on('error', reject);
  });
}

describe('hostile mode', () => {
  it('turns every hostile fault on with --faults hostile', () => {
    const faults = parseFaultsJson('hostile');
    for (const key of [
      'hugeBodyRate',
      'gzipBombRate',
      'badGzipRate',
      'selfLinkRate',
      'foreignLinkRate',
      'tokenIdTokenRate',
      'tokenTypeRate',
      'noRefreshTokenRate',
      'tokenHugeBodyRate',
    ] as const) {
      expect(faults[key]).toBeGreaterThan(0);
    }
  });

  it('streams a huge body of exactly hugeBodyBytes', async () => {
    emu.setFaults({ hugeBodyRate: 1, hugeBodyBytes: 3_000_000 });
    const res = await rawGet('/v2/fhir/Coverage/', 100);
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.bytes).toBe(3_000_000);
  });

  it('sends a gzip bomb: a small body inflating to gzipBombBytes', async () => {
    emu.setFaults({ gzipBombRate: 1, gzipBombBytes: 64 * 1024 * 1024 });
    const res = await rawGet('/v2/fhir/Coverage/');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.bytes).toBeLessThan(1024 * 1024);
    expect(gunzipSync(res.body).length).toBe(64 * 1024 * 1024);
  });

  it('cuts a gzip stream short', async () => {
    emu.setFaults({ badGzipRate: 1 });
    const res = await rawGet('/v2/fhir/Coverage/');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(() => gunzipSync(res.body)).toThrow(/unexpected end of file/);
  });

  it.each([
    ['selfLinkRate', (url: string) => url],
    [
      'foreignLinkRate',
      (url: string) => `https://bb2-mirror.invalid${new URL(url).pathname}${new URL(url).search}`,
    ],
  ] as const)('with %s, makes the next link loop or leave BB2', async (fault, expected) => {
    emu.setFaults({ [fault]: 1 });
    const path = '/v2/fhir/ExplanationOfBenefit/?_count=5';
    const res = await rawGet(path);
    const bundle = JSON.parse(res.body.toString('utf8')) as { link: { relation: string; url: string }[] };
    expect(bundle.link.find((l) => l.relation === 'next')?.url).toBe(expected(`${emu.url}${path}`));
  });

  it('answers refreshes with an id_token, token_type mac, or without a refresh_token (the old one stays valid)', async () => {
    const own = await enroll(emu, { username: 'BBUser00001', password: 'PW00001!' });
    emu.setFaults({ tokenIdTokenRate: 1, tokenTypeRate: 1 });
    const odd = await refresh(emu, own.refresh_token);
    expect(odd.token_type).toBe('mac');
    expect(String(odd.id_token).split('.')).toHaveLength(3);
    expect(odd.refresh_token).not.toBe(own.refresh_token);

    emu.setFaults({ noRefreshTokenRate: 1 });
    const kept = await refresh(emu, odd.refresh_token);
    expect(kept.refresh_token).toBeUndefined();
    emu.setFaults({});
    const again = await refresh(emu, odd.refresh_token);
    expect(again.access_token).toEqual(expect.any(String));
    expect(emu.stats().refreshTokenReuse).toBe(0);
  });

  it('counts a lost refresh token: an older one presented after its delivered successor went unused', async () => {
    const own = await enroll(emu, { username: 'BBUser00002', password: 'PW00002!' });
    const before = emu.stats();
    await refresh(emu, own.refresh_token); // its successor is delivered and then "forgotten"
    await refresh(emu, own.refresh_token).catch(() => undefined);
    const after = emu.stats();
    expect(after.refreshTokenReuse - before.refreshTokenReuse).toBe(1);
    expect(after.lostRefreshTokens - before.lostRefreshTokens).toBe(1);
  });
});
