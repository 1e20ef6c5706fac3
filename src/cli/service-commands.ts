/**
 * The commands that run the service: the web server, the workers, and starting a sync run.
 * Each command's code is imported only when it runs (see src/cli.ts).
 */
import { Command, Option } from 'commander';

import { enrollmentId, port, wholeNumber } from '../commands/options.ts';
import { lazyAction } from './lazy-action.ts';

/** `bbsync server` */
export function addServerCommand(program: Command): void {
  program
    .command('server')
    .description('Run the web server: the public enrollment pages (/enroll) and the operations dashboard.')
    .option('--port <port>', 'port to listen on (default: SERVER_PORT, 3000)', port)
    .option('--host <host>', 'interface to listen on (default: SERVER_HOST, 127.0.0.1)')
    .addHelpText(
      'after',
      '\nNeeds BB2_BASE_URL, BB2_CLIENT_ID, BB2_CLIENT_SECRET, BB2_REDIRECT_URI and TOKEN_ENCRYPTION_KEY (see .env.example).',
    )
    .action(lazyAction(() => import('../commands/server.ts'), 'runServer'));
}

/** `bbsync worker` */
export function addWorkerCommand(program: Command): void {
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
    .action(lazyAction(() => import('../commands/worker.ts'), 'runWorker'));
}

/** `bbsync sync` */
export function addSyncCommand(program: Command): void {
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
    .action(lazyAction(() => import('../commands/sync.ts'), 'runSync'));
}

/** `bbsync resume-syncs` */
export function addResumeSyncsCommand(program: Command): void {
  program
    .command('resume-syncs')
    .description(
      'Resume the syncs paused because Blue Button said the application is inactive, without waiting for the next probe (APP_INACTIVE_PROBE_MS).',
    )
    .action(lazyAction(() => import('../commands/resume-syncs.ts'), 'runResumeSyncs'));
}
