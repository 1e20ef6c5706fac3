/**
 * Fault injection on the v3 FHIR endpoints: the same faults as v2 (faults.test.ts,
 * hostile.test.ts) with v3's answers: 5xx as BB2 v3 gives them (DRF's 500 or a relayed 500
 * OperationOutcome), hostile `next` links in place of the `_offset` link, and the insurance card
 * counted as a FHIR call. Discovery and /v3/o/token/ keep their own (token) faults.
 */
import http from 'node:http';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { enrollV3At } from './v3-support.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let emu: RunningEmulator;
let token: string;
/** Values the emulator's random source returns, in order; 0 when exhausted. */
let randoms: number[] = [];
const EOBS = '/v3/fhir/ExplanationOfBenefit';

beforeAll(async () => {
  emu = await startEmulator({ users: 3, seed: 5, random: () => randoms.shift() ?? 0 });
  token = (await enrollV3At(emu, 1, true)).token.access_token as string;
});
afterAll(async () => {
  await emu?.close();
});
afterEach(() => {
  randoms = [];
  emu.setFaults({});
});

async function get(path: string) {
  const res = await fetch(path.startsWith('http') ? path : `${emu.url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('v3 FHIR faults', () => {
  it('answers a 429 with Retry-After and DRF throttle body, as v2', async () => {
    emu.setFaults({ rate429: 1, retryAfterSeconds: 2 });
    const res = await get(`${EOBS}?_count=5`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(JSON.parse(res.text)).toEqual({
      detail: 'Request was throttled. Expected available in 2 seconds.',
    });
  });

  it("answers a 5xx either as DRF's 500 or as a relayed 500 OperationOutcome, never v2's 502", async () => {
    emu.setFaults({ rate5xx: 1 });
    randoms = [0, 0.2];
    const crash = await get(`${EOBS}?_count=5`);
    expect(crash.status).toBe(500);
    expect(JSON.parse(crash.text)).toEqual({ error: 'Server Error (500)' });
    randoms = [0, 0.7];
    const relayed = await get('/v3/fhir/Coverage');
    expect(relayed.status).toBe(500);
    expect(JSON.parse(relayed.text)).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'exception', diagnostics: 'An unexpected error occurred' }],
    });
  });

  it('cuts the JSON of a search, a read and the insurance card when malformed', async () => {
    const ok = JSON.parse((await get(`${EOBS}?_count=1`)).text) as Json;
    const eobId = ok.entry[0].resource.id as string;
    emu.setFaults({ malformedRate: 1 });
    for (const path of [
      `${EOBS}?_count=1`,
      `${EOBS}/${eobId}`,
      '/v3/fhir/Patient/$generate-insurance-card',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.text.startsWith('{"resourceType":"'), path).toBe(true);
      expect(() => JSON.parse(res.text) as unknown, path).toThrow();
    }
  });

  it('replaces the _offset next link with the page itself or another origin', async () => {
    const clean = JSON.parse((await get(`${EOBS}?_count=2&_offset=2`)).text) as Json;
    const cleanNext = (clean.link as Json[]).find((l) => l.relation === 'next')?.url as string;
    expect(cleanNext).toMatch(/_offset=4/);

    emu.setFaults({ selfLinkRate: 1 });
    const loop = JSON.parse((await get(`${EOBS}?_count=2&_offset=2`)).text) as Json;
    expect((loop.link as Json[]).filter((l) => l.relation === 'next')).toEqual([
      { relation: 'next', url: `${emu.url}${EOBS}?_count=2&_offset=2` },
    ]);
    expect((loop.link as Json[]).map((l) => l.relation)).not.toContain('first'); // still v3's links

    emu.setFaults({ foreignLinkRate: 1 });
    const away = JSON.parse((await get(`${EOBS}?_count=2&_offset=2`)).text) as Json;
    expect((away.link as Json[]).find((l) => l.relation === 'next')?.url).toBe(
      `https://bb2-mirror.invalid${EOBS}?_count=2&_offset=2`,
    );
  });

  it('sends a huge body, a gzip bomb and a cut gzip stream on v3 searches', async () => {
    emu.setFaults({ hugeBodyRate: 1, hugeBodyBytes: 3 * 1024 * 1024 });
    const huge = await rawGet(`${EOBS}?_count=5`);
    expect(huge).toMatchObject({ status: 200, bytes: 3 * 1024 * 1024 });

    emu.setFaults({ gzipBombRate: 1, gzipBombBytes: 64 * 1024 * 1024 });
    const bomb = await rawGet(`${EOBS}?_count=5`);
    expect(bomb.encoding).toBe('gzip');
    expect(bomb.bytes).toBeLessThan(256 * 1024); // small on the wire, 64 MiB inflated

    emu.setFaults({ badGzipRate: 1 });
    const cut = await rawGet(`${EOBS}?_count=5`);
    expect(cut.encoding).toBe('gzip');
    expect(cut.bytes).toBeGreaterThan(10);
  });

  it('drops the connection on a reset, and leaves discovery and metadata alone', async () => {
    emu.setFaults({ resetRate: 1, rate429: 1, rate5xx: 1 });
    await expect(get(`${EOBS}?_count=5`)).rejects.toThrow();
    expect(emu.stats().requests[`GET ${EOBS}`]?.byStatus.reset).toBeGreaterThan(0);
    expect((await fetch(`${emu.url}/v3/fhir/metadata`)).status).toBe(200);
    expect((await fetch(`${emu.url}/v3/connect/.well-known/openid-configuration`)).status).toBe(200);
  });
});

/** A raw GET (no decoding) whose body bytes on the wire are counted. */
function rawGet(path: string): Promise<{ status: number; encoding: string | undefined; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(
        `${emu.url}${path}`,
        { headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' } },
        (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, encoding: res.headers['content-encoding'], bytes }),
          );
          res.on('error', reject);
        },
      )
      .on('error', reject);
  });
}
