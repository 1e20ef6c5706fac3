/**
 * Headless Chromium from Debian (never a downloaded browser), driven by playwright-core. Without
 * it, browser tests are skipped locally, with the reason in their names and one line from the
 * global setup, and fail when CI is set.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

import { chromium, type Browser } from 'playwright-core';
import { it } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';

export const chromiumPresent = existsSync(CHROMIUM);

/** Why the browser tests did not run; part of their names when skipped. */
export const CHROMIUM_MISSING = `skipped: Chromium not found at ${CHROMIUM} (apt-get install chromium)`;

/** Whether browser tests can run here. */
export function chromiumAvailable(): boolean {
  return chromiumPresent;
}

/**
 * `it` for a test that drives Chromium: without the browser, skipped with the reason in its name
 * locally, and a failing test when CI is set (CI must run every test).
 */
export function itWithBrowser(name: string, body: () => Promise<void>, timeout?: number): void {
  if (chromiumPresent) it(name, body, timeout);
  else if (process.env.CI)
    it(name, () => {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
    });
  else it.skip(`${name} (${CHROMIUM_MISSING})`, body, timeout);
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A port that was free a moment ago (for servers whose URL must be known before they start). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
