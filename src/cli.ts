/**
 * The `bbsync` command line. Each command lives in src/commands/<name>.ts and is loaded only when
 * it runs, so `bbsync --help` stays fast and a command never pays for another's dependencies.
 * Commands that need the database, Redis or BB2 build those clients themselves: entry points are
 * the only places that construct pools and connections.
 */
import { Command, CommanderError } from 'commander';

import { ConfigError, InputError } from './errors.ts';

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = reportFatal(err);
  }
}

/** Prints a failure the way a user can act on it: no stack trace for expected problems. */
export function reportFatal(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof ConfigError || err instanceof InputError) {
    process.stderr.write(`bbsync: ${err.message}\n`);
    return 2;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`bbsync: ${message}\n`);
  if (process.env.BBSYNC_DEBUG === '1' && err instanceof Error && err.stack) {
    process.stderr.write(`${err.stack}\n`);
  } else {
    process.stderr.write('(set BBSYNC_DEBUG=1 to see the stack trace)\n');
  }
  return 1;
}

export function buildProgram(): Command {
  const program = new Command('bbsync')
    .description(
      'Sync Medicare claims from the CMS Blue Button 2.0 API into analytics-ready Postgres tables.',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('migrate')
    .description('Create the database if it is missing and apply migrations (safe to run concurrently).')
    .action(async () => {
      const { runMigrate } = await import('./commands/migrate.ts');
      await runMigrate();
    });

  program
    .command('import')
    .description(
      'Load FHIR .json (Bundle or resource) and .ndjson files, or folders of them, into the database.',
    )
    .argument('<paths...>', 'files or folders to import')
    .option('--batch-size <n>', 'resources per transaction', '250')
    .addHelpText(
      'after',
      '\nThe exit code is 1 when a resource was rejected or a file could not be read; the rest still load.',
    )
    .action(async (paths: string[], options: { batchSize?: string }) => {
      const { runImport } = await import('./commands/import.ts');
      await runImport(paths, options);
    });

  return program;
}

/** Collects a repeatable option; used without a default so --help does not print "(default: [])". */
