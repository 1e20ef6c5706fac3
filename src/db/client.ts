/**
 * Postgres connections. Only entry points (the CLI commands, the test harness) call these; every
 * other function receives a `Db` (or, to hold a connection of its own, a `Pool`) as an argument.
 */
import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** What a query function takes: the pool, or a client (inside a transaction, or holding a lock). */
export type Db = Pool | PoolClient;

// Values come back as they are stored: DATE as 'YYYY-MM-DD' (pg would make a local-midnight
// Date of it), TIMESTAMPTZ as an ISO-8601 UTC string (we never store sub-millisecond times),
// NUMERIC as an exact string (pg's default), and counts (INT8) as numbers.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, (v) => {
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? v : d.toISOString();
});
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface PoolOptions {
  max?: number;
  applicationName?: string;
  /** How long to wait for a connection (a new one, or a free one of the pool); default 15 s. */
  connectTimeoutMs?: number;
  /** Postgres `statement_timeout` of every connection (0 or absent: none). */
  statementTimeoutMs?: number;
  /** Postgres `idle_in_transaction_session_timeout` of every connection (0 or absent: none). */
  idleInTransactionTimeoutMs?: number;
  /** Where an idle connection's error (a server restart) is reported. */
  onIdleError?: (err: Error) => void;
}

export function createPool(databaseUrl: string, options: PoolOptions = {}): Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'bbsync',
    idleTimeoutMillis: 30_000,
    // A host that never answers must fail a command, not hang it (pg waits forever by default).
    connectionTimeoutMillis: options.connectTimeoutMs ?? 15_000,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    ...(options.idleInTransactionTimeoutMs
      ? { idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs }
      : {}),
  });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', (err) => {
    if (options.onIdleError) options.onIdleError(err);
    else process.emitWarning(`idle Postgres connection failed: ${err.message}`, 'PoolWarning');
  });
  // A checked-out client whose connection dies (terminated backend, network cut) emits 'error' as
  // well as failing its query; the query's rejection is what callers handle, so the event itself
  // must not become an uncaught exception that takes every sync of the process down with it.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return pool;
}

/** The database name in a connection URL. */
export function databaseName(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, '')) || 'postgres';
}

/** The same server with another database. */
export function withDatabase(databaseUrl: string, name: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(name)}`;
  return url.toString();
}
