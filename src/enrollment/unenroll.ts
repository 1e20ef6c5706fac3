/**
 * Unenrolling: revoke the grant at BB2 (`/v2/o/revoke/` with an access token deletes the data
 * access grant), forget the tokens, and with PURGE_ON_REVOKE (or `--purge`) delete the
 * beneficiary's data. Crash-safe and resumable: the enrollment is `revoking` first, then BB2 is
 * told, then one transaction makes it `revoked`, purges and writes the audit entry
 * (db/revocations.ts). A crash anywhere leaves it `revoking`; the janitor or a second
 * `bbsync unenroll` finishes it.
 */
import type { OAuthClient } from '../bluebutton/oauth.ts';
import type { Pool } from '../db/client.ts';
import { finishRevocation, markRevoking } from '../db/revocations.ts';
import { BbsyncError, ReauthRequiredError } from '../errors.ts';
import type { Failpoint } from '../failpoints.ts';
import type { Logger } from '../logger.ts';
import { EnrollmentInactiveError, type TokenVault } from './tokens.ts';

export interface UnenrollDeps {
  pool: Pool;
  vault: TokenVault;
  oauth: OAuthClient;
  log: Logger;
  failpoint?: Failpoint;
}

export interface UnenrollResult {
  /** Whether BB2 was told; false when the grant was already gone there. */
  revokedAtBb2: boolean;
  purgedRows: number;
}

export async function unenroll(
  deps: UnenrollDeps,
  enrollmentId: string,
  options: { purge: boolean; actor: string },
): Promise<UnenrollResult> {
  const pending = await markRevoking(deps.pool, enrollmentId, options);
  if (!pending) return { revokedAtBb2: false, purgedRows: 0 };
  deps.failpoint?.('unenroll.after-mark-revoking');
  return finishUnenroll(deps, enrollmentId, { resumed: false });
}

/** Steps two and three of an unenroll: BB2, then the local transaction. */
export async function finishUnenroll(
  deps: UnenrollDeps,
  enrollmentId: string,
  options: { resumed: boolean },
): Promise<UnenrollResult> {
  const revokedAtBb2 = await revokeAtBb2(deps, enrollmentId);
  deps.failpoint?.('unenroll.after-bb2-revoke');
  const finished = await finishRevocation(deps.pool, enrollmentId, { revokedAtBb2, ...options });
  deps.log.info(
    { enrollmentId, revokedAtBb2, purged: finished?.purged ?? false, resumed: options.resumed },
    'enrollment revoked',
  );
  return { revokedAtBb2, purgedRows: finished?.purgedRows ?? 0 };
}

async function revokeAtBb2(deps: UnenrollDeps, enrollmentId: string): Promise<boolean> {
  try {
    const grant = await deps.vault.getAccessToken(enrollmentId, { forRevocation: true });
    await deps.oauth.revokeGrant(grant.accessToken, grant.apiVersion);
    return true;
  } catch (err) {
    // A grant that is already gone at BB2 (revoked, expired, re-consent pending) needs no revoking.
    const alreadyGone = err instanceof ReauthRequiredError || err instanceof EnrollmentInactiveError;
    if (alreadyGone) return false;
    const reason = err instanceof BbsyncError ? err.message : String(err);
    throw new BbsyncError(
      `could not revoke enrollment ${enrollmentId} at Blue Button (${reason}); it stays "revoking" and is finished by the next try (bbsync unenroll, or the janitor)`,
      err instanceof BbsyncError ? err.category : 'internal',
    );
  }
}
