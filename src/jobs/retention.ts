/**
 * Job: retention (RETENTION_DAYS_AFTER_REVOKE, off by default). Deletes the data of enrollments
 * that stayed `reauth_required` or `revoked` longer than the setting, each in its own transaction
 * holding the locks page writes take, with an audit entry (db/revocations.ts).
 */
import type { Pool } from '../db/client.ts';
import { purgeForRetention, retentionDue } from '../db/revocations.ts';
import type { Logger } from '../logger.ts';

export const RETENTION_JOB = 'retention';

export async function runRetention(deps: {
  pool: Pool;
  log: Logger;
  daysAfterRevoke: number;
}): Promise<{ purged: number }> {
  if (deps.daysAfterRevoke <= 0) return { purged: 0 };
  let purged = 0;
  for (const enrollmentId of await retentionDue(deps.pool, deps.daysAfterRevoke)) {
    if (await purgeForRetention(deps.pool, enrollmentId, deps.daysAfterRevoke)) {
      purged++;
      deps.log.info({ enrollmentId, days: deps.daysAfterRevoke }, 'retention: enrollment data deleted');
    }
  }
  return { purged };
}
