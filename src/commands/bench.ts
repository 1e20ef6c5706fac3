import path from 'node:path';

import { databaseName } from '../db/client.ts';
import { runBench, type BenchResult } from '../bench/run-bench.ts';
import { InputError } from '../errors.ts';
import { commandContext } from './command-config.ts';

export interface BenchCommandOptions {
  users: string;
  concurrency: string;
  workers: string;
  seed: string;
  json?: boolean;
  profile?: string;
}

export async function runBenchCommand(options: BenchCommandOptions): Promise<void> {
  const { config, log } = commandContext();
  const users = Number(options.users);
  const concurrency = Number(options.concurrency);
  const workers = Number(options.workers);
  if (!Number.isInteger(users) || users < 1) throw new InputError('--users must be a positive whole number');
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new InputError('--concurrency must be a positive whole number');
  if (!Number.isInteger(workers) || workers < 1 || workers > 16)
    throw new InputError('--workers must be a whole number from 1 to 16');
  const say = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const result = await runBench({
    users,
    concurrency,
    workers,
    seed: Number(options.seed),
    databaseUrl: config.databaseUrl,
    redisUrl: config.redisUrl,
    // Its own database next to the configured one: the bench never touches other data.
    database: `${databaseName(config.databaseUrl)}_bench`,
    log,
    say,
    profileDir: options.profile === undefined ? undefined : path.resolve(options.profile),
  });
  process.stdout.write(formatBench(result));
  if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
}

export function formatBench(r: BenchResult): string {
  const line = (label: string, value: string | number) => `  ${label.padEnd(38)}${String(value)}`;
  return [
    `Benchmark: ${r.users} users, ${r.eobs} EOBs, ${r.workers} worker process(es) with concurrency ${r.concurrency}`,
    'full first sync (warm workers: as a long-running worker syncs each night)',
    line('wall time', `${r.fullSyncSeconds} s`),
    line('EOBs/s', r.eobsPerSecond),
    line('FHIR JSON', `${r.mbPerSecond} MB/s (${r.fetchOnlyMb} MB)`),
    line('rows written', `${r.rowsWritten} (${r.rowsPerSecond}/s)`),
    line('peak RSS of a worker', `${r.peakRssMb} MB (all workers: ${r.peakRssMbAllWorkers} MB)`),
    line(
      'CPU s: worker / emulator / postgres',
      `${r.cpuSeconds.worker} / ${r.cpuSeconds.emulator} / ${r.cpuSeconds.postgres}`,
    ),
    line(
      'CPU ms/EOB: worker / emulator / pg',
      `${r.cpuMsPerEob.fullSync.worker} / ${r.cpuMsPerEob.fullSync.emulator} / ${r.cpuMsPerEob.fullSync.postgres} = ${r.cpuMsPerEob.fullSync.total}`,
    ),
    line('load average (1 min) at its end', r.loadAverage.fullSync),
    'the same first sync in fresh workers (cold: V8 compiling their code)',
    line('wall time', `${r.coldFullSyncSeconds} s`),
    line(
      'CPU ms/EOB: worker / emulator / pg',
      `${r.cpuMsPerEob.coldFullSync.worker} / ${r.cpuMsPerEob.coldFullSync.emulator} / ${r.cpuMsPerEob.coldFullSync.postgres} = ${r.cpuMsPerEob.coldFullSync.total}`,
    ),
    line('coldLimitRatio (cold / lower limit)', r.coldLimitRatio),
    'naive baseline (one ORM upsert of the raw resource each)',
    line('wall time', `${r.naiveSeconds} s (${r.naiveEobsPerSecond} EOBs/s)`),
    line(
      'CPU ms/EOB: driver / emulator / pg',
      `${r.cpuMsPerEob.naive.driver} / ${r.cpuMsPerEob.naive.emulator} / ${r.cpuMsPerEob.naive.postgres} = ${r.cpuMsPerEob.naive.total}`,
    ),
    line('speedupVsNaive (naive / full sync)', r.speedupVsNaive),
    'limits on the same data',
    line('fetch-only', `${r.fetchOnlyEobsPerSecond} EOBs/s (${r.fetchOnlySeconds} s)`),
    line('write-only (COPY)', `${r.writeOnlyEobsPerSecond} EOBs/s (${r.writeOnlySeconds} s)`),
    line('limitRatio (pipeline / lower limit)', r.limitRatio),
    line(
      'CPU ms/EOB fetch-only: driver / emu',
      `${r.cpuMsPerEob.fetchOnly.driver} / ${r.cpuMsPerEob.fetchOnly.emulator} = ${r.cpuMsPerEob.fetchOnly.total}`,
    ),
    line(
      'CPU ms/EOB write-only: driver / pg',
      `${r.cpuMsPerEob.writeOnly.driver} / ${r.cpuMsPerEob.writeOnly.postgres} = ${r.cpuMsPerEob.writeOnly.total}`,
    ),
    'later syncs',
    line('unchanged: requests per user', r.noChangeRequestsPerUser),
    line('unchanged: rows written', r.noChangeRowsWritten),
    line('unchanged: wall time', `${r.noChangeSeconds} s`),
    line('after a 10% load: wall time', `${r.incrementalSeconds} s`),
    line('after a 10% load: requests', r.incrementalRequests),
    line('after a 10% load: resources changed', r.incrementalResourcesChanged),
    '',
  ].join('\n');
}
