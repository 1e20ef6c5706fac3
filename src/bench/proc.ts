/**
 * Reading a process's CPU time and peak memory from /proc (Linux), for the benchmark.
 */
import { readFileSync } from 'node:fs';

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

/**
 * CPU seconds of the Postgres backends serving the given databases (found in `pg_stat_activity`
 * on each sample), remembering exited ones at their last reading. Other databases' backends, and
 * the server's shared background processes (WAL writer, checkpointer), are not counted: on a
 * machine shared with other work they would count that work too.
 */
export class PostgresBackendMeter {
  readonly #last = new Map<number, number>();
  constructor(
    private readonly client: { query(sql: string, values: unknown[]): Promise<{ rows: { pid: number }[] }> },
    private readonly databases: readonly string[],
    /** Connections with this application_name are left out (the driver's polling pool). */
    private readonly exceptApplication: string,
  ) {}

  /** Finds the backends and reads their CPU time; call it often (backends come and go). */
  async sample(): Promise<void> {
    const { rows } = await this.client.query(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = ANY($1::text[]) AND application_name <> $2 AND pid <> pg_backend_pid()`,
      [this.databases, this.exceptApplication],
    );
    for (const { pid } of rows) {
      const now = cpuSeconds(pid);
      if (now > 0) this.#last.set(pid, now);
    }
  }

  /** Total CPU seconds so far of every backend seen, sampled now. */
  async read(): Promise<number> {
    await this.sample();
    let total = 0;
    for (const v of this.#last.values()) total += v;
    return total;
  }
}
