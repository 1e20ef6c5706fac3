/**
 * An enrollment's token columns as the vault reads them, and the errors of an enrollment that
 * cannot hand out tokens.
 */
import { BbsyncError } from '../errors.ts';
import { secretAad } from './crypto.ts';

export type { EnrollmentStatus, TokenRow } from '../model/token-row.ts';

/** The enrollment is not active: revoked, or waiting for the beneficiary to connect again. */
export class EnrollmentInactiveError extends BbsyncError {
  constructor(
    readonly enrollmentId: string,
    readonly status: string,
  ) {
    super(`enrollment ${enrollmentId} is ${status}`, 'reauth_required');
  }
}

export class UnknownEnrollmentError extends Error {
  constructor(readonly enrollmentId: string) {
    super(`no enrollment ${enrollmentId}`);
    this.name = 'UnknownEnrollmentError';
  }
}

export const TOKEN_COLUMNS =
  'enrollment_id, patient_id, status, scope, refresh_token_ciphertext, access_token_ciphertext, access_token_expires_at, api_version';

export const refreshAad = secretAad.refresh;
export const accessAad = secretAad.access;
