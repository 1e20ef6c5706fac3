/**
 * The commands for development and evaluation: the demo, the benchmark and the BB2 emulator.
 * Each command's code is imported only when it runs (see src/cli.ts).
 */
import { Command } from 'commander';

import { collect, plainName, port, wholeNumber } from '../commands/options.ts';
import { lazyAction } from './lazy-action.ts';

/** `bbsync demo` */
export function addDemoCommand(program: Command): void {
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
    .action(lazyAction(() => import('../commands/demo.ts'), 'runDemo'));
}

/** `bbsync bench` */
export function addBenchCommand(program: Command): void {
  program
    .command('bench')
    .description(
      'Benchmark the pipeline against the emulator on loopback, and against the limits of this machine (fetch-only, write-only): the first sync in fresh workers (cold), then again in the same workers (warm).',
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
      '\nUses its own database (<DATABASE_URL name>_bench, dropped at the end) and queue prefix, and runs a CHECKPOINT before each timed phase that writes (superuser or pg_checkpoint; without it, says so and goes on). See docs/performance.md.',
    )
    .action(lazyAction(() => import('../commands/bench.ts'), 'runBenchCommand'));
}

/** `bbsync emulator` */
export function addEmulatorCommand(program: Command): void {
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
    .action(lazyAction(() => import('../emulator/cli.ts'), 'runEmulatorCommand'));
}
