/**
 * The last step of a v3 sync: the beneficiary's Digital Insurance Card
 * (`Patient/$generate-insurance-card`), stored in insurance_cards (docs/v3.md). BB2 answers it only
 * to a token holding a Patient and a Coverage read scope, so without both it is not asked for.
 * The card is secondary to the claims: a refusal, an outage or a body that is not a card leaves
 * the stored card as it is and the sync succeeds (the next sync asks again); only a lost grant, an
 * enrollment revoked or purged meanwhile, or a shutdown stop the sync, as they would any walk.
 */
import { utf8Text } from '../bluebutton/http.ts';
import { walkPages, type AccessTokenSource } from '../bluebutton/walk.ts';
import type { FhirClient } from '../bluebutton/fhir-reads.ts';
import type { Pool } from '../db/client.ts';
import { saveInsuranceCard } from '../db/insurance-cards.ts';
import { AppInactiveError, BbsyncError, EnrollmentNotActiveError, ReauthRequiredError } from '../errors.ts';
import { parseInsuranceCard } from '../fhir/v3/insurance-card.ts';
import type { Logger } from '../logger.ts';

const PATIENT_READ = /^patient\/Patient\.(read|r|rs)$/;
const COVERAGE_READ = /^patient\/Coverage\.(read|s|rs)$/;

/** BB2's rule for the card (WS insurancecard.py): one Patient and one Coverage read scope. */
export function scopeAllowsInsuranceCard(scope: string): boolean {
  const scopes = scope.split(/\s+/);
  return scopes.some((s) => PATIENT_READ.test(s)) && scopes.some((s) => COVERAGE_READ.test(s));
}

export type InsuranceCardOutcome = 'stored' | 'unchanged' | 'not_allowed' | 'skipped';

export async function syncInsuranceCard(
  deps: { pool: Pool; fhir: FhirClient; log: Logger },
  e: { enrollmentId: string; patientId: string; scope: string },
  options: {
    tokens: AccessTokenSource;
    signal?: AbortSignal;
    onRequest: () => void;
    interrupted: () => void;
  },
): Promise<InsuranceCardOutcome> {
  if (!scopeAllowsInsuranceCard(e.scope)) return 'not_allowed';
  const url = deps.fhir.insuranceCardUrl();
  try {
    const walk = walkPages({
      fhir: deps.fhir,
      firstUrl: url,
      tokens: options.tokens,
      read: (body, from) => ({
        next: null,
        received: parseInsuranceCard(utf8Text(body), new URL(from).pathname),
      }),
      beforePage: options.interrupted,
      ...(options.signal ? { signal: options.signal } : {}),
      maxPages: 1,
      onRequest: options.onRequest,
    });
    for await (const { page } of walk) {
      const changed = await saveInsuranceCard(deps.pool, {
        patientId: e.patientId,
        enrollmentId: e.enrollmentId,
        bundle: page.received.bundle,
        contentHash: page.received.contentHash,
        plans: page.received.card.plans.map((p) => p.plan),
      });
      return changed ? 'stored' : 'unchanged';
    }
    return 'skipped';
  } catch (err) {
    const stops =
      err instanceof ReauthRequiredError ||
      err instanceof AppInactiveError ||
      err instanceof EnrollmentNotActiveError ||
      options.signal?.aborted ||
      !(err instanceof BbsyncError);
    if (stops) throw err;
    // Category and message only: neither holds the card's content.
    deps.log.warn({ category: err.category }, `insurance card not updated: ${err.message}`);
    return 'skipped';
  }
}
