/**
 * pino, JSON in production and pretty in a terminal. The redact list is a second line of defence:
 * the first is never to log tokens, bodies or patient identifiers at all.
 */
import { pino, type Logger } from 'pino';

import type { Config } from './config.ts';

export type { Logger };

/** Paths pino censors. `*.x` matches exactly one level, so the common shapes are listed. */
export const REDACT_PATHS = [
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'code',
  'code_verifier',
  'token',
  'tokens',
  'password',
  'authorization',
  'cookie',
  'patient',
  'patientId',
  'patient_id',
  'mbi',
  'name',
  'birthDate',
  'resource',
  'bundle',
  'body',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.client_secret',
  '*.code_verifier',
  '*.token',
  '*.password',
  '*.authorization',
  '*.cookie',
  '*.patient',
  '*.patientId',
  '*.patient_id',
  '*.mbi',
  '*.resource',
  '*.bundle',
  '*.body',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'err.cause.refresh_token',
  'err.cause.access_token',
];

export interface LoggerOptions {
  level: Config['log']['level'];
  format: Config['log']['format'];
  /** Which standard stream to write to (default stdout). */
  fd?: 1 | 2;
  /** Write here instead (tests pass a stream to inspect what was logged). */
  destination?: NodeJS.WritableStream;
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions): Logger {
  const fd = options.fd ?? 1;
  const tty = fd === 1 ? process.stdout.isTTY : process.stderr.isTTY;
  const pretty = options.format === 'pretty' || (options.format === 'auto' && !options.destination && tty);
  const common = {
    level: options.level,
    base: options.base ?? { pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
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
