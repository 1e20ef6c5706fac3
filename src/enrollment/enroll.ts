/**
 * Connecting a beneficiary: the authorization-code flow with PKCE. `start` builds the BB2
 * authorization URL and remembers the PKCE verifier under the (random, single-use, short-lived)
 * state; `complete` takes the callback's query, checks the state, exchanges the code and stores
 * the enrollment. The same two calls serve the web pages and the headless synthetic enroller, and
 * nothing in them knows whether BB2 is the real one or the emulator.
 */
import * as client from 'openid-client';

import { AuthorizationDenied, type OAuthClient, type TokenResponse } from '../bluebutton/oauth.ts';
import { BbsyncError, classifyError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { PendingAuthorizations } from './pending-authorizations.ts';
import type { SavedEnrollment, TokenVault } from './tokens.ts';

/** How long a started authorization may take before its link expires. */
export const AUTHORIZATION_TTL_SECONDS = 600;

export type EnrollmentOutcome =
  | { kind: 'connected'; enrollment: SavedEnrollment }
  | { kind: 'denied' }
  | { kind: 'expired' }
  | { kind: 'replayed' }
  /**
   * Blue Button has no data for this beneficiary (its bene_404 page sends the browser back with
   * `error=not_found` and no state: WS apps/mymedicare_cb/views.py, templates/bene_404.html).
   */
  | { kind: 'not_found' }
  /** The callback came to a browser that did not start this authorization. */
  | { kind: 'wrong_browser' }
  | { kind: 'error'; category: string; message: string };

export interface EnrollmentFlowDeps {
  vault: TokenVault;
  pending: PendingAuthorizations;
  oauth: OAuthClient;
  redirectUri: string;
  log: Logger;
}

export function createEnrollmentFlow(deps: EnrollmentFlowDeps) {
  return {
    async start(): Promise<{ url: URL; state: string }> {
      const state = client.randomState(); // 43 characters; BB2 wants at least 16
      const codeVerifier = client.randomPKCECodeVerifier();
      const codeChallenge = await client.calculatePKCECodeChallenge(codeVerifier);
      await deps.pending.save(state, codeVerifier, AUTHORIZATION_TTL_SECONDS);
      return { url: deps.oauth.authorizationUrl({ state, codeChallenge }), state };
    },

    /**
     * @param query the callback's query string parameters
     * @param browserState the state this browser started with (from its signed cookie)
     */
    async complete(query: URLSearchParams, browserState: string | undefined): Promise<EnrollmentOutcome> {
      const state = query.get('state');
      if (!state && query.get('error') === 'not_found') return { kind: 'not_found' };
      if (!state) return { kind: 'error', category: 'fhir_4xx', message: 'the link has no state parameter' };

      // A used or expired link says so whatever the browser; an unused one must come back to the
      // browser that started it.
      const known = await deps.pending.status(state);
      if (known === 'used') return { kind: 'replayed' };
      if (known === 'expired') return { kind: 'expired' };
      if (known === 'unknown' || browserState !== state) return { kind: 'wrong_browser' };

      const pending = await deps.pending.take(state);
      if ('problem' in pending)
        return pending.problem === 'expired' ? { kind: 'expired' } : { kind: 'replayed' };
      const bb2Error = query.get('error');
      if (bb2Error === 'access_denied') return { kind: 'denied' };
      if (bb2Error) {
        return { kind: 'error', category: 'fhir_4xx', message: `Blue Button answered "${bb2Error}"` };
      }

      const callbackUrl = new URL(deps.redirectUri);
      callbackUrl.search = query.toString();
      // BB2 created the grant and spent the code the moment it answered 200: its tokens are saved
      // before openid-client or our checks look at the rest (as a refresh saves a rotated token).
      let saved: SavedEnrollment | undefined;
      try {
        const tokens = await deps.oauth.exchangeCode(callbackUrl, {
          codeVerifier: pending.codeVerifier,
          expectedState: state,
          onTokens: async (granted) => {
            saved = await saveGranted(deps, granted);
          },
        });
        const enrollment = saved ?? (await deps.vault.saveAuthorization(tokens));
        deps.log.info(
          { enrollmentId: enrollment.enrollmentId, reenrolled: enrollment.reenrolled },
          'beneficiary connected',
        );
        return { kind: 'connected', enrollment };
      } catch (err) {
        if (err instanceof AuthorizationDenied && err.error === 'access_denied') return { kind: 'denied' };
        const { category, message } = classifyError(err);
        if (saved) return keptAfterRejection(deps, saved, err);
        deps.log.warn({ category }, 'enrollment could not be completed');
        return { kind: 'error', category, message };
      }
    },
  };
}

export type EnrollmentFlow = ReturnType<typeof createEnrollmentFlow>;

const SAVE_ATTEMPTS = 3;

/** Saves the tokens of a code exchange, retrying a failed write (each try on a pooled connection of its own). */
async function saveGranted(deps: EnrollmentFlowDeps, granted: TokenResponse): Promise<SavedEnrollment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.vault.saveAuthorization(granted);
    } catch (err) {
      const { category, message } = classifyError(err);
      if (attempt >= SAVE_ATTEMPTS) {
        deps.log.error({ category }, 'the tokens of a new enrollment could not be stored: they are lost');
        throw new BbsyncError(`could not store the new enrollment's tokens (${message})`, 'db_error');
      }
      deps.log.warn({ category, attempt }, 'storing a new enrollment failed; retrying');
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

/**
 * BB2 answered 200 and its tokens are stored, but the answer then failed validation: the
 * enrollment keeps them (they are the only ones BB2 will issue for this consent) and the problem is
 * recorded on it for operators; the beneficiary is connected.
 */
async function keptAfterRejection(
  deps: EnrollmentFlowDeps,
  saved: SavedEnrollment,
  err: unknown,
): Promise<EnrollmentOutcome> {
  const { category } = classifyError(err);
  deps.log.warn(
    { enrollmentId: saved.enrollmentId, category },
    "BB2's token answer failed validation after its tokens were stored; the enrollment keeps them",
  );
  await deps.vault
    .recordProblem(saved.enrollmentId, err)
    .catch((recordErr: unknown) =>
      deps.log.warn({ ...classifyError(recordErr), enrollmentId: saved.enrollmentId }, 'could not record it'),
    );
  return { kind: 'connected', enrollment: saved };
}
