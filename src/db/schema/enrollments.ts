/**
 * Enrollments and the token vault (src/enrollment). Tokens are stored only as AES-256-GCM
 * ciphertexts that name their key (see src/enrollment/crypto.ts).
 */
import { boolean, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';

import { tstz, tstzDefaultNow } from './columns.ts';

export const enrollments = pgTable(
  'enrollments',
  {
    enrollment_id: text('enrollment_id').primaryKey(),
    /** BB2's patient id from the token response (`patient`). One enrollment per patient. */
    patient_id: text('patient_id').notNull(),
    /**
     * 'active' | 'reauth_required' (BB2 no longer takes the grant) | 'expired' (the data access
     * grant ended: past access_grant_expiration, BB2's "User access has timed out", or a ONE_TIME
     * token expired) | 'completed' (a ONE_TIME grant synced once) | 'revoking' | 'revoked'. Only
     * `active` ones are synced; `reauth_required`, `expired` and `completed` become `active` when
     * the beneficiary connects again. `revoking`: an unenroll was asked and has not finished (BB2
     * not told yet, or the local purge not committed); the janitor and `bbsync unenroll` resume it.
     */
    status: text('status').notNull(),
    /** When `status` last changed (kept by a trigger); retention counts from here. */
    status_changed_at: tstzDefaultNow('status_changed_at'),
    /** For a `revoking` enrollment: whether its data is to be deleted, and who asked. */
    revoke_purge: boolean('revoke_purge'),
    revoke_actor: text('revoke_actor'),
    /** When the beneficiary's data was deleted (an unenroll's purge or retention). */
    data_purged_at: tstz('data_purged_at'),
    /** The scopes BB2 granted, space-separated, as granted (may lack the demographic scopes). */
    scope: text('scope').notNull(),
    /** The BB2 API version ('v2' | 'v3') that issued the tokens; they are used with it only. */
    api_version: text('api_version').notNull().default('v2'),
    /**
     * v3: whether the beneficiary shared SAMHSA (42 CFR Part 2) data on the consent page, as read
     * from BB2's EOB search links; NULL until known (and always for v2, where BB2 shares it).
     */
    samhsa_shared: boolean('samhsa_shared'),
    /**
     * When BB2 refused ExplanationOfBenefit to this token (403 "You do not have permission": a
     * Part-D-only application, or no SAMHSA consent): EOB is not asked for again until the
     * beneficiary connects again or an operator clears it; Patient and Coverage still sync.
     */
    eob_forbidden_at: tstz('eob_forbidden_at'),
    /**
     * When the data access grant ends (NULL: never, RESEARCH_STUDY apps); a ONE_TIME grant ends
     * with its first access token. Past it, no request is made and the enrollment is `expired`.
     */
    access_grant_expiration: tstz('access_grant_expiration'),
    refresh_token_ciphertext: text('refresh_token_ciphertext'),
    access_token_ciphertext: text('access_token_ciphertext'),
    access_token_expires_at: tstz('access_token_expires_at'),
    /** Bumped on every token change: a fence against writing over a newer token. */
    token_version: integer('token_version').notNull().default(0),
    enrolled_at: tstzDefaultNow('enrolled_at'),
    last_refresh_at: tstz('last_refresh_at'),
    revoked_at: tstz('revoked_at'),
    /** The last failure of this enrollment's tokens or syncs: a category from src/errors.ts. */
    last_error_category: text('last_error_category'),
    last_error_message: text('last_error_message'),
    last_error_at: tstz('last_error_at'),
    created_at: tstzDefaultNow('created_at'),
    updated_at: tstzDefaultNow('updated_at'),
  },
  (t) => [
    uniqueIndex('enrollments_patient_idx').on(t.patient_id),
    index('enrollments_status_idx').on(t.status),
  ],
);

/** Browser-bound state of authorizations in progress (PKCE verifier and state), short-lived. */
export const authorizationRequests = pgTable('authorization_requests', {
  /** sha256 of the `state` parameter; the state itself is only in the user's signed cookie. */
  state_hash: text('state_hash').primaryKey(),
  /** The PKCE code verifier, encrypted like tokens. */
  code_verifier_ciphertext: text('code_verifier_ciphertext').notNull(),
  created_at: tstzDefaultNow('created_at'),
  expires_at: tstz('expires_at').notNull(),
  used_at: tstz('used_at'),
});
