import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Every log line of the run is captured and scanned for secrets and PHI (test/helpers/log-capture.ts).
    setupFiles: ['test/helpers/log-capture-setup.ts'],
    // Integration tests start servers, workers, child processes and Chromium: give them room, and
    // run test files in separate processes so one file's sockets never leak into another's. The
    // bounds are for a busy two-core machine (at load 25+, tests that take 10 s idle took over 60 s);
    // they catch hangs, they are not speed targets (those live in `npm run bench`).
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 240_000,
    teardownTimeout: 30_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
