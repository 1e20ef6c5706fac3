/**
 * The `bbsync` command line. Each command lives in src/commands/<name>.ts and is loaded only when
 * it runs, so `bbsync --help` stays fast and a command never pays for another's dependencies.
 * The commands are declared in src/cli/ by what they are for.
 * Commands that need the database, Redis or BB2 build those clients themselves: entry points are
 * the only places that construct pools and connections.
 */
import { readFileSync } from 'node:fs';

import { Command, CommanderError } from 'commander';

import {
  addImportCommand,
  addInsuranceCardCommand,
  addMigrateCommand,
  addQualityCommand,
  addRenormalizeCommand,
  addReportCommand,
} from './cli/data-commands.ts';
import { addBenchCommand, addDemoCommand, addEmulatorCommand } from './cli/dev-commands.ts';
import {
  addClearEobForbiddenCommand,
  addEnrollSyntheticCommand,
  addUnenrollCommand,
} from './cli/enrollment-commands.ts';
import { addGenKeyCommand, addHashPasswordCommand, addRotateKeyCommand } from './cli/key-commands.ts';
import {
  addResumeSyncsCommand,
  addServerCommand,
  addSyncCommand,
  addWorkerCommand,
} from './cli/service-commands.ts';
import { ConfigError, InputError, UnreachableError } from './errors.ts';

/** How `bbsync` exits; the README's "Exit codes" table says the same. */
export const EXIT_CODES = {
  /** The command did what it was asked. */
  ok: 0,
  /** It ran, but something in it failed (a sync, a file, a user), or an unexpected error (a bug). */
  failed: 1,
  /** The command line or an input cannot be used: an unknown or conflicting option, a bad value, a missing id. */
  usage: 2,
  /** The configuration (environment or .env) is invalid or incomplete. */
  config: 3,
  /** Postgres, Redis or Blue Button does not answer or refuses us. */
  unreachable: 4,
} as const;

/**
 * Runs the command line. Returns the exit code when the command failed at the top (the caller
 * exits with it at once, so nothing a failed start left open can keep the process alive), or
 * undefined when the command finished on its own.
 */
export async function main(argv: string[]): Promise<number | undefined> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return undefined;
  } catch (err) {
    const code = reportFatal(err);
    process.exitCode = code;
    return code;
  }
}

/** Prints a failure the way a user can act on it: one line, no stack trace unless BBSYNC_DEBUG=1. */
export function reportFatal(err: unknown): number {
  // Commander has printed its own message (see configureOutput below).
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
  const debug = process.env.BBSYNC_DEBUG === '1';
  const message = oneLine(err instanceof Error ? err.message : String(err));
  const expected = err instanceof ConfigError || err instanceof InputError || err instanceof UnreachableError;
  process.stderr.write(
    `bbsync: ${message}${expected || debug ? '' : ' (set BBSYNC_DEBUG=1 to see where)'}\n`,
  );
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  if (err instanceof ConfigError) return EXIT_CODES.config;
  if (err instanceof InputError) return EXIT_CODES.usage;
  if (err instanceof UnreachableError) return EXIT_CODES.unreachable;
  return EXIT_CODES.failed;
}

function oneLine(text: string): string {
  return (
    text
      .replace(/^error: /, '')
      // "option '--port <port>' argument 'abc' is invalid. expected..." -> "--port abc: expected..."
      .replace(/^option '(-[^' ]+)[^']*' argument '(.*)' is invalid\. /, '$1 $2: ')
      .replace(/^command-argument value '(.*)' is invalid for argument '(.*)'\. /, '<$2> $1: ')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean)
      .join(' ')
  );
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('bbsync')
    .description(
      'Sync Medicare claims from the CMS Blue Button 2.0 API into analytics-ready Postgres tables.',
    )
    .version(packageVersion(), '-V, --version', 'print the version')
    // Usage errors in one line: "bbsync: unknown option '--al' (Did you mean --all?)".
    .configureOutput({ outputError: (text, write) => write(`bbsync: ${oneLine(text)} (see --help)\n`) })
    .exitOverride();
  // In the order `bbsync --help` lists them.
  for (const add of [
    addMigrateCommand,
    addImportCommand,
    addRenormalizeCommand,
    addReportCommand,
    addQualityCommand,
    addInsuranceCardCommand,
    addServerCommand,
    addWorkerCommand,
    addSyncCommand,
    addResumeSyncsCommand,
    addEnrollSyntheticCommand,
    addUnenrollCommand,
    addClearEobForbiddenCommand,
    addGenKeyCommand,
    addHashPasswordCommand,
    addRotateKeyCommand,
    addDemoCommand,
    addBenchCommand,
    addEmulatorCommand,
  ]) {
    add(program);
  }
  return program;
}
