import { renormalize, type RenormalizeSummary } from '../import/renormalize.ts';
import { commandContext } from './command-config.ts';
import { openDatabase } from './database.ts';
import { createProgress } from './progress.ts';

export async function runRenormalize(options: { batchSize?: number }): Promise<void> {
  const { config } = commandContext();
  const pool = await openDatabase(config.databaseUrl, { max: 2, applicationName: 'bbsync-renormalize' });
  const started = performance.now();
  const progress = createProgress('Re-normalizing', { unit: 'resources' });
  // Ctrl-C stops after the batch in flight: what was rewritten stays, a new run resumes.
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let summary: RenormalizeSummary;
  try {
    summary = await renormalize(pool, {
      batchSize: options.batchSize,
      signal: stop.signal,
      onProgress: (done, total) => progress.update(done, total),
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await pool.end();
  }
  process.stdout.write(formatRenormalize(summary, (performance.now() - started) / 1000, stop.signal.aborted));
  if (summary.failed.length > 0 || stop.signal.aborted) process.exitCode = 1;
}

export function formatRenormalize(s: RenormalizeSummary, seconds: number, stopped: boolean): string {
  const out: string[] = [];
  const line = (label: string, value: number, note = '') =>
    out.push(`  ${label.padEnd(31)}${String(value).padStart(8)}${note ? `  ${note}` : ''}`);
  if (s.found === 0)
    return `Nothing to re-normalize: every stored resource was written by normalizer version ${s.version}\n`;
  out.push(
    stopped
      ? `Stopped after ${s.read} of ${s.found} resource(s) in ${seconds.toFixed(1)} s; run it again to go on`
      : `Re-normalized from the raw store to normalizer version ${s.version} in ${seconds.toFixed(1)} s`,
  );
  line('written by an older version', s.found);
  line('read', s.read);
  line('rewritten', s.updated + s.inserted);
  line('already current', s.unchanged, s.unchanged ? '(a sync rewrote them first)' : '');
  line('deleted or replaced meanwhile', s.gone, s.gone ? '(left as they are)' : '');
  line(
    'v2 twins of v3 claims removed',
    s.foldedTwinsRemoved,
    s.foldedTwinsRemoved ? '(folded before they had link keys)' : '',
  );
  line('refused', s.failed.length, s.failed.length ? '(rows and version kept)' : '');
  line(
    'analytics rows written',
    Object.values(s.rowsWritten).reduce((a, b) => a + b, 0),
  );
  if (s.failed.length > 0) {
    out.push(`Refused by the current normalizer (${s.failed.length}):`);
    for (const f of s.failed.slice(0, 20)) out.push(`  - ${f.reason}`);
    if (s.failed.length > 20) out.push(`  ... and ${s.failed.length - 20} more`);
  }
  return `${out.join('\n')}\n`;
}
