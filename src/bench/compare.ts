/**
 * The figures of several `bbsync bench --json` runs side by side (scripts/bench-compare.ts runs
 * them, builds alternating): one line per run with its headline figures, then each build's range.
 * Pure, so the table can be tested without running a bench. Runs of older builds may lack a
 * figure (the cold sync came in session 14); it shows as a dash.
 */

/** One bench run: the build it ran, and the JSON object its last line printed. */
export interface ComparedRun {
  build: string;
  result: Record<string, unknown>;
}

/** A figure of a run, read from the bench's JSON by its path. */
interface Column {
  head: string;
  path: readonly string[];
  digits: number;
}

const COLUMNS: readonly Column[] = [
  { head: 'warm CPU ms/EOB', path: ['cpuMsPerEob', 'fullSync', 'total'], digits: 3 },
  { head: 'worker', path: ['cpuMsPerEob', 'fullSync', 'worker'], digits: 3 },
  { head: 'emulator', path: ['cpuMsPerEob', 'fullSync', 'emulator'], digits: 3 },
  { head: 'postgres', path: ['cpuMsPerEob', 'fullSync', 'postgres'], digits: 3 },
  { head: 'full sync s', path: ['fullSyncSeconds'], digits: 2 },
  { head: 'write-only s', path: ['writeOnlySeconds'], digits: 2 },
  { head: 'limitRatio', path: ['limitRatio'], digits: 3 },
  { head: 'cold CPU ms/EOB', path: ['cpuMsPerEob', 'coldFullSync', 'total'], digits: 3 },
  { head: 'speedupVsNaive', path: ['speedupVsNaive'], digits: 2 },
  { head: 'peak RSS MB', path: ['peakRssMb'], digits: 0 },
  { head: 'unchanged rows', path: ['noChangeRowsWritten'], digits: 0 },
  { head: 'unchanged req/user', path: ['noChangeRequestsPerUser'], digits: 3 },
];

function figure(result: Record<string, unknown>, path: readonly string[]): number | undefined {
  let value: unknown = result;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function show(value: number | undefined, digits: number): string {
  return value === undefined ? '–' : value.toFixed(digits);
}

function markdownTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * The bench's result object from its output: the last line that parses as a JSON object holding
 * `cpuMsPerEob` (the bench prints progress before it). Undefined when there is none.
 */
export function benchResultOf(output: string): Record<string, unknown> | undefined {
  const lines = output.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line) as unknown;
      if (value && typeof value === 'object' && 'cpuMsPerEob' in value)
        return value as Record<string, unknown>;
    } catch {
      // Not the result line; keep looking.
    }
  }
  return undefined;
}

/**
 * Two Markdown tables: every run in the order it ran, then each build's mean and range of every
 * figure (over the runs that have it).
 */
export function compareTable(runs: readonly ComparedRun[]): string {
  const perRun = runs.map((run, i) => [
    String(i + 1),
    run.build,
    ...COLUMNS.map((c) => show(figure(run.result, c.path), c.digits)),
  ]);
  const builds = [...new Set(runs.map((r) => r.build))];
  const perBuild = builds.map((build) => {
    const own = runs.filter((r) => r.build === build);
    return [
      build,
      String(own.length),
      ...COLUMNS.map((c) => {
        const values = own.map((r) => figure(r.result, c.path)).filter((v) => v !== undefined);
        if (values.length === 0) return '–';
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        if (values.length === 1) return show(mean, c.digits);
        const low = Math.min(...values);
        const high = Math.max(...values);
        return `${show(mean, c.digits)} (${show(low, c.digits)}–${show(high, c.digits)})`;
      }),
    ];
  });
  const heads = COLUMNS.map((c) => c.head);
  return [
    markdownTable(['run', 'build', ...heads], perRun),
    '',
    markdownTable(['build', 'runs', ...heads.map((h) => `${h}: mean (range)`)], perBuild),
  ].join('\n');
}
