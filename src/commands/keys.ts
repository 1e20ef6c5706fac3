import { userInfo } from 'node:os';

import { randomBytes } from 'node:crypto';

import { requireTokenKeys } from '../config.ts';
import { KeyRing } from '../enrollment/crypto.ts';
import { rotateKeys } from '../enrollment/key-rotation.ts';
import { recordAudit } from '../db/audit.ts';
import { commandContext } from './command-config.ts';
import { openDatabase } from './database.ts';

/** Prints a new 32-byte key in TOKEN_ENCRYPTION_KEY's `id:base64` form. */
export function runGenKey(options: { id?: string }): void {
  // The id was checked by the command line against the rule TOKEN_ENCRYPTION_KEY applies.
  const id = options.id ?? `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`;
  process.stdout.write(`${id}:${randomBytes(32).toString('base64')}\n`);
}

export async function runRotateKey(): Promise<void> {
  const { config } = commandContext();
  requireTokenKeys(config);
  const pool = await openDatabase(config.databaseUrl, { max: 2, applicationName: 'bbsync-rotate-key' });
  try {
    const keys = new KeyRing(config.tokens.keys);
    const { reencrypted } = await rotateKeys(pool, keys);
    await recordAudit(pool, {
      actor: `cli:${userInfo().username}`,
      action: 'rotate-key',
      details: { activeKey: keys.activeKeyId, reencrypted },
    });
    process.stdout.write(
      `re-encrypted ${reencrypted} secret(s) under key "${keys.activeKeyId}"; keys no longer in use can now be removed from TOKEN_ENCRYPTION_KEY\n`,
    );
  } finally {
    await pool.end();
  }
}
