import { userInfo } from 'node:os';

import { requireBb2Client, requireTokenKeys } from '../config.ts';
import { databaseName } from '../db/client.ts';
import { unenroll } from '../enrollment/unenroll.ts';
import { InputError } from '../errors.ts';
import { makeFailpoint } from '../failpoints.ts';
import { commandContext } from './command-config.ts';
import { openDatabase } from './database.ts';
import { buildBb2Services } from '../services.ts';

export async function runUnenroll(
  enrollmentId: string,
  options: { purge?: boolean; keepData?: boolean },
): Promise<void> {
  const { config, log } = commandContext();
  requireBb2Client(config);
  requireTokenKeys(config);
  const purge = options.purge ? true : options.keepData ? false : config.tokens.purgeOnRevoke;
  const pool = await openDatabase(config.databaseUrl, { max: 2, applicationName: 'bbsync-unenroll' });
  try {
    // Said before anything is asked of Blue Button: an id that does not exist, or one already revoked.
    const { rows } = await pool.query<{ status: string; revoked_at: string | null }>(
      'SELECT status, revoked_at FROM enrollments WHERE enrollment_id = $1',
      [enrollmentId],
    );
    const known = rows[0];
    if (!known) {
      throw new InputError(
        `no enrollment ${enrollmentId} in database "${databaseName(config.databaseUrl)}"; nothing was changed (the dashboard's /enrollments page lists them)`,
      );
    }
    if (known.status === 'revoked' && !purge) {
      process.stdout.write(
        `enrollment ${enrollmentId} is already revoked${known.revoked_at ? ` (since ${known.revoked_at.slice(0, 16).replace('T', ' ')} UTC)` : ''}; nothing to do (add --purge to delete its data)\n`,
      );
      return;
    }
    const services = buildBb2Services(config, log, pool);
    const result = await unenroll(
      {
        pool,
        log,
        vault: services.vault,
        oauth: services.oauth,
        failpoint: makeFailpoint(config.failpoints),
      },
      enrollmentId,
      {
        purge,
        actor: `cli:${userInfo().username}`,
      },
    );
    const where =
      known.status === 'revoked'
        ? 'was already revoked'
        : result.revokedAtBb2
          ? 'revoked at Blue Button and here'
          : `revoked here (Blue Button no longer held its grant${known.status === 'active' ? '' : `; the enrollment was ${known.status}`})`;
    process.stdout.write(
      `enrollment ${enrollmentId} ${where}${purge ? `; deleted ${result.purgedRows} row(s) of its data` : '; its data is kept'}\n`,
    );
  } finally {
    await pool.end();
  }
}
