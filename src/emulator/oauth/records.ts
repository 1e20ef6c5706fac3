/**
 * What the emulator's OAuth state holds (clients, pending authorizations, codes, tokens, grants),
 * the lifetimes BB2 gives them, and the token and date formats it uses.
 */
import { randomBytes } from 'node:crypto';

export interface ClientRegistration {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Shown on the consent page. Defaults to the client id. */
  name?: string;
  /**
   * BB2's data access type (apps/dot_ext/models.py, in force since 2024-12): how long a grant
   * lasts. Default THIRTEEN_MONTH (the model default, what sandbox apps get).
   */
  dataAccessType?: DataAccessType;
  /** Whether the app may ask for the demographic scopes (`profile`, `patient/Patient.*`). Default true. */
  requireDemographicScopes?: boolean;
  /** False when CMS has made the application inactive. Default true. */
  active?: boolean;
  /** A Part-D-only application: v2 ExplanationOfBenefit answers 403. Default false. */
  partDOnly?: boolean;
}

export const DATA_ACCESS_TYPES = ['THIRTEEN_MONTH', 'RESEARCH_STUDY', 'ONE_TIME'] as const;
export type DataAccessType = (typeof DATA_ACCESS_TYPES)[number];

export interface PendingAuthorization {
  readonly uuid: string;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly codeChallenge: string;
  readonly scopes: readonly string[];
  /** The authorize query BB2 would carry to the consent URL. */
  readonly query: string;
  readonly createdAt: number;
  patientId?: string;
  username?: string;
}

export interface AuthorizationCode {
  readonly code: string;
  readonly clientId: string;
  readonly patientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
}

export interface AccessTokenRecord {
  readonly token: string;
  readonly clientId: string;
  readonly patientId: string;
  readonly scopes: readonly string[];
  expiresAt: number;
  refreshToken?: string;
}

export interface RefreshTokenRecord {
  readonly token: string;
  readonly clientId: string;
  readonly patientId: string;
  /** The scopes of the access token issued with it: what a refresh may ask for. */
  readonly scopes: readonly string[];
  accessToken?: string;
  revoked: boolean;
  /** The refresh token that replaced this one when it was used (rotation). */
  successor?: string;
  /** Whether this token reached the client in a 200 (a refresh-time 502 never delivers it). */
  delivered?: boolean;
}

export interface DataAccessGrant {
  readonly clientId: string;
  readonly patientId: string;
  /** Time of the last authorization. */
  authorizedAt: number;
  /**
   * THIRTEEN_MONTH: 13 months after the last authorization; ONE_TIME: when the first access token
   * expires; RESEARCH_STUDY: never (Infinity).
   */
  expiresAt: number;
}

/** DOT's authorization code lifetime (AUTHORIZATION_CODE_EXPIRE_SECONDS). */
export const CODE_TTL_MS = 60_000;
/** How long a started authorization waits for login and consent. */
export const PENDING_TTL_MS = 30 * 60_000;

const TOKEN_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** oauthlib's `generate_token()`: 30 characters from letters and digits. */
export function generateToken(length = 30): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += TOKEN_CHARS[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** `date + relativedelta(months=n)`: the same day of the month, clamped to the month's end. */
export function addMonths(epochMs: number, months: number): number {
  const d = new Date(epochMs);
  const target = new Date(
    Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth() + months,
      1,
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    ),
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.getTime();
}

/** `%Y-%m-%dT%H:%M:%SZ`; a grant that never ends (RESEARCH_STUDY) is `""`. */
export function formatGrantExpiration(epochMs: number): string {
  if (!Number.isFinite(epochMs)) return '';
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function pairKey(clientId: string, patientId: string): string {
  return `${clientId}\u0000${patientId}`;
}
