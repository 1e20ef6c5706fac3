import { userInfo } from 'node:os';

import { databaseName, type Pool } from '../db/client.ts';
import { runFailures, waitForRun, type SyncRun } from '../db/runs.ts';
import { InputError } from '../errors.ts';
import { syncsPausedSince } from '../workers/app-inactive.ts';
import { startRunNow } from '../workers/enqueue.ts';
import type { Queues } from '../workers/queues.ts';
import { commandContext } from './command-config.ts';
import { withDatabaseAndQueues } from './database-and-queues.ts';
import { createProgress } from './progress.ts';

export interface SyncOptions {
  all?: boolean;
  enrollment?: string;
  full?: boolean;
  wait?: boolean;
}

export async function runSync(options: SyncOptions): Promise<void> {
  if (Boolean(options.all) === Boolean(options.enrollment)) {
    throw new InputError('say which enrollments to sync: --all, or --enrollment ID');
  }
  const { config, log } = commandContext();
  const poolOptions = { max: 3, applicationName: 'bbsync-sync' };
  await withDatabaseAndQueues(config, poolOptions, async (pool, queues) => {
    if (options.enrollment) {
      const { rows } = await pool.query<{ status: string }>(
        'SELECT status FROM enrollments WHERE enrollment_id = $1',
        [options.enrollment],
      );
      if (!rows[0]) {
        throw new InputError(
          `no enrollment ${options.enrollment} in database "${databaseName(config.databaseUrl)}"; the dashboard's /enrollments page lists them`,
        );
      }
      if (rows[0].status !== 'active') {
        throw new InputError(
          `enrollment ${options.enrollment} is ${rows[0].status}: it cannot be synced until the beneficiary connects again`,
        );
      }
    }
    if (options.all) {
      const { rows } = await pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM enrollments WHERE status = 'active'",
      );
      if (rows[0]?.n === 0) {
        process.stderr.write(
          `bbsync: nothing to sync: database "${databaseName(config.databaseUrl)}" has no active enrollments; connect beneficiaries first (\`npx bbsync enroll-synthetic --users 0-49\` against the emulator, or /enroll on \`npx bbsync server\`)\n`,
        );
        return;
      }
    }
    const run = await startRunNow(
      { pool, log, queues, config },
      {
        trigger: 'manual',
        full: options.full,
        requestedBy: `cli:${userInfo().username}`,
        enrollmentIds: options.enrollment ? [options.enrollment] : undefined,
      },
    );
    process.stdout.write(
      `run ${run.run_id}: ${run.enrollments_total} enrollment(s) queued${options.full ? ' for a full reconcile' : ''}\n`,
    );
    const paused = await syncsPausedSince(pool);
    if (paused) {
      process.stderr.write(
        `bbsync: syncs are paused since ${paused.since}: Blue Button says this application is inactive (${paused.answer}). The run's syncs wait, and start when a probe finds the application accepted again or after \`npx bbsync resume-syncs\`\n`,
      );
    }
    if (!options.wait) return;
    const finished = await waitWithProgress(pool, queues, run.run_id);
    process.stdout.write(await formatRunSummary(pool, finished));
    if (finished.enrollments_failed > 0) process.exitCode = 1;
  });
}

async function waitWithProgress(pool: Pool, queues: Queues, runId: string): Promise<SyncRun> {
  const progress = createProgress('Syncing', { unit: 'enrollments' });
  let lastDone = -1;
  let lastChange = Date.now();
  let hinted = false;
  try {
    return await waitForRun(pool, runId, {
      intervalMs: 500,
      onPoll: async (run) => {
        const done = run.enrollments_ok + run.enrollments_failed + run.enrollments_skipped;
        progress.update(done, run.enrollments_total);
        if (done !== lastDone) {
          lastDone = done;
          lastChange = Date.now();
        } else if (
          !hinted &&
          Date.now() - lastChange > 15_000 &&
          (await queues.sync.getWorkersCount()) === 0
        ) {
          hinted = true;
          process.stderr.write(
            '\nno worker is running: start one with `npx bbsync worker` (the run waits for it)\n',
          );
        }
      },
    });
  } finally {
    progress.stop();
  }
}

export async function formatRunSummary(pool: Pool, run: SyncRun): Promise<string> {
  const seconds = run.finished_at ? (Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000 : 0;
  const out = [
    `Run ${run.run_id} finished in ${seconds.toFixed(1)} s`,
    `  enrollments ok          ${String(run.enrollments_ok).padStart(8)}`,
    `  enrollments failed      ${String(run.enrollments_failed).padStart(8)}`,
    `  enrollments skipped     ${String(run.enrollments_skipped).padStart(8)}`,
    `  resources changed       ${String(run.resources_changed).padStart(8)}`,
    `  resources removed       ${String(run.resources_removed).padStart(8)}`,
    `  analytics rows written  ${String(run.rows_written).padStart(8)}`,
    `  requests to BB2         ${String(run.requests).padStart(8)}`,
  ];
  if (run.enrollments_failed > 0) {
    out.push('Failures by category:');
    for (const group of await runFailures(pool, run.run_id, 5)) {
      out.push(`  ${group.category}: ${group.count}`);
      for (const e of group.enrollments) out.push(`    - ${e.enrollment_id}: ${e.message ?? ''}`);
    }
  }
  return `${out.join('\n')}\n`;
}
