/**
 * A smoke run of `npm run bench` with five users: the benchmark works end to end and reports
 * every figure. Its timings are not asserted (benchmarks are not tests).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { inject, it, expect } from 'vitest';

import { unusedDatabaseUrl } from '../helpers/db.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

it('runs the benchmark with five users and prints every figure as JSON on its last line', async () => {
  const { url } = unusedDatabaseUrl('benchsmoke');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['bin/bbsync.js', 'bench', '--users', '5', '--concurrency', '2', '--json'],
    {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, REDIS_URL: inject('redisUrl'), LOG_FORMAT: 'json' },
      timeout: 540_000,
    },
  );
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  for (const key of [
    'users',
    'eobs',
    'fullSyncSeconds',
    'eobsPerSecond',
    'fetchOnlyEobsPerSecond',
    'writeOnlyEobsPerSecond',
    'limitRatio',
    'coldFullSyncSeconds',
    'coldLimitRatio',
    'peakRssMb',
    'noChangeRequestsPerUser',
    'noChangeRowsWritten',
    'incrementalSeconds',
    'naiveSeconds',
    'speedupVsNaive',
    'cpuMsPerEob',
    'loadAverage',
  ]) {
    expect(result, key).toHaveProperty(key);
  }
  expect(result.users).toBe(5);
  expect(result.eobs).toBeGreaterThan(0);
  expect(result.noChangeRowsWritten).toBe(0);
  expect(result.noChangeRequestsPerUser).toBeLessThanOrEqual(4);
  expect(result.peakRssMb).toBeGreaterThan(0);
  // CPU per EOB, by process and in total, for the full sync and each limit phase.
  const cpu = result.cpuMsPerEob as Record<string, Record<string, number>>;
  for (const phase of ['fullSync', 'coldFullSync', 'fetchOnly', 'writeOnly', 'naive']) {
    expect(cpu[phase]!.total, phase).toBeGreaterThan(0);
  }
  expect(cpu.fullSync!.worker! + cpu.fullSync!.emulator! + cpu.fullSync!.postgres!).toBeCloseTo(
    cpu.fullSync!.total!,
    1,
  );
  expect(result.speedupVsNaive).toBeGreaterThan(0);
  expect(stdout).toMatch(/speedupVsNaive \(naive \/ full sync\)/);
  expect(stdout).toMatch(/limitRatio \(pipeline \/ lower limit\)/);
  expect(stdout).toMatch(/coldLimitRatio \(cold \/ lower limit\)/);
}, 600_000);
