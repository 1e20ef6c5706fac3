import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { NO_FAULTS } from '../../src/emulator/faults.ts';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import {
  enroll,
  fhirGet,
  handCoverage,
  handEob,
  handPatient,
  handStore,
  refresh,
  type TokenResponse,
} from './support.ts';

const P = '-19990000000001';
let emu: RunningEmulator;
let token: TokenResponse;
/** Values the emulator's random source returns, in order; 0 when exhausted. */
let randoms: number[] = [];

beforeAll(async () => {
  const store = handStore([
    {
      patient: handPatient(P),
      coverages: [handCoverage('a', P, '2024-01-01T00:00:00.000Z')],
      eobs: Array.from({ length: 12 }, (_, i) =>
        handEob('carrier', String(-1000 - i), P, '2024-01-01T00:00:00.000Z', '2023-01-01'),
      ),
    },
  ]);
  emu = await startEmulator({ store, random: () => randoms.shift() ?? 0 });
  token = await enroll(emu, { username: 'BBUser00000', password: 'PW00000!' });
});
afterAll(async () => {
  await emu.close();
});
afterEach(async () => {
  randoms = [];
  await postFaults({});
});

async function postFaults(body: unknown): Promise<Response> {
  return fetch(`${emu.url}/__emulator/faults`, { method: 'POST', body: JSON.stringify(body) });
}

describe('fault injection', () => {
  it('answers 429 with Retry-After and DRF throttle body', async () => {
    expect((await postFaults({ rate429: 1, retryAfterSeconds: 3 })).status).toBe(200);
    const res = await fhirGet(emu, '/v2/fhir/ExplanationOfBenefit/', token.access_token);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(await res.json()).toEqual({ detail: 'Request was throttled. Expected available in 3 seconds.' });
    await postFaults({ rate429: 1, retryAfterSeconds: 1 });
    const one = await fhirGet(emu, '/v2/fhir/Coverage/', token.access_token);
    expect(await one.json()).toEqual({ detail: 'Request was throttled. Expected available in 1 second.' });
  });

  it('answers 500 and 502 with BB2 bodies', async () => {
    await postFaults({ rate5xx: 1 });
    randoms = [0, 0.2];
    const five = await fhirGet(emu, '/v2/fhir/ExplanationOfBenefit/', token.access_token);
    expect(five.status).toBe(500);
    expect(await five.json()).toEqual({ error: 'Server Error (500)' });
    randoms = [0, 0.7];
    const bad = await fhirGet(emu, '/v2/fhir/ExplanationOfBenefit/', token.access_token);
    expect(bad.status).toBe(502);
    expect(await bad.json()).toEqual({ detail: 'An error occurred contacting the upstream server' });
  });

  it('serves 200 with truncated, invalid JSON when malformed', async () => {
    await postFaults({ malformedRate: 1 });
    const res = await fhirGet(emu, '/v2/fhir/ExplanationOfBenefit/', token.access_token, {
      'accept-encoding': 'gzip',
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.startsWith('{"resourceType":"Bundle"')).toBe(true);
    expect(() => JSON.parse(text) as unknown).toThrow();
  });

  it('drops the connection when resetting', async () => {
    await postFaults({ resetRate: 1 });
    await expect(fhirGet(emu, '/v2/fhir/ExplanationOfBenefit/', token.access_token)).rejects.toThrow();
    expect(emu.stats().requests['GET /v2/fhir/ExplanationOfBenefit/']?.byStatus.reset).toBeGreaterThan(0);
  });

  it('adds latency', async () => {
    await postFaults({ latencyMs: 150 });
    const started = performance.now();
    expect((await fhirGet(emu, '/v2/fhir/Coverage/', token.access_token)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('applies to FHIR resource calls only, not to /token, discovery or metadata', async () => {
    await postFaults({ rate429: 1, rate5xx: 1, resetRate: 1 });
    expect((await fetch(`${emu.url}/v2/fhir/metadata`)).status).toBe(200);
    expect((await fetch(`${emu.url}/.well-known/openid-configuration`)).status).toBe(200);
    const fresh = await enroll(emu, { username: 'BBUser00000', password: 'PW00000!' });
    const rotated = await refresh(emu, fresh.refresh_token);
    expect(rotated.status).toBe(200);
    token = (await rotated.json()) as TokenResponse;
  });

  it('turns everything off with {}', async () => {
    await postFaults({ rate429: 1 });
    expect((await fhirGet(emu, '/v2/fhir/Coverage/', token.access_token)).status).toBe(429);
    const off = await postFaults({});
    expect(await off.json()).toEqual(NO_FAULTS);
    expect(NO_FAULTS).toMatchObject({
      rate429: 0,
      retryAfterSeconds: 1,
      hugeBodyRate: 0,
      noRefreshTokenRate: 0,
    });
    expect((await fhirGet(emu, '/v2/fhir/Coverage/', token.access_token)).status).toBe(200);
  });

  it('injects at the configured rate, counted in stats by status', async () => {
    await fetch(`${emu.url}/__emulator/stats/reset`, { method: 'POST' });
    await postFaults({ rate429: 0.5 });
    randoms = [0.1, 0.9, 0.2, 0.8];
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await fhirGet(emu, '/v2/fhir/Coverage/', token.access_token)).status);
    }
    expect(statuses).toEqual([429, 200, 429, 200]);
    expect(emu.stats().requests['GET /v2/fhir/Coverage/']).toEqual({
      total: 4,
      byStatus: { '200': 2, '429': 2 },
    });
  });

  it('refuses unknown faults and rates outside 0..1', async () => {
    const unknown = await postFaults({ rate418: 1 });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { detail: string }).detail).toMatch(/unknown fault "rate418"/);
    expect((await postFaults({ rate429: 2 })).status).toBe(400);
    expect((await postFaults([1])).status).toBe(400);
  });

  it('can be set at start', async () => {
    const other = await startEmulator({ store: emu.store, faults: { rate429: 1, retryAfterSeconds: 7 } });
    try {
      const t = await enroll(other, { username: 'BBUser00000', password: 'PW00000!' });
      const res = await fhirGet(other, '/v2/fhir/Coverage/', t.access_token);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
    } finally {
      await other.close();
    }
  });
});
