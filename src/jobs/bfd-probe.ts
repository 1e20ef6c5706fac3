/**
 * Learning BFD's current transaction time with one cheap request: an ExplanationOfBenefit search
 * of one entry, after the last transaction time we know (`_lastUpdated=gt`, which BFD answers
 * cheaply with an empty Bundle when nothing loaded since), with the token of an active enrollment
 * whose access token is still fresh (no refresh needed). Every BB2 search Bundle carries BFD's
 * transaction time in `Bundle.meta.lastUpdated` (../shared/reference/bb2-api.md, "Other paging
 * behaviour"). The entry, if any, is discarded unread.
 */
import type { FhirClient } from '../bluebutton/fhir-reads.ts';
import type { ApiVersion } from '../bluebutton/api-version.ts';
import type { Pool } from '../db/client.ts';
import { parseTransactionTime } from '../db/schedule.ts';
import type { TokenVault } from '../enrollment/tokens.ts';
import { AppInactiveError, classifyError, RateLimitedError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export interface ProbeDeps {
  pool: Pool;
  vault: TokenVault;
  fhir: FhirClient;
  log: Logger;
}

export type ProbeResult =
  { ok: true; transactionTime: string; requests: number } | { ok: false; error: string; requests: number };

/** How many enrollments' tokens to try before giving up for this run. */
const CANDIDATES = 3;

export async function probeTransactionTime(deps: ProbeDeps, known: string | null): Promise<ProbeResult> {
  // The freshest access tokens first: no refresh request, no refresh token spent.
  const { rows } = await deps.pool.query<{ enrollment_id: string; api_version: ApiVersion }>(
    `SELECT enrollment_id, api_version FROM enrollments
      WHERE status = 'active' AND refresh_token_ciphertext IS NOT NULL
      ORDER BY access_token_expires_at DESC NULLS LAST LIMIT ${CANDIDATES}`,
  );
  let requests = 0;
  let error = 'no active enrollment to ask with';
  for (const candidate of rows) {
    try {
      const grant = await deps.vault.getAccessToken(candidate.enrollment_id);
      const url = new URL(deps.fhir.searchUrl('ExplanationOfBenefit', known, candidate.api_version));
      url.searchParams.set('_count', '1');
      requests++;
      const { bundle } = await deps.fhir.getPage(url.toString(), grant.accessToken);
      const transactionTime = parseTransactionTime(bundle.meta?.lastUpdated);
      if (transactionTime) return { ok: true, transactionTime, requests };
      error = 'BB2 sent a search Bundle without a usable meta.lastUpdated';
    } catch (err) {
      error = classifyError(err).message;
      deps.log.warn(
        { enrollmentId: candidate.enrollment_id, category: classifyError(err).category, error },
        'transaction time probe failed',
      );
      // Asking with another enrollment's token would get the same answer.
      if (err instanceof RateLimitedError || err instanceof AppInactiveError) break;
    }
  }
  return { ok: false, error, requests };
}
