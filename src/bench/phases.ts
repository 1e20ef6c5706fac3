/**
 * The benchmark's timed phases (see run-bench.ts), each measuring wall time, CPU seconds by process
 * and the load average at its end on a BenchStage.
 */
import { loadavg } from 'node:os';

import type { FhirClient } from '../bluebutton/fhir-reads.ts';
import type { Config } from '../config.ts';
import type { Pool } from '../db/client.ts';
import { waitForRun, type SyncRun } from '../db/runs.ts';
import { ANALYTICS_TABLES } from '../model/analytics-rows.ts';
import { startRunNow } from '../workers/enqueue.ts';
import { extractRows, fetchEverything, loadRows } from './limits.ts';
import { naiveSync } from './naive.ts';
import { cpuSeconds, peakRssMb } from './proc.ts';
import type { BenchMeasures } from './result.ts';
import type { BenchStage } from './setup.ts';

const load1 = () => loadavg()[0]!;

/** CPU seconds this process has used since `since` (a `process.cpuUsage()`). */
function driverSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

/** Phase 1: every page fetched and parsed by the driver, no database. */
export async function fetchOnly(
  stage: BenchStage,
  fhir: FhirClient,
  tokens: readonly string[],
): Promise<BenchMeasures['fetch']> {
  const driver0 = process.cpuUsage();
  const emulator0 = cpuSeconds(stage.emulatorPid);
  const t0 = performance.now();
  const fetched = await fetchEverything(fhir, tokens, stage.options.concurrency);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = { driver: driverSeconds(driver0), emulator: cpuSeconds(stage.emulatorPid) - emulator0 };
  return { seconds, cpu, load: load1(), eobs: fetched.eobs, bytes: fetched.bytes };
}

/** Starts a sync run of every enrollment and waits for its end; a failed enrollment fails the bench. */
export async function timedRun(
  pool: Pool,
  start: () => Promise<SyncRun>,
): Promise<{ run: SyncRun; seconds: number }> {
  const t0 = performance.now();
  const started = await start();
  const run = await waitForRun(pool, started.run_id, { intervalMs: 100, timeoutMs: 30 * 60_000 });
  const seconds = (performance.now() - t0) / 1000;
  if (run.enrollments_failed > 0)
    throw new Error(`run ${run.run_id}: ${run.enrollments_failed} enrollment(s) failed`);
  return { run, seconds };
}

/** Phase 2: the full first sync through the worker children; also counts the EOBs stored. */
export async function fullSync(
  stage: BenchStage,
  start: () => Promise<SyncRun>,
): Promise<BenchMeasures['full'] & { eobs: number }> {
  const postgres = stage.postgres!;
  const cpu0 = {
    worker: stage.workerCpu(),
    emulator: cpuSeconds(stage.emulatorPid),
    postgres: await postgres.read(),
  };
  const { run, seconds } = await timedRun(stage.pool, start);
  const cpu = {
    worker: stage.workerCpu() - cpu0.worker,
    emulator: cpuSeconds(stage.emulatorPid) - cpu0.emulator,
    postgres: (await postgres.read()) - cpu0.postgres,
  };
  const load = load1();
  const peaks = stage.workers.map((w) => peakRssMb(w.process.pid!));
  const { rows } = await stage.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM claims`);
  return { seconds, cpu, load, rowsWritten: run.rows_written, peaks, eobs: rows[0]!.n };
}

/**
 * Between phases 2a and 2: everything a sync wrote is emptied, the enrollments and their tokens
 * kept, so the next sync is a first (full) sync of the same users again.
 */
export async function forgetSyncedData(stage: BenchStage): Promise<void> {
  const tables = [
    'fhir_resources',
    ...ANALYTICS_TABLES,
    'quarantined_resources',
    'insurance_cards',
    'sync_seen',
    'sync_progress',
    'sync_cursors',
    'sync_state',
  ];
  await stage.pool.query(`TRUNCATE ${tables.join(', ')}`);
}

/** Phase 3: the synced rows read out into files (untimed), then COPYed into the empty copy. */
export async function writeOnly(stage: BenchStage): Promise<BenchMeasures['write']> {
  const postgres = stage.postgres!;
  const extracted = await extractRows(stage.dbUrl);
  await stage.checkpoint();
  const driver0 = process.cpuUsage();
  const postgres0 = await postgres.read();
  let seconds: number;
  try {
    seconds = await loadRows(stage.url(stage.copyDb), extracted.tables);
  } finally {
    await extracted.remove();
  }
  const cpu = { driver: driverSeconds(driver0), postgres: (await postgres.read()) - postgres0 };
  return { seconds, cpu, load: load1() };
}

/** Phase 3b: the naive baseline over the same pages; resolves with the EOBs it stored. */
export async function naive(
  stage: BenchStage,
  fhir: FhirClient,
  tokens: readonly string[],
): Promise<BenchMeasures['naive'] & { eobs: number }> {
  const postgres = stage.postgres!;
  const driver0 = process.cpuUsage();
  const emulator0 = cpuSeconds(stage.emulatorPid);
  const postgres0 = await postgres.read();
  const t0 = performance.now();
  const stored = await naiveSync(fhir, tokens, stage.url(stage.naiveDb));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = {
    driver: driverSeconds(driver0),
    emulator: cpuSeconds(stage.emulatorPid) - emulator0,
    postgres: (await postgres.read()) - postgres0,
  };
  return { seconds, cpu, load: load1(), eobs: stored.eobs };
}

async function emulatorRequests(url: string): Promise<number> {
  const response = await fetch(`${url}/__emulator/stats`);
  const stats = (await response.json()) as { requests: Record<string, { total: number }> };
  return Object.values(stats.requests).reduce((n, r) => n + r.total, 0);
}

/** Phases 4 and 5: a second sync with nothing changed, then one after a weekly load with 10% changes. */
export async function laterSyncs(
  stage: BenchStage,
  start: () => Promise<SyncRun>,
): Promise<Pick<BenchMeasures, 'noChange' | 'incremental'>> {
  const url = stage.emulatorUrl;
  stage.options.say('phase 4: second sync, nothing changed upstream');
  const before = await emulatorRequests(url);
  const same = await timedRun(stage.pool, start);
  const noChangeRequests = (await emulatorRequests(url)) - before;

  stage.options.say('phase 5: incremental sync after a weekly load with 10% changes');
  const advanced = await fetch(`${url}/__emulator/advance`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ newClaimsFraction: 0.1, changedFraction: 0.1, removedFraction: 0 }),
  });
  if (!advanced.ok) throw new Error(`advance failed: ${advanced.status}`);
  const before5 = await emulatorRequests(url);
  const incremental = await timedRun(stage.pool, start);
  return {
    noChange: { seconds: same.seconds, requests: noChangeRequests, rowsWritten: same.run.rows_written },
    incremental: {
      seconds: incremental.seconds,
      requests: (await emulatorRequests(url)) - before5,
      resourcesChanged: incremental.run.resources_changed,
    },
  };
}

/** A function that starts a sync run of every enrollment, as "sync now" does. */
export function runStarter(stage: BenchStage, config: Config): () => Promise<SyncRun> {
  const queues = stage.queues!;
  const deps = { pool: stage.pool, log: stage.options.log, queues, config };
  return () => startRunNow(deps, { trigger: 'manual' });
}
