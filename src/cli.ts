/**
 * The `bbsync` command line. Each command lives in src/commands/<name>.ts and is loaded only when
 * it runs, so `bbsync --help` stays fast and a command never pays for another's dependencies.
 * Commands that need the database, Redis or BB2 build those clients themselves: entry points are
 * the only places that construct pools and connections.
 */
import { readFileSync } from 'node:fs';

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

import { ConfigError, InputError, UnreachableError } from './errors.ts';
import type { BenchCommandOptions } from './commands/bench.ts';
import { keyId, plainName, port, userRange, wholeNumber } from './commands/options.ts';

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
    .option('--batch-size <n>', 'resources per transaction', wholeNumber(1, 100_000), 250)
    .addHelpText(
      'after',
      '\nThe exit code is 1 when a resource was rejected or a file could not be read; the rest still load.',
    )
    .action(async (paths: string[], options: { batchSize: number }) => {
      const { runImport } = await import('./commands/import.ts');
      await runImport(paths, options);
    });

  program
    .command('report')
    .description(
      'Print the patient summary and the most common diagnoses, drugs and procedures, from the analytics views.',
    )
    .option('--patient <id>', 'only this beneficiary (the Patient id, e.g. -19990000000001)')
    .option('--format <format>', 'table (aligned, for people), csv or json (for scripts)', 'table')
    .option('--limit <n>', 'rows in each "top" list', '10')
    .option(
      '--section <names>',
      'only these sections, comma-separated: patients, diagnoses, drugs, procedures (default: all)',
    )
    .addHelpText(
      'after',
      `
Sections:
  patients     the patient_summary view: demographics, active coverage parts, claims by type,
               what was paid, first and last service date, when the data was last loaded
  diagnoses    diagnosis codes on the most claims (principal or secondary), with beneficiaries
  drugs        drugs (NDC) filled most often, with total cost, plan paid and patient paid
  procedures   HCPCS/CPT codes on claim lines and ICD procedure codes, on the most claims

Formats:
  table  one aligned table per section (with --patient, the summary is one field per line)
  json   one object: {"patient_id", "limit", "patients": [...], "top_diagnoses": [...],
         "top_drugs": [...], "top_procedures": [...]}; amounts are exact decimal strings
  csv    every column of every section; each section starts with a "# <section>" line and
         sections are separated by an empty line; with a single --section, plain CSV

Exits with 2 when --patient names a beneficiary the database does not hold.

Examples:
  bbsync report
  bbsync report --patient -19990000000001
  bbsync report --format json --limit 25 > report.json
  bbsync report --format csv --section drugs > drugs.csv`,
    )
    .action(async (options: { patient?: string; format?: string; limit?: string; section?: string }) => {
      const { runReport } = await import('./commands/report.ts');
      await runReport(options);
    });

  program
    .command('quality')
    .description(
      'Run the data quality checks (structural and logical, over final claim versions), keep the run as history, print failures per check.',
    )
    .option('--format <format>', 'table or json', 'table')
    .addHelpText(
      'after',
      '\nExits with 1 when a structural check fails. History: tables quality_runs, quality_results.',
    )
    .action(async (options: { format?: string }) => {
      const { runQuality } = await import('./commands/quality.ts');
      await runQuality(options);
    });

  program
    .command('server')
    .description('Run the web server: the public enrollment pages (/enroll) and the operations dashboard.')
    .option('--port <port>', 'port to listen on (default: SERVER_PORT, 3000)', port)
    .option('--host <host>', 'interface to listen on (default: SERVER_HOST, 127.0.0.1)')
    .addHelpText(
      'after',
      '\nNeeds BB2_BASE_URL, BB2_CLIENT_ID, BB2_CLIENT_SECRET, BB2_REDIRECT_URI and TOKEN_ENCRYPTION_KEY (see .env.example).',
    )
    .action(async (options: { port?: number; host?: string }) => {
      const { runServer } = await import('./commands/server.ts');
      await runServer(options);
    });

  program
    .command('worker')
    .description(
      'Run sync workers: they process sync jobs from Redis and schedule the nightly run (SYNC_CRON). Run as many as you like, on any machines.',
    )
    .option(
      '--concurrency <n>',
      'enrollments synced at once by this process (default: SYNC_CONCURRENCY, 8)',
      wholeNumber(1, 256),
    )
    .option('--no-schedule', 'do not create or update the nightly Job Scheduler from this process')
    .addHelpText(
      'after',
      '\nStops gracefully on SIGTERM or Ctrl-C: running syncs finish, or stop between pages and resume elsewhere.',
    )
    .action(async (options: { concurrency?: number; schedule?: boolean }) => {
      const { runWorker } = await import('./commands/worker.ts');
      await runWorker(options);
    });

  program
    .command('sync')
    .description('Sync enrollments now: start a run for all active enrollments, or for one.')
    .addOption(new Option('--all', 'every active enrollment').conflicts('enrollment'))
    .option('--enrollment <id>', 'just this enrollment (enr_...)', enrollmentId)
    .option('--full', 'a full reconcile: pull everything and remove what Blue Button no longer returns')
    .option(
      '--wait',
      'wait for the run to finish, with a progress bar and a summary (exit 1 if anything failed)',
    )
    .addHelpText('after', '\nThe syncs themselves are done by `bbsync worker` processes.')
    .action(async (options: { all?: boolean; enrollment?: string; full?: boolean; wait?: boolean }) => {
      const { runSync } = await import('./commands/sync.ts');
      await runSync(options);
    });

  program
    .command('enroll-synthetic')
    .description(
      'Enroll synthetic users (BBUser00000..) through the real authorization-code flow, submitting the login and consent forms over HTTP (the emulator).',
    )
    .requiredOption('--users <range>', 'user numbers, e.g. 0-99 or 1,5,10-12', userRange)
    .option('--concurrency <n>', 'users enrolled at once', wholeNumber(1, 64), 8)
    .option('--no-demographics', 'withhold the demographic scopes on the consent page')
    .option('--deny', 'press Deny instead of Allow (to try the denial path)')
    .action(
      async (options: { users: number[]; concurrency: number; demographics: boolean; deny?: boolean }) => {
        const { runEnrollSynthetic } = await import('./commands/enroll-synthetic.ts');
        await runEnrollSynthetic(options);
      },
    );

  program
    .command('unenroll')
    .description('Revoke an enrollment: revoke its grant at Blue Button and forget its tokens.')
    .argument('<enrollment-id>', 'the enrollment to revoke (enr_...)', enrollmentId)
    .addOption(
      new Option('--purge', "also delete the patient's data (default: PURGE_ON_REVOKE)").conflicts(
        'keepData',
      ),
    )
    .option('--keep-data', "keep the patient's data even when PURGE_ON_REVOKE=true")
    .action(async (enrollmentId: string, options: { purge?: boolean; keepData?: boolean }) => {
      const { runUnenroll } = await import('./commands/unenroll.ts');
      await runUnenroll(enrollmentId, options);
    });

  program
    .command('gen-key')
    .description('Print a new random 32-byte key for TOKEN_ENCRYPTION_KEY (or SESSION_SECRET).')
    .option('--id <id>', 'key id: 1-32 letters, digits, _ or - (default: k<today>)', keyId)
    .action(async (options: { id?: string }) => {
      const { runGenKey } = await import('./commands/keys.ts');
      runGenKey(options);
    });

  program
    .command('hash-password')
    .description('Print the scrypt hash of a dashboard password, for DASHBOARD_PASSWORD_HASH.')
    .addHelpText(
      'after',
      `
Reads the password from a hidden prompt (asked twice), or from stdin when it is not a terminal
(one trailing newline is dropped). At least 12 characters. The hash looks like
scrypt$32768$8$1$<salt>$<key>; put it in DASHBOARD_PASSWORD_HASH (single-quote it in a shell).

Examples:
  npx bbsync hash-password
  printf %s "$DASHBOARD_PASSWORD" | npx bbsync hash-password`,
    )
    .action(async () => {
      const { runHashPassword } = await import('./commands/hash-password.ts');
      await runHashPassword();
    });

  program
    .command('rotate-key')
    .description(
      'Re-encrypt every stored token under the first key of TOKEN_ENCRYPTION_KEY, so older keys can be retired.',
    )
    .addHelpText(
      'after',
      '\nRotate in three steps: put the new key first in TOKEN_ENCRYPTION_KEY (keep the old ones after it),\nrun `bbsync rotate-key`, then remove the old keys.',
    )
    .action(async () => {
      const { runRotateKey } = await import('./commands/keys.ts');
      await runRotateKey();
    });

  program
    .command('demo')
    .description(
      'The whole product on this machine: emulator, server and worker; enrolls synthetic users, syncs them and keeps serving until Ctrl-C.',
    )
    .option('--users <n>', 'synthetic beneficiaries to enroll', wholeNumber(1, 10_000), 25)
    .option('--port <port>', 'port of its web server (default: 3000, or a free one)', port)
    .option(
      '--db <name>',
      'its database on the DATABASE_URL server, recreated each time',
      plainName,
      'bbsync_demo',
    )
    .option(
      '--prefix <prefix>',
      'its Redis queue prefix (two demos at once need two)',
      plainName,
      'bbsync-demo',
    )
    .option('--exit', 'stop after the summary instead of serving')
    .addHelpText(
      'after',
      '\nUses its own database and queue prefix, so it never touches other data; stopping it removes its queues from Redis.',
    )
    .action(async (options: { users: number; port?: number; db: string; prefix: string; exit?: boolean }) => {
      const { runDemo } = await import('./commands/demo.ts');
      await runDemo(options);
    });

  program
    .command('bench')
    .description(
      'Benchmark the pipeline against the emulator on loopback, and against the limits of this machine (fetch-only, write-only).',
    )
    .option('--users <n>', 'synthetic users to sync', '1000')
    .option('--concurrency <n>', 'concurrency of each worker process', '8')
    .option('--workers <n>', 'worker processes (one per core is what a deployment would run)', '1')
    .option('--seed <n>', 'seed of the synthetic data', '1')
    .option('--json', 'print the results as one JSON object on the last line')
    .option(
      '--profile <dir>',
      'write V8 CPU profiles of the worker and the emulator under this directory (open them in Chrome DevTools)',
    )
    .addHelpText(
      'after',
      '\nUses its own database (<DATABASE_URL name>_bench, dropped at the end) and queue prefix. See docs/performance.md.',
    )
    .action(async (options: BenchCommandOptions) => {
      const { runBenchCommand } = await import('./commands/bench.ts');
      await runBenchCommand(options);
    });

  program
    .command('emulator')
    .description(
      'Run a local Blue Button 2.0 sandbox: OAuth, FHIR paging, synthetic users and fault injection.',
    )
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 picks a free one)', '8000')
    .option('--users <n>', 'number of synthetic users BBUser00000..', '10000')
    .option('--seed <n>', 'seed for the synthetic data', '1')
    .option('--fixtures <dir>', 'serve the Patient, Coverage and EOB resources found in this folder instead')
    .option(
      '--client-id <id>',
      'register a confidential client (repeatable, paired in order with --client-secret and --redirect-uri)',
      collect,
    )
    .option(
      '--client-secret <secret>',
      'secret of the client registered by the matching --client-id',
      collect,
    )
    .option(
      '--redirect-uri <uri>',
      'redirect URI of the client registered by the matching --client-id (several: separate with commas)',
      collect,
    )
    .option('--access-token-ttl <seconds>', 'lifetime of access tokens', '3600')
    .option('--page-cache-mb <mb>', 'memory for built search pages (JSON and gzip)', '512')
    .option('--faults <json>', 'fault injection at start, as for POST /__emulator/faults')
    .option(
      '--public-url <url>',
      'base URL to put in links and discovery (default: the Host the client used)',
    )
    .option(
      '--data-access-type <type>',
      "every client's data access type: THIRTEEN_MONTH, RESEARCH_STUDY or ONE_TIME",
      'THIRTEEN_MONTH',
    )
    .option('--no-demographic-scopes', 'register the clients without the demographic scopes')
    .option('--inactive', 'register the clients as made inactive by CMS')
    .option('--part-d-only', 'register the clients as Part-D-only (v2 EOB answers 403)')
    .option('--bene-404 <patientIds>', 'beneficiaries BB2 has no data for (comma-separated patient ids)')
    .option('--samhsa-refused <patientIds>', 'beneficiaries who refused SAMHSA sharing (comma-separated)')
    .option('--throttle <json>', 'the FHIR rate limit, as for POST /__emulator/throttle')
    .addHelpText(
      'after',
      `
Without --client-id a demo client is registered: bbsync-local / bbsync-local-secret, redirect
http://127.0.0.1:3000/enroll/callback or http://localhost:3000/enroll/callback.
Users log in as BBUser00001 / PW00001! (BBUserNNNNN / PWNNNNN!).

Prints "BB2 emulator listening on http://HOST:PORT" on stdout once ready; stops on Ctrl-C.

Control API (loopback clients only), JSON:
  GET  /__emulator/users?offset=0&limit=1000   usernames and patient ids
  POST /__emulator/faults   {"rate429":0.1,"retryAfterSeconds":1,"rate5xx":0.05,"latencyMs":0,
                             "malformedRate":0,"resetRate":0,"tokenRate5xx":0,"refreshLostRate":0}
                            ({} turns all faults off)
  POST /__emulator/advance  {"newClaimsFraction":0.1,"changedFraction":0.02,"removedFraction":0}
  GET  /__emulator/stats    POST /__emulator/stats/reset
  POST /__emulator/grants/PATIENT_ID/expire|revoke   POST /__emulator/tokens/expire
  POST /__emulator/config   {"accessTokenTtlSeconds":60}
  GET  /__emulator/clients  POST /__emulator/clients/CLIENT_ID {"dataAccessType":"ONE_TIME","active":false}
  POST /__emulator/beneficiaries/PATIENT_ID   {"notFound":true,"samhsaRefused":true}
  POST /__emulator/throttle {"limit":50,"windowSeconds":1,"per":"application"}

Examples:
  bbsync emulator --port 8000 --users 100
  bbsync emulator --port 0 --client-id app --client-secret s3cret --redirect-uri http://localhost:8080/cb
  bbsync emulator --fixtures ../shared/fixtures/bb2 --faults '{"rate429":0.05}'
  bbsync emulator --data-access-type ONE_TIME --no-demographic-scopes --throttle '{"limit":20}'`,
    )
    .action(async (options) => {
      const { runEmulatorCommand } = await import('./emulator/cli.ts');
      await runEmulatorCommand(options);
    });

  return program;
}

/** An enrollment id as bbsync makes them (enr_ and 20 hex digits), so a typo is caught before any lookup. */
function enrollmentId(value: string): string {
  if (!/^enr_[A-Za-z0-9]{1,64}$/.test(value)) {
    throw new InvalidArgumentError('expected an enrollment id like enr_0123456789abcdef0123');
  }
  return value;
}

/** Collects a repeatable option; used without a default so --help does not print "(default: [])". */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
