/**
 * The emulator (our only stand-in, for BB2) and the configuration that points the pipeline at it.
 */
import { Writable } from 'node:stream';

import { inject } from 'vitest';

import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger, type Logger } from '../../src/logger.ts';
import {
  DEFAULT_CLIENT,
  startEmulator,
  type EmulatorOptions,
  type RunningEmulator,
} from '../../src/emulator/index.ts';

/** A fixed key for tests (never used outside them). */
export const TEST_KEY = 'test1:' + Buffer.alloc(32, 7).toString('base64');
export const OTHER_TEST_KEY = 'test2:' + Buffer.alloc(32, 9).toString('base64');

export async function startTestEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return startEmulator({ host: '127.0.0.1', port: 0, users: 50, seed: 7, ...options });
}

/** The environment a command or child process needs to work against this emulator and database. */
export function testEnv(
  emulator: RunningEmulator,
  databaseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    REDIS_URL: inject('redisUrl'),
    BB2_BASE_URL: emulator.url,
    BB2_CLIENT_ID: DEFAULT_CLIENT.clientId,
    BB2_CLIENT_SECRET: DEFAULT_CLIENT.clientSecret,
    BB2_REDIRECT_URI: DEFAULT_CLIENT.redirectUris[0]!,
    TOKEN_ENCRYPTION_KEY: TEST_KEY,
    BB2_MAX_REQUESTS_PER_SECOND: '1000',
    ...extra,
  };
}

export function testConfig(
  emulator: RunningEmulator,
  databaseUrl: string,
  extra: Record<string, string> = {},
): Config {
  return loadConfig(testEnv(emulator, databaseUrl, extra));
}

/** A logger whose every line is kept, so a test can search what was logged. */
export function capturingLogger(level: 'info' | 'debug' = 'debug'): { log: Logger; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ level, format: 'json', destination: stream });
  return { log, text: () => chunks.join('') };
}

/** Every issued token found in `text` (there should be none). */
export function leakedTokens(emulator: RunningEmulator, text: string): string[] {
  return emulator.issuedTokens().filter((t) => text.includes(t));
}
