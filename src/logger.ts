/**
 * pino, JSON in production and pretty in a terminal. Every record and every child's bindings pass
 * through scrubLogRecord, a second line of defence: the first is never to log tokens, bodies or
 * patient identifiers at all.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

import { pino, type Logger } from 'pino';

import type { Config } from './config.ts';

export type { Logger };

const CENSOR = '[REDACTED]';

/**
 * Keys whose values never reach a log line, at any depth, in any spelling: `refresh_token`,
 * `refreshToken` and `Refresh-Token` are the same key here (compared lowercased, without `_` and
 * `-`). Tokens and secrets; patient identifiers and FHIR's PHI elements (name, birthDate,
 * address, telecom, identifier); whole resources and bodies.
 */
export const SENSITIVE_KEYS: ReadonlySet<string> = new Set([
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'token',
  'tokens',
  'clientsecret',
  'sessionsecret',
  'secret',
  'codeverifier',
  'password',
  'passwordhash',
  'authorization',
  'cookie',
  'setcookie',
  'patient',
  'patientid',
  'mbi',
  'name',
  'given',
  'family',
  'birthdate',
  'address',
  'telecom',
  'identifier',
  'resource',
  'bundle',
  'body',
]);

/** Keys censored only at the top level: an OAuth `code`, where deeper `code`s are error codes. */
const TOP_LEVEL_SENSITIVE_KEYS: ReadonlySet<string> = new Set(['code']);

const MAX_DEPTH = 12;

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

/**
 * A copy of a log record with every sensitive key censored, at any depth. Errors are serialized
 * first (their own properties and causes are scrubbed too); anything deeper than MAX_DEPTH or
 * seen twice is cut.
 */
export function scrubLogRecord(record: Record<string, unknown>): Record<string, unknown> {
  return scrubObject(record, 0, new WeakSet()) as Record<string, unknown>;
}

/** scrubLogRecord on one JSON log line as pino writes it. */
export function scrubLogLine(line: string): string {
  try {
    return `${JSON.stringify(scrubLogRecord(JSON.parse(line) as Record<string, unknown>))}\n`;
  } catch {
    return `${JSON.stringify({ level: 50, msg: 'a log line that is not JSON was dropped' })}\n`;
  }
}

function scrubValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[TOO DEEP]';
  if (seen.has(value)) return '[CIRCULAR]';
  if (value instanceof Error) return scrubObject(pino.stdSerializers.errWithCause(value), depth, seen);
  if (Array.isArray(value)) {
    seen.add(value);
    return value.map((v) => scrubValue(v, depth + 1, seen));
  }
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  return scrubObject(value as Record<string, unknown>, depth, seen);
}

function scrubObject(obj: object, depth: number, seen: WeakSet<object>): object {
  seen.add(obj);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const k = normalizeKey(key);
    out[key] =
      SENSITIVE_KEYS.has(k) || (depth === 0 && TOP_LEVEL_SENSITIVE_KEYS.has(k))
        ? CENSOR
        : scrubValue(value, depth + 1, seen);
  }
  return out;
}

export interface LoggerOptions {
  level: Config['log']['level'];
  format: Config['log']['format'];
  /** Which standard stream to write to (default stdout). */
  fd?: 1 | 2;
  /** Write here instead (tests pass a stream to inspect what was logged). */
  destination?: NodeJS.WritableStream;
  base?: Record<string, unknown>;
}

/**
 * The test suite's log capture (test/helpers/log-capture.ts): when BBSYNC_TEST_LOG_CAPTURE names
 * a directory (and NODE_ENV is not production), every line this process logs is also appended to
 * `log.jsonl` there, exactly as written (after scrubbing), so the suite can check all it logged.
 */
function captureLine(env: NodeJS.ProcessEnv = process.env): ((line: string) => void) | undefined {
  const dir = env.NODE_ENV === 'production' ? undefined : env.BBSYNC_TEST_LOG_CAPTURE;
  if (!dir) return undefined;
  const file = join(dir, 'log.jsonl');
  let failed = false;
  return (line) => {
    if (failed) return;
    try {
      appendFileSync(file, line);
    } catch (err) {
      failed = true;
      process.stderr.write(`bbsync: log capture to ${file} stopped: ${(err as Error).message}\n`);
    }
  };
}

export function createLogger(options: LoggerOptions): Logger {
  const capture = captureLine();
  const fd = options.fd ?? 1;
  const tty = fd === 1 ? process.stdout.isTTY : process.stderr.isTTY;
  const pretty = options.format === 'pretty' || (options.format === 'auto' && !options.destination && tty);
  const common = {
    level: options.level,
    base: options.base ?? { pid: process.pid },
    // On the finished line, so a child's bindings and serialized errors (with their causes) are
    // scrubbed too; a log line is small, and parsing it again costs microseconds.
    hooks: {
      streamWrite: (line: string) => {
        const out = scrubLogLine(line);
        capture?.(out);
        return out;
      },
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (pretty) {
    return pino({
      ...common,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination: fd },
      },
    });
  }
  return pino(
    common,
    (options.destination ?? pino.destination({ fd, sync: false })) as pino.DestinationStream,
  );
}
