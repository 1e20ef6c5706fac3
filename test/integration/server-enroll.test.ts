/**
 * `bbsync server`'s enrollment pages with a real browser: /enroll -> the emulator's login and
 * consent pages -> /enroll/callback, as a beneficiary would click through them.
 */
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildBb2Services } from '../../src/services.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { buildServer } from '../../src/server/app.ts';
import { capturingLogger, leakedTokens, startTestEmulator, testConfig } from '../helpers/bb2.ts';
import { chromiumAvailable, freePort, itWithBrowser, launchChromium } from '../helpers/browser.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const hasBrowser = chromiumAvailable();
let emulator: RunningEmulator;
let tdb: TestDatabase;
let server: FastifyInstance;
let browser: Browser | undefined;
let base: string;
const captured = capturingLogger('debug');
/** Enrollments the server asked to sync at once (bbsync server starts a run for each). */
const connected: string[] = [];

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  emulator = await startTestEmulator({
    users: 10,
    clients: [{ clientId: 'web', clientSecret: 'web-secret', redirectUris: [`${base}/enroll/callback`] }],
  });
  tdb = await createTestDatabase('server_enroll');
  const config = testConfig(emulator, tdb.url, {
    BB2_CLIENT_ID: 'web',
    BB2_CLIENT_SECRET: 'web-secret',
    BB2_REDIRECT_URI: `${base}/enroll/callback`,
  });
  const services = buildBb2Services(config, captured.log, tdb.pool);
  server = await buildServer({
    config,
    log: captured.log,
    flow: services.flow,
    sessionSecret: 'test-session-secret-0123456789-abcdef',
    onConnected: async (enrollmentId) => {
      connected.push(enrollmentId);
    },
  });
  await server.listen({ port, host: '127.0.0.1' });
  if (hasBrowser) browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await emulator?.close();
  await tdb?.drop();
});

describe('enrollment pages', () => {
  itWithBrowser('let a beneficiary connect in a browser through login and consent', async () => {
    const page = await browser!.newPage();
    await page.goto(`${base}/enroll`);
    await page.fill('input[name=username]', 'BBUser00001');
    await page.fill('input[name=password]', 'PW00001!');
    await page.click('button[type=submit]');
    await page.waitForSelector('button[name=allow][value=true]');
    await page.click('button[name=allow][value=true]');
    await page.waitForURL(`${base}/enroll/callback?**`);
    expect(await page.textContent('h1')).toBe('Your Medicare data is connected');
    const { rows } = await tdb.pool.query('SELECT enrollment_id, patient_id, status FROM enrollments');
    expect(rows).toEqual([
      { enrollment_id: expect.stringMatching(/^enr_/), patient_id: '-19990000000002', status: 'active' },
    ]);
    // Their first sync starts now, not at the next nightly run.
    expect(connected).toEqual([rows[0].enrollment_id]);

    // Going back to the callback replays a used link.
    await page.reload();
    expect(await page.textContent('h1')).toBe('This link was already used');
    await page.close();
  });

  itWithBrowser('tell a beneficiary who denies access that nothing was shared', async () => {
    const page = await browser!.newPage();
    await page.goto(`${base}/enroll`);
    await page.fill('input[name=username]', 'BBUser00002');
    await page.fill('input[name=password]', 'PW00002!');
    await page.click('button[type=submit]');
    await page.click('button[name=allow][value=false]');
    await page.waitForURL(`${base}/enroll/callback?**`);
    expect(await page.textContent('h1')).toBe('Nothing was shared');
    await page.close();
  });

  it('refuse a callback that did not start in this browser, with a page and no stack trace', async () => {
    const response = await fetch(`${base}/enroll/callback?code=abc&state=${'x'.repeat(43)}`);
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).toContain('We could not match this link to your browser');
    expect(body).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('set a signed, httpOnly, short-lived cookie and security headers when starting', async () => {
    const response = await fetch(`${base}/enroll`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(location.origin).toBe(emulator.url);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('state')!.length).toBeGreaterThanOrEqual(16);
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/bbsync_enroll=[^;]+\.[^;]+;/); // value.signature
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Max-Age=600/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('log no token and no authorization code', () => {
    expect(leakedTokens(emulator, captured.text())).toEqual([]);
    expect(captured.text()).not.toMatch(/code=/);
  });
});
