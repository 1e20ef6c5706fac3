/**
 * The benchmark (`npm run bench`): the pipeline measured against the machine's limits, in one run,
 * on the same data.
 *
 * Processes: this driver; the emulator (a `bbsync emulator` child); the worker (a `bbsync worker`
 * child); Postgres. Phases, after an untimed warm-up pass that makes the emulator build every page:
 * 1. limit (a), fetch-only: the same pages fetched and parsed by this driver with the same
 *    concurrency, no database;
 * 2a. full first sync of N users through the real pipeline in fresh worker processes (cold: V8
 *    compiles the worker's code as it runs); then the synced data is emptied, keeping the
 *    enrollments and their tokens;
 * 2. the same full first sync in the same, now warm, workers, as a long-running worker makes its
 *    nightly sync (wall time, EOBs/s, MB/s, rows/s, peak worker RSS, CPU seconds by process): the
 *    figure held against the limits, which are measured warm too (phase 1 after the warm-up pass,
 *    phase 3 a COPY);
 * 3. limit (b), write-only: the same final rows (normalized and raw), read out into files first
 *    (untimed), then COPYed into an empty copy of the schema;
 * 3b. the naive baseline (naive.ts): the same pages, one ORM upsert of the raw resource each;
 * 4. a second, unchanged sync (requests per enrollment, rows written);
 * 5. an incremental sync after the emulator's weekly load with 10% changes.
 * Each timed phase that writes starts after an untimed CHECKPOINT (BenchStage `checkpoint`).
 * The stage (databases, children, meters) is in setup.ts, the phases in phases.ts.
 */
import { fetchEverything } from './limits.ts';
import { fetchOnly, forgetSyncedData, fullSync, laterSyncs, naive, runStarter, writeOnly } from './phases.ts';
import { benchResult, type BenchResult } from './result.ts';
import { BenchStage, type BenchOptions } from './setup.ts';

export type { BenchOptions } from './setup.ts';
export type { BenchResult } from './result.ts';

export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { say } = options;
  const stage = new BenchStage(options);
  try {
    say(`preparing: database ${options.database}, emulator with ${options.users} users`);
    await stage.prepare();
    await stage.startEmulator();
    say(`enrolling ${options.users} synthetic users through the OAuth forms`);
    const { config, fhir, tokens } = await stage.enrollAll();
    stage.startMeter();

    // The emulator builds each page the first time it is asked for it. An untimed first pass
    // builds them all, so no phase pays for the emulator's data generation.
    say('warm-up: the emulator builds every page once (not timed)');
    await fetchEverything(fhir, tokens, options.concurrency);
    say('phase 1: fetch-only limit (the same pages, fetched and parsed, no database)');
    const fetch = await fetchOnly(stage, fhir, tokens);

    await stage.startWorkers();
    const start = runStarter(stage, config);
    const shape = `${options.workers} worker process(es), concurrency ${options.concurrency} each`;
    await stage.checkpoint();
    say(`phase 2a: full first sync of ${options.users} users in fresh worker process(es) (cold; ${shape})`);
    const { eobs: coldEobs, ...coldFull } = await fullSync(stage, start);
    if (fetch.eobs !== coldEobs)
      throw new Error(`fetch-only saw ${fetch.eobs} EOBs but the sync stored ${coldEobs}`);
    say('the synced data is emptied (enrollments and tokens kept): the next sync is a first sync again');
    await forgetSyncedData(stage);
    await stage.checkpoint();
    say(`phase 2: the same full first sync in the same, now warm, worker process(es) (${shape})`);
    const { eobs, ...full } = await fullSync(stage, start);
    if (fetch.eobs !== eobs) throw new Error(`fetch-only saw ${fetch.eobs} EOBs but the sync stored ${eobs}`);

    say('phase 3: write-only limit (the same final rows COPYed into an empty copy of the schema)');
    const write = await writeOnly(stage);
    await stage.checkpoint();
    say('naive baseline: the same pages, each resource upserted raw with one ORM statement');
    const { eobs: naiveEobs, ...naiveMeasure } = await naive(stage, fhir, tokens);
    if (naiveEobs !== eobs) throw new Error(`the naive baseline stored ${naiveEobs} EOBs, not ${eobs}`);

    await stage.checkpoint();
    const later = await laterSyncs(stage, start);
    const { users, concurrency, workers } = options;
    return benchResult({
      users,
      concurrency,
      workers,
      eobs,
      fetch,
      coldFull,
      full,
      write,
      naive: naiveMeasure,
      ...later,
    });
  } finally {
    await stage.close();
  }
}
