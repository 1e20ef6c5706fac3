/**
 * `bbsync quality`: runs the data quality checks (src/db/quality.ts), records the run, and prints
 * the failures per check. Exits with 1 when a structural check fails.
 */
import { runQualityChecks, type QualityRun } from '../db/quality.ts';
import { commandContext } from './command-config.ts';
import { openDatabase } from './database.ts';

export async function runQuality(options: { format?: string }): Promise<void> {
  const { config } = commandContext();
  const pool = await openDatabase(config.databaseUrl, { max: 1, applicationName: 'bbsync-quality' });
  try {
    const run = await runQualityChecks(pool);
    process.stdout.write(options.format === 'json' ? `${JSON.stringify(run, null, 2)}\n` : formatRun(run));
    if (run.structural_failures > 0) process.exitCode = 1;
  } finally {
    await pool.end();
  }
}

export function formatRun(run: QualityRun): string {
  const width = Math.max(...run.results.map((r) => r.check_name.length));
  const lines = [
    `quality run ${run.run_id}: ${run.structural_failures} structural, ${run.logical_failures} logical failures`,
    '',
    ...run.results.map(
      (r) =>
        `${r.kind.padEnd(10)} ${r.check_name.padEnd(width)} ${String(r.failures).padStart(7)} of ${String(r.checked).padStart(7)}  ${r.description}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
