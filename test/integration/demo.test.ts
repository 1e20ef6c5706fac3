/**
 * `npm run demo` as a new user runs it, stopping after the summary (--exit): migrations, the
 * emulator, the server and a worker, enrollment through the real OAuth pages, a full sync.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { expect, inject, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

it('enrolls and syncs synthetic beneficiaries, then prints a summary with the dashboard login', async () => {
  const server = new URL(inject('databaseServerUrl'));
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ['bin/bbsync.js', 'demo', '--users', '4', '--exit'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: server.toString(),
        REDIS_URL: inject('redisUrl'),
        LOG_FORMAT: 'json',
      },
      timeout: 240_000,
    },
  );
  expect(stderr).toMatch(/enrolled 4 synthetic beneficiaries through the emulator's login and consent pages/);
  expect(stdout).toMatch(/Synced 4 beneficiaries in [\d.]+ s: 4 ok, 0 failed/);
  expect(stdout).toMatch(/^\s+carrier\s+\d+\s+\d+/m);
  expect(stdout).toMatch(/Dashboard\s+http:\/\/127\.0\.0\.1:\d+\/\s+\(log in as demo \/ demo\)/);
  expect(stdout).toMatch(/psql postgres:\/\/.*\/bbsync_demo/);
}, 300_000);
