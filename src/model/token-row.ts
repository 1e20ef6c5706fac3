/**
 * An enrollment's token columns as stored, the secrets encrypted: what the token vault reads, and
 * what a sync's start reads with its lock (db/walks.ts) so the vault need not read them again.
 */
import type { ApiVersion } from './resources.ts';

/**
 * `expired`: the data access grant ended (BB2_DATA_ACCESS_TYPE); `completed`: a ONE_TIME grant
 * was synced once and will not be again. Both wait for the beneficiary to connect again.
 */
export type EnrollmentStatus =
  'active' | 'reauth_required' | 'expired' | 'completed' | 'revoking' | 'revoked';

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
