/**
 * Reading a process's CPU time and peak memory from /proc (Linux), for the benchmark.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds a process has used so far; 0 if it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces), see proc(5).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Peak resident set size (VmHWM) in MB; 0 if unknown. */
export function peakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pids of every process with this command name (e.g. all Postgres backends). */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/** CPU seconds of a set of processes, remembering exited ones at their last reading. */
export class CpuMeter {
  readonly #last = new Map<number, number>();
  constructor(private readonly pids: () => number[]) {}

  /** Total CPU seconds so far of every process seen. */
  read(): number {
    for (const pid of this.pids()) {
      const now = cpuSeconds(pid);
      if (now > 0) this.#last.set(pid, now);
    }
    let total = 0;
    for (const v of this.#last.values()) total += v;
    return total;
  }
}
