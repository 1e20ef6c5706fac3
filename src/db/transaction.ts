/**
 * The one place that opens, commits, rolls back and releases a transaction. Callers hand in the
 * work; if it throws, the transaction is rolled back and the work's error is what the caller sees.
 */
import type pg from 'pg';

import type { Pool, PoolClient } from './client.ts';

/** Where a failed ROLLBACK is reported: any pino logger fits. */
export interface RollbackLog {
  warn(obj: object, msg: string): void;
}

export interface TransactionOptions {
  /**
   * The statement that opens the transaction (default `BEGIN`), e.g.
   * `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`. `null` when `fn` sends BEGIN and COMMIT
   * itself as parts of its own multi-statement scripts (to save round trips): the helper then only
   * rolls back on error and releases.
   */
  begin?: string | null;
  /** Where a failed ROLLBACK is reported (default: a process warning on stderr). */
  log?: RollbackLog;
}

/**
 * Runs `fn` in a transaction on one client of the pool: BEGIN, `fn`, COMMIT; ROLLBACK if anything
 * throws. A connection whose ROLLBACK failed is in an unknown state, so it is destroyed instead of
 * going back to the pool.
 */
export async function withTransaction<T>(
  pool: Pool,
  fn: (client: PoolClient) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await inTransaction(client, fn, {
      ...options,
      onRollbackFailed: (err) => {
        broken = err;
      },
    });
  } finally {
    client.release(broken);
  }
}

/** The same on a client the caller holds (and releases or ends itself). */
export async function inTransaction<C extends pg.ClientBase, T>(
  client: C,
  fn: (client: C) => Promise<T>,
  options: TransactionOptions & { onRollbackFailed?: (err: Error) => void } = {},
): Promise<T> {
  const begin = options.begin === undefined ? 'BEGIN' : options.begin;
  try {
    if (begin !== null) await client.query(begin);
    const result = await fn(client);
    if (begin !== null) await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
      const failure = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
      options.onRollbackFailed?.(failure);
      reportRollbackFailure(failure, options.log);
    });
    throw err;
  }
}

// The error that caused the rollback is rethrown to the caller; this one is only reported, and
// carries no data (a driver or connection message).
function reportRollbackFailure(err: Error, log: RollbackLog | undefined): void {
  const detail = { err: { message: err.message, code: (err as { code?: unknown }).code } };
  if (log) log.warn(detail, 'ROLLBACK failed; the connection is discarded');
  else
    process.emitWarning(`ROLLBACK failed; the connection is discarded: ${err.message}`, 'TransactionWarning');
}
