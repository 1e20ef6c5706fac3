import { importFiles, type ImportSummary } from '../import/import-files.ts';
import { listInputFiles } from '../import/read-files.ts';
import { commandContext } from './command-config.ts';
import { openDatabase } from './database.ts';
import { createProgress } from './progress.ts';

export async function runImport(paths: string[], options: { batchSize?: number }): Promise<void> {
  const { config } = commandContext();
  const files = await listInputFiles(paths);
  const pool = await openDatabase(config.databaseUrl, { max: 2, applicationName: 'bbsync-import' });
  const started = performance.now();
  const progress = createProgress('Importing', { unit: 'resources' });
  let summary: ImportSummary;
  try {
    summary = await importFiles(pool, files, {
      batchSize: options.batchSize,
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.stop();
    await pool.end();
  }
  process.stdout.write(formatSummary(summary, (performance.now() - started) / 1000));
  if (summary.rejected.length > 0 || summary.fileErrors.length > 0) process.exitCode = 1;
}

export function formatSummary(s: ImportSummary, seconds: number): string {
  const rows = Object.values(s.rowsWritten).reduce((a, b) => a + b, 0);
  const out: string[] = [];
  const line = (label: string, value: number, note = '') =>
    out.push(`  ${label.padEnd(24)}${String(value).padStart(8)}${note ? `  ${note}` : ''}`);
  if (s.fileErrors.length > 0 && s.resourcesRead === 0) {
    out.push(
      `Nothing imported: ${s.files} file(s) read in ${seconds.toFixed(1)} s, none holding FHIR JSON (below)`,
    );
  } else if (s.fileErrors.length > 0) {
    out.push(`Imported ${s.files} file(s) in ${seconds.toFixed(1)} s, but some could not be read (below)`);
  } else {
    out.push(`Imported ${s.files} file(s) in ${seconds.toFixed(1)} s`);
  }
  line('resources read', s.resourcesRead);
  line('inserted', s.inserted);
  line('updated', s.updated);
  line('unchanged', s.unchanged);
  line('older than stored', s.stale, s.stale ? '(kept the newer stored copy)' : '');
  line(
    'duplicates in input',
    s.duplicates,
    s.duplicates ? '(another copy in these files was loaded instead)' : '',
  );
  line('rejected', s.rejected.length);
  line('analytics rows written', rows);
  if (s.skipped.length > 0) {
    out.push(`Skipped ${s.skipped.length} item(s) holding no Patient, Coverage or ExplanationOfBenefit:`);
    for (const k of s.skipped) out.push(`  - ${k.location}: ${k.reason}`);
  }
  if (s.warnings.length > 0) {
    out.push(`Warnings (${s.warnings.reduce((n, w) => n + w.count, 0)}):`);
    for (const w of s.warnings) out.push(`  - ${w.message}: ${w.count} resource(s), e.g. ${w.example}`);
  }
  if (s.rejected.length > 0) {
    out.push(`Rejected ${s.rejected.length} resource(s) (kept in quarantined_resources):`);
    for (const r of s.rejected) out.push(`  - ${r.location}: ${r.reason}`);
  }
  if (s.fileErrors.length > 0) {
    out.push(`Could not read ${s.fileErrors.length} file(s) or entries:`);
    for (const f of s.fileErrors) out.push(`  - ${f.location} ${f.reason}`);
  }
  return `${out.join('\n')}\n`;
}
