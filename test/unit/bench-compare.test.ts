/** The table of `npm run bench:compare`: bench results read from their output, runs side by side. */
import { describe, expect, it } from 'vitest';

import { benchResultOf, compareTable } from '../../src/bench/compare.ts';

function result(
  total: number,
  limitRatio: number,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    cpuMsPerEob: { fullSync: { worker: total / 2, postgres: total / 2, total } },
    fullSyncSeconds: total * 10,
    limitRatio,
    peakRssMb: 240,
    ...extra,
  };
}

describe('benchResultOf', () => {
  it('finds the result on the last JSON line, past progress and other JSON', () => {
    const output = ['bench: phase 1', '{"not":"the result"}', JSON.stringify(result(1.2, 0.5)), ''].join(
      '\n',
    );
    expect(benchResultOf(output)).toEqual(result(1.2, 0.5));
  });

  it('answers undefined when the bench printed no result', () => {
    expect(benchResultOf('bench: phase 1\n{"cpuMsPerEob": \n')).toBeUndefined();
  });
});

describe('compareTable', () => {
  it('lists the runs in the order they ran, then each build with its mean and range', () => {
    const table = compareTable([
      { build: 'main@aaaaaaa', result: result(1.0, 0.6) },
      { build: 'start@bbbbbbb', result: result(2.0, 0.3) },
      { build: 'main@aaaaaaa', result: result(1.2, 0.5) },
    ]);
    const lines = table.split('\n');
    expect(lines[0]).toMatch(/^\| run \| build \| warm CPU ms\/EOB \|/);
    expect(lines[2]).toMatch(
      /^\| 1 \| main@aaaaaaa \| 1\.000 \| 0\.500 \| – \| 0\.500 \| 10\.00 \| – \| 0\.600 \|/,
    );
    expect(lines[3]).toMatch(/^\| 2 \| start@bbbbbbb \| 2\.000 \|/);
    expect(lines[4]).toMatch(/^\| 3 \| main@aaaaaaa \| 1\.200 \|/);
    const main = lines.find((l) => l.startsWith('| main@aaaaaaa | 2 |'));
    expect(main).toContain('| 1.100 (1.000–1.200) |');
    expect(main).toContain('| 0.550 (0.500–0.600) |');
    const start = lines.find((l) => l.startsWith('| start@bbbbbbb | 1 |'));
    expect(start).toContain('| 2.000 |');
  });

  it('shows a dash for a figure an older build does not report, and a number where one run has it', () => {
    const table = compareTable([
      { build: 'old', result: result(2.0, 0.3) },
      {
        build: 'new',
        result: result(1.0, 0.6, { cpuMsPerEob: { fullSync: { total: 1 }, coldFullSync: { total: 1.4 } } }),
      },
    ]);
    const old = table.split('\n').find((l) => l.startsWith('| old | 1 |'))!;
    const neu = table.split('\n').find((l) => l.startsWith('| new | 1 |'))!;
    // The eighth figure is the cold sync's CPU per EOB.
    expect(old.split(' | ')[9]).toBe('–');
    expect(neu.split(' | ')[9]).toBe('1.400');
  });
});
