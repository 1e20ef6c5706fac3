/**
 * One real browser walk through the login and consent pages: Debian's Chromium driven by
 * playwright-core. Without /usr/bin/chromium the test fails when CI is set (install it with
 * `apt-get install -y chromium`) and is skipped locally, visibly (test/helpers/browser.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';

import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { CHROMIUM, chromiumPresent as haveChromium, itWithBrowser } from '../helpers/browser.ts';
import { pkce, randomState } from './support.ts';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('in a real browser', () => {
  let emu: RunningEmulator;
  let browser: Browser | undefined;
  // The app: a tiny server standing in for the redirect URI.
  let app: Server;
  let redirectUri = '';

  beforeAll(async () => {
    app = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<p>app callback</p>');
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/enroll/callback`;
    emu = await startEmulator({
      users: 5,
      seed: 1,
      clients: [
        {
          clientId: 'browser-app',
          clientSecret: 'browser-secret',
          redirectUris: [redirectUri],
          name: 'Browser Test App',
        },
      ],
    });
    if (haveChromium) browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await emu.close();
    app.closeAllConnections();
    await new Promise<void>((resolve) => app.close(() => resolve()));
  });

  itWithBrowser(
    'logs in as BBUser00001, allows on the consent page and lands on the redirect URI with a code',
    async () => {
      if (!browser) throw new Error('no browser');
      const page = await browser.newPage();
      const { challenge } = pkce();
      const state = randomState();
      const q = new URLSearchParams({
        client_id: 'browser-app',
        redirect_uri: redirectUri,
        response_type: 'code',
        state,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      await page.goto(`${emu.url}/v2/o/authorize/?${q}`);
      expect(page.url()).toContain('/mymedicare/login');
      await expect(page.title()).resolves.toContain('Log in');

      await page.fill('input[name=username]', 'BBUser00001');
      await page.fill('input[name=password]', 'wrong password');
      await page.click('button[type=submit]');
      await expect(page.locator('p.error').textContent()).resolves.toContain('password is not correct');

      await page.fill('input[name=password]', 'PW00001!');
      await Promise.all([
        page.waitForURL(/\/v2\/o\/authorize\/[0-9a-f-]{36}\//),
        page.click('button[type=submit]'),
      ]);
      await expect(page.locator('h1').textContent()).resolves.toContain('Browser Test App');
      expect(await page.isChecked('input[name=share_demographic_scopes][value=true]')).toBe(true);

      await Promise.all([page.waitForURL(`${redirectUri}?**`), page.click('button[name=allow][value=true]')]);
      const landed = new URL(page.url());
      expect(`${landed.origin}${landed.pathname}`).toBe(redirectUri);
      expect(landed.searchParams.get('code')).toMatch(/^[A-Za-z0-9]{30}$/);
      expect(landed.searchParams.get('state')).toBe(state);
    },
  );
});
