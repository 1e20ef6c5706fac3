import { requireBb2Client, requireTokenKeys } from '../config.ts';
import { enrollSynthetic, syntheticLogin } from '../emulator-client/synthetic-enrollment.ts';
import type { EnrollmentOutcome } from '../enrollment/enroll.ts';
import { InputError, UnreachableError } from '../errors.ts';
import { commandContext } from './command-config.ts';
import { openDatabase } from './database.ts';
import { createProgress } from './progress.ts';
import { buildBb2Services } from '../services.ts';

export interface EnrollSyntheticOptions {
  /** User numbers, checked by the command line (src/commands/options.ts userRange). */
  users: number[];
  concurrency: number;
  demographics: boolean;
  deny?: boolean;
}

export async function runEnrollSynthetic(options: EnrollSyntheticOptions): Promise<void> {
  const { config, log } = commandContext();
  requireBb2Client(config);
  requireTokenKeys(config);
  const users = options.users;
  await checkPopulation(config.bb2.baseUrl, users);
  const concurrency = options.concurrency;
  const pool = await openDatabase(config.databaseUrl, {
    max: concurrency + 2,
    applicationName: 'bbsync-enroll',
  });
  const services = buildBb2Services(config, log, pool);
  const progress = createProgress('Enrolling', { unit: 'users' });
  const outcomes = new Map<number, EnrollmentOutcome | Error>();
  let next = 0;
  const started = performance.now();
  try {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, users.length) }, async () => {
        while (next < users.length) {
          const index = users[next++]!;
          try {
            outcomes.set(
              index,
              await enrollSynthetic(
                services.flow,
                { ...syntheticLogin(index), shareDemographics: options.demographics, deny: options.deny },
                { redirectUri: config.bb2.redirectUri, fetchImpl: services.fetchImpl },
              ),
            );
          } catch (err) {
            outcomes.set(index, err instanceof Error ? err : new Error(String(err)));
          }
          progress.update(outcomes.size, users.length);
        }
      }),
    );
  } finally {
    progress.stop();
    await pool.end();
  }

  const counts = new Map<string, number>();
  const problems: string[] = [];
  for (const [index, outcome] of [...outcomes].sort((a, b) => a[0] - b[0])) {
    const kind =
      outcome instanceof Error
        ? 'failed'
        : outcome.kind === 'connected' && outcome.enrollment.reenrolled
          ? 'reconnected'
          : outcome.kind;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
    if (outcome instanceof Error) problems.push(`${syntheticLogin(index).username}: ${outcome.message}`);
    else if (outcome.kind === 'error') {
      problems.push(`${syntheticLogin(index).username}: ${outcome.category}: ${outcome.message}`);
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const lines = [`Enrolled ${users.length} synthetic user(s) against ${config.bb2.baseUrl} in ${seconds} s`];
  for (const kind of [
    'connected',
    'reconnected',
    'denied',
    'error',
    'failed',
    'expired',
    'replayed',
    'wrong_browser',
  ]) {
    const n = counts.get(kind);
    if (n) lines.push(`  ${kind.padEnd(14)}${String(n).padStart(7)}`);
  }
  if (problems.length) lines.push('Problems:', ...problems.slice(0, 50).map((p) => `  - ${p}`));
  process.stdout.write(`${lines.join('\n')}\n`);
  if (problems.length) process.exitCode = 1;
}

/**
 * Asks the emulator how many synthetic users it has (its control API's X-Total-Count), so a range
 * beyond them is refused with the numbers that exist instead of failing user by user. Servers
 * without that API (the real sandbox) are not checked here.
 */
async function checkPopulation(baseUrl: string, users: readonly number[]): Promise<void> {
  let total: number;
  try {
    const response = await fetch(`${baseUrl}/__emulator/users?limit=1`, {
      signal: AbortSignal.timeout(10_000),
    });
    await response.body?.cancel();
    const header = response.headers.get('x-total-count');
    if (!response.ok || header === null) return;
    total = Number(header);
  } catch (err) {
    throw new UnreachableError(
      `cannot reach Blue Button at ${baseUrl} (${(err as Error).message}); start the emulator (\`npx bbsync emulator\`) or set BB2_BASE_URL`,
      { cause: err },
    );
  }
  const highest = Math.max(...users);
  if (highest < total) return;
  const last = total - 1;
  const name = (n: number) => `BBUser${String(n).padStart(5, '0')}`;
  throw new InputError(
    total === 0
      ? `--users: the emulator at ${baseUrl} has no synthetic users`
      : `--users: the emulator at ${baseUrl} has ${total} synthetic users (${name(0)} to ${name(last)}), so ${highest} is out of range; use numbers from 0 to ${last}, or start the emulator with --users ${highest + 1}`,
  );
}
