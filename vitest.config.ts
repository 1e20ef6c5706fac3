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
    // Two files at a time whatever the cores: vitest's default (cores - 1) runs one file at a time
    // on a two-core machine, while most files spend their time waiting on child processes, sockets
    // and Postgres. More than two would crowd Postgres's 100 connections (a file with workers and
    // an emulator holds up to ~40) and the two cores.
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 240_000,
    teardownTimeout: 30_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
