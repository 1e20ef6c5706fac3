/** Shapes of the benchmark's figures. */

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
