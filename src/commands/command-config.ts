/**
 * What every command starts from: the validated configuration and a logger. Reading the
 * environment happens here, once per process.
 */
import { existsSync } from 'node:fs';

import { loadConfig, type Config } from '../config.ts';
import { createLogger, type Logger } from '../logger.ts';

export interface CommandContext {
  config: Config;
  log: Logger;
}

let cached: Config | undefined;

/** Loads `.env` from the working directory when present (real environment variables win). */
export function commandConfig(): Config {
  if (!cached) {
    if (existsSync('.env')) process.loadEnvFile('.env');
    cached = loadConfig(process.env);
  }
  return cached;
}

/**
 * One-shot commands log to stderr so their stdout holds only the result (a summary, CSV, JSON),
 * and only warnings unless LOG_LEVEL says otherwise; long-running services (worker, server,
 * emulator) log to stdout at LOG_LEVEL.
 */
export function commandContext(options: { service?: boolean } = {}): CommandContext {
  const config = commandConfig();
  const log = createLogger({
    level: options.service || config.log.levelSet ? config.log.level : 'warn',
    format: config.log.format,
    fd: options.service ? 1 : 2,
  });
  if (config.ignoredFailpoints.length > 0) {
    log.warn(
      { failpoints: config.ignoredFailpoints },
      'BBSYNC_FAILPOINTS is ignored because NODE_ENV=production (crash points are for tests only)',
    );
  }
  return { config, log };
}
