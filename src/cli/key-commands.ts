/**
 * The commands for secrets: token encryption keys and the dashboard password hash.
 * Each command's code is imported only when it runs (see src/cli.ts).
 */
import { Command } from 'commander';

import { keyId } from '../commands/options.ts';
import { lazyAction } from './lazy-action.ts';

/** `bbsync gen-key` */
export function addGenKeyCommand(program: Command): void {
  program
    .command('gen-key')
    .description('Print a new random 32-byte key for TOKEN_ENCRYPTION_KEY (or SESSION_SECRET).')
    .option('--id <id>', 'key id: 1-32 letters, digits, _ or - (default: k<today>)', keyId)
    .action(lazyAction(() => import('../commands/keys.ts'), 'runGenKey'));
}

/** `bbsync hash-password` */
export function addHashPasswordCommand(program: Command): void {
  program
    .command('hash-password')
    .description('Print the scrypt hash of a dashboard password, for DASHBOARD_PASSWORD_HASH.')
    .addHelpText(
      'after',
      `
Reads the password from a hidden prompt (asked twice), or from stdin when it is not a terminal
(one trailing newline is dropped). At least 12 characters. The hash looks like
scrypt$32768$8$1$<salt>$<key>; put it in DASHBOARD_PASSWORD_HASH (single-quote it in a shell).

Examples:
  npx bbsync hash-password
  printf %s "$DASHBOARD_PASSWORD" | npx bbsync hash-password`,
    )
    .action(lazyAction(() => import('../commands/hash-password.ts'), 'runHashPassword'));
}

/** `bbsync rotate-key` */
export function addRotateKeyCommand(program: Command): void {
  program
    .command('rotate-key')
    .description(
      'Re-encrypt every stored token under the first key of TOKEN_ENCRYPTION_KEY, so older keys can be retired.',
    )
    .addHelpText(
      'after',
      '\nRotate in three steps: put the new key first in TOKEN_ENCRYPTION_KEY (keep the old ones after it),\nrun `bbsync rotate-key`, then remove the old keys.',
    )
    .action(lazyAction(() => import('../commands/keys.ts'), 'runRotateKey'));
}
