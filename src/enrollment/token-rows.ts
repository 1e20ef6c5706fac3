/**
 * An enrollment's token columns as the vault reads them, and the errors of an enrollment that
 * cannot hand out tokens.
 */
import type { ApiVersion } from '../bluebutton/api-version.ts';
import { BbsyncError } from '../errors.ts';
import { secretAad } from './crypto.ts';

/**
 * `expired`: the data access grant ended (BB2_DATA_ACCESS_TYPE); `completed`: a ONE_TIME grant
 * was synced once and will not be again. Both wait for the beneficiary to connect again.
 */
export type EnrollmentStatus =
  'active' | 'reauth_required' | 'expired' | 'completed' | 'revoking' | 'revoked';

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

export interface TokenRow {
  enrollment_id: string;
  patient_id: string;
  status: EnrollmentStatus;
  scope: string;
  refresh_token_ciphertext: string | null;
  access_token_ciphertext: string | null;
  access_token_expires_at: string | null;
  api_version: ApiVersion;
}

export const TOKEN_COLUMNS =
  'enrollment_id, patient_id, status, scope, refresh_token_ciphertext, access_token_ciphertext, access_token_expires_at, api_version';

export const refreshAad = secretAad.refresh;
export const accessAad = secretAad.access;
