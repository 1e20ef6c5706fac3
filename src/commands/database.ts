/**
 * Opening the database for a command, with a clear message when it is missing or not migrated
 * (instead of "relation does not exist" halfway through a job).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Config } from '../config.ts';
import { createPool, databaseName, type Pool, type PoolOptions } from '../db/client.ts';
import { countApplied, MIGRATIONS_FOLDER } from '../db/migrate.ts';
import { InputError } from '../errors.ts';
import { checkPostgres, explainPostgresError, type AttemptOptions } from './reach.ts';

export async function openDatabase(
  databaseUrl: string,
  options: PoolOptions & Partial<AttemptOptions> = {},
): Promise<Pool> {
  await checkPostgres(databaseUrl, { attempts: options.attempts ?? 1, say: options.say });
  const pool = createPool(databaseUrl, options);
  const name = databaseName(databaseUrl);
  try {
    const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
      entries: unknown[];
    };
    const applied = await countApplied(pool);
    if (applied < journal.entries.length) {
      throw new InputError(
        `database "${name}" is not up to date (${applied} of ${journal.entries.length} migrations applied); run \`npx bbsync migrate\` first`,
      );
    }
    return pool;
  } catch (err) {
    await pool.end().catch(() => {});
    throw explainPostgresError(err, databaseUrl);
  }
}

/**
 * The pool settings of the pipeline (workers): every wait bounded, a transaction left open by a
 * stuck process ended by Postgres, and an idle connection's failure logged with its category.
 */
export function pipelinePoolOptions(
  config: Config,
  log: { warn(obj: object, msg: string): void },
): PoolOptions {
  return {
    connectTimeoutMs: config.database.connectTimeoutMs,
    statementTimeoutMs: config.database.statementTimeoutMs,
    idleInTransactionTimeoutMs: config.database.idleInTransactionTimeoutMs,
    onIdleError: (err) =>
      log.warn({ category: 'db_error', err: { message: err.message } }, 'idle Postgres connection failed'),
  };
}
