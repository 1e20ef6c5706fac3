import { userInfo } from 'node:os';

import { unenroll } from '../enrollment/unenroll.ts';
import { commandContext } from './context.ts';
import { openDatabase } from './database.ts';
import { buildBb2Services } from '../services.ts';

export async function runUnenroll(
  enrollmentId: string,
  options: { purge?: boolean; keepData?: boolean },
): Promise<void> {
  const { config, log } = commandContext();
  const purge = options.purge ? true : options.keepData ? false : config.tokens.purgeOnRevoke;
  const pool = await openDatabase(config.databaseUrl, { max: 2, applicationName: 'bbsync-unenroll' });
  try {
    const services = buildBb2Services(config, log, pool);
    const result = await unenroll({ pool, log, vault: services.vault, oauth: services.oauth }, enrollmentId, {
      purge,
      actor: `cli:${userInfo().username}`,
    });
    process.stdout.write(
      `enrollment ${enrollmentId} revoked${result.revokedAtBb2 ? ' at Blue Button and here' : ' here (its grant was already gone at Blue Button)'}` +
        `${purge ? `; deleted ${result.purgedRows} row(s) of its data` : '; its data is kept'}\n`,
    );
  } finally {
    await pool.end();
  }
}
