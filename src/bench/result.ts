/** Shapes of the benchmark's figures, and the result assembled from what each phase measured. */

/** CPU milliseconds per EOB of each process of a phase, and their total. */
export type CpuPerEob = Record<string, number> & { total: number };

/** CPU seconds by process over a phase, as milliseconds per EOB (two decimals) with their total. */
export function perEob(seconds: Record<string, number>, eobs: number): CpuPerEob {
  const out: Record<string, number> = {};
  let total = 0;
  for (const [name, s] of Object.entries(seconds)) {
    const ms = eobs > 0 ? (s * 1000) / eobs : 0;
    out[name] = Math.round(ms * 1000) / 1000;
    total += ms;
  }
  return { ...out, total: Math.round(total * 1000) / 1000 };
}

export interface BenchResult {
  users: number;
  concurrency: number;
  workers: number;
  eobs: number;
  fullSyncSeconds: number;
  eobsPerSecond: number;
  mbPerSecond: number;
  rowsWritten: number;
  rowsPerSecond: number;
  fetchOnlySeconds: number;
  fetchOnlyEobsPerSecond: number;
  fetchOnlyMb: number;
  writeOnlySeconds: number;
  writeOnlyEobsPerSecond: number;
  limitRatio: number;
  /**
   * The same first sync in fresh worker processes (phase 2a), before V8 has compiled the worker's
   * code: what a worker's first sync after it starts costs.
   */
  coldFullSyncSeconds: number;
  /** `limitRatio` of the cold first sync. */
  coldLimitRatio: number;
  /** The largest peak RSS of any one worker process. */
  peakRssMb: number;
  /** The worker processes' peak RSS added up. */
  peakRssMbAllWorkers: number;
  cpuSeconds: { worker: number; emulator: number; postgres: number };
  fetchOnlyCpuSeconds: { driver: number; emulator: number };
  writeOnlyCpuSeconds: { driver: number; postgres: number };
  /** The naive baseline (naive.ts): the same pages, one ORM upsert of the raw resource each. */
  naiveSeconds: number;
  naiveEobsPerSecond: number;
  naiveCpuSeconds: { driver: number; emulator: number; postgres: number };
  /** Naive wall time ÷ the full sync's: how many times faster the pipeline is, same run. */
  speedupVsNaive: number;
  /**
   * CPU milliseconds per EOB, by process and in total, for the full sync and each limit phase.
   * Postgres counts only the backends of the bench's own databases (not other databases' on a
   * shared server, nor the server's shared WAL writer and checkpointer).
   */
  cpuMsPerEob: {
    fullSync: CpuPerEob;
    coldFullSync: CpuPerEob;
    fetchOnly: CpuPerEob;
    writeOnly: CpuPerEob;
    naive: CpuPerEob;
  };
  /** The machine's 1-minute load average at the end of each phase (CPU is the figure to trust). */
  loadAverage: {
    fetchOnly: number;
    coldFullSync: number;
    fullSync: number;
    writeOnly: number;
    naive: number;
  };
  noChangeSeconds: number;
  noChangeRequestsPerUser: number;
  noChangeRowsWritten: number;
  incrementalSeconds: number;
  incrementalRequests: number;
  incrementalResourcesChanged: number;
}

/** What one timed phase measured: wall seconds, CPU seconds by process, load average at its end. */
export interface PhaseMeasure<P extends string> {
  seconds: number;
  cpu: Record<P, number>;
  load: number;
}

/** Everything the phases measured, raw (result() rounds and derives). */
export interface BenchMeasures {
  users: number;
  concurrency: number;
  workers: number;
  eobs: number;
  fetch: PhaseMeasure<'driver' | 'emulator'> & { eobs: number; bytes: number };
  coldFull: PhaseMeasure<'worker' | 'emulator' | 'postgres'>;
  full: PhaseMeasure<'worker' | 'emulator' | 'postgres'> & { rowsWritten: number; peaks: number[] };
  write: PhaseMeasure<'driver' | 'postgres'>;
  naive: PhaseMeasure<'driver' | 'emulator' | 'postgres'>;
  noChange: { seconds: number; requests: number; rowsWritten: number };
  incremental: { seconds: number; requests: number; resourcesChanged: number };
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function roundAll<K extends string>(values: Record<K, number>): Record<K, number> {
  return Object.fromEntries(Object.entries<number>(values).map(([k, v]) => [k, round(v)])) as Record<
    K,
    number
  >;
}

/** The figures `npm run bench` reports, from what its phases measured. */
export function benchResult(m: BenchMeasures): BenchResult {
  const { eobs, fetch, coldFull, full, write, naive } = m;
  const eobsPerSecond = eobs / full.seconds;
  const fetchOnlyEobsPerSecond = fetch.eobs / fetch.seconds;
  const writeOnlyEobsPerSecond = eobs / write.seconds;
  const lowerLimit = Math.min(fetchOnlyEobsPerSecond, writeOnlyEobsPerSecond);
  return {
    users: m.users,
    concurrency: m.concurrency,
    workers: m.workers,
    eobs,
    fullSyncSeconds: round(full.seconds),
    eobsPerSecond: round(eobsPerSecond),
    mbPerSecond: round(fetch.bytes / 1e6 / full.seconds),
    rowsWritten: full.rowsWritten,
    rowsPerSecond: round(full.rowsWritten / full.seconds),
    fetchOnlySeconds: round(fetch.seconds),
    fetchOnlyEobsPerSecond: round(fetchOnlyEobsPerSecond),
    fetchOnlyMb: round(fetch.bytes / 1e6),
    writeOnlySeconds: round(write.seconds),
    writeOnlyEobsPerSecond: round(writeOnlyEobsPerSecond),
    limitRatio: round(eobsPerSecond / lowerLimit, 3),
    coldFullSyncSeconds: round(coldFull.seconds),
    coldLimitRatio: round(eobs / coldFull.seconds / lowerLimit, 3),
    peakRssMb: round(Math.max(...full.peaks)),
    peakRssMbAllWorkers: round(full.peaks.reduce((a, b) => a + b, 0)),
    cpuSeconds: roundAll(full.cpu),
    fetchOnlyCpuSeconds: roundAll(fetch.cpu),
    writeOnlyCpuSeconds: roundAll(write.cpu),
    naiveSeconds: round(naive.seconds),
    naiveEobsPerSecond: round(eobs / naive.seconds),
    naiveCpuSeconds: roundAll(naive.cpu),
    speedupVsNaive: round(naive.seconds / full.seconds, 3),
    cpuMsPerEob: {
      fullSync: perEob(full.cpu, eobs),
      coldFullSync: perEob(coldFull.cpu, eobs),
      fetchOnly: perEob(fetch.cpu, fetch.eobs),
      writeOnly: perEob(write.cpu, eobs),
      naive: perEob(naive.cpu, eobs),
    },
    loadAverage: {
      fetchOnly: round(fetch.load),
      coldFullSync: round(coldFull.load),
      fullSync: round(full.load),
      writeOnly: round(write.load),
      naive: round(naive.load),
    },
    noChangeSeconds: round(m.noChange.seconds),
    noChangeRequestsPerUser: round(m.noChange.requests / m.users, 3),
    noChangeRowsWritten: m.noChange.rowsWritten,
    incrementalSeconds: round(m.incremental.seconds),
    incrementalRequests: m.incremental.requests,
    incrementalResourcesChanged: m.incremental.resourcesChanged,
  };
}
