/**
 * Unenrolling: revoke the grant at BB2 (`/v2/o/revoke/` with an access token deletes the data
 * access grant), forget the tokens, and with PURGE_ON_REVOKE delete the patient's data.
 */
import type { OAuthClient } from '../bluebutton/oauth.ts';
import type { Pool } from '../db/client.ts';
import { recordAudit } from '../db/audit.ts';
import { BbsyncError, ReauthRequiredError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { EnrollmentInactiveError, type TokenVault } from './tokens.ts';

export interface UnenrollDeps {
  pool: Pool;
  vault: TokenVault;
  oauth: OAuthClient;
  log: Logger;
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
  let revokedAtBb2 = false;
  try {
    const grant = await deps.vault.getAccessToken(enrollmentId);
    await deps.oauth.revokeGrant(grant.accessToken, grant.apiVersion);
    revokedAtBb2 = true;
  } catch (err) {
    // A grant that is already gone at BB2 (revoked, expired, re-consent pending) needs no revoking.
    const alreadyGone = err instanceof ReauthRequiredError || err instanceof EnrollmentInactiveError;
    if (!alreadyGone) {
      const reason = err instanceof BbsyncError ? err.message : String(err);
      throw new BbsyncError(
        `could not revoke enrollment ${enrollmentId} at Blue Button (${reason}); nothing was changed, try again`,
        err instanceof BbsyncError ? err.category : 'internal',
      );
    }
  }
  const { purgedRows } = await deps.vault.markRevoked(enrollmentId, { purge: options.purge });
  await recordAudit(deps.pool, {
    actor: options.actor,
    action: 'revoke',
    target: enrollmentId,
    details: { revokedAtBb2, purged: options.purge, purgedRows },
  });
  deps.log.info({ enrollmentId, revokedAtBb2, purged: options.purge }, 'enrollment revoked');
  return { revokedAtBb2, purgedRows };
}
