/**
 * Every BB2 URL, derived in one place from the base URL and the API version (BB2_API_VERSION).
 * v3 mirrors v2's paths under `/v3/` (../shared/reference/bb2-v3.md sections 1, 2 and 8; WS
 * `apps/dot_ext/v3/urls.py`, `apps/fhir/bluebutton/v3/urls.py`). A token is only ever used with
 * the version that issued it: BB2 says v2 and v3 tokens "aren't compatible", and a v3 token whose
 * beneficiary did not share SAMHSA data is refused on v2 EOB searches.
 */
import type { ApiVersion } from '../model/resources.ts';

export type { ApiVersion } from '../model/resources.ts';
export const API_VERSIONS = ['v2', 'v3'] as const satisfies readonly ApiVersion[];

export interface Bb2Endpoints {
  authorize: string;
  token: string;
  /** RFC 7009 revocation of one token. */
  revokeToken: string;
  /** BB2's own revocation: revokes the token and deletes the data access grant. */
  revokeGrant: string;
  userinfo: string;
  /** The FHIR base, without a trailing slash: `<base>/v2/fhir`. */
  fhir: string;
  smartConfiguration: string;
  metadata: string;
  /** v3 only: `Patient/$generate-insurance-card` (the Digital Insurance Card). */
  insuranceCard: string | undefined;
}

export function bb2Endpoints(baseUrl: string, version: ApiVersion): Bb2Endpoints {
  const base = `${baseUrl.replace(/\/+$/, '')}/${version}`;
  return {
    authorize: `${base}/o/authorize/`,
    token: `${base}/o/token/`,
    revokeToken: `${base}/o/revoke_token/`,
    revokeGrant: `${base}/o/revoke/`,
    userinfo: `${base}/connect/userinfo`,
    fhir: `${base}/fhir`,
    smartConfiguration: `${base}/fhir/.well-known/smart-configuration`,
    metadata: `${base}/fhir/metadata`,
    insuranceCard: version === 'v3' ? `${base}/fhir/Patient/$generate-insurance-card` : undefined,
  };
}

/** Where the `_security:not=42CFRPart2` filter BB2 adds for a beneficiary who did not share SAMHSA data shows. */
const SAMHSA_FILTER = /_security(?::|%3A)not=42CFRPart2/i;

/**
 * Whether the beneficiary shared SAMHSA (42 CFR Part 2) data, read from a v3 EOB search Bundle's
 * links: when the box on the consent page was left unchecked, BB2 adds `_security:not=42CFRPart2`
 * to the upstream query, and BFD's links echo the upstream query (inferred: WS
 * `apps/fhir/bluebutton/views/generic.py`; BFD `FhirUtil.applyBundleLinks`). BB2 sends the
 * choice nowhere else. Undefined when the Bundle has no links to read.
 */
export function samhsaSharedFromLinks(
  links: readonly { relation?: string; url?: string }[] | undefined,
): boolean | undefined {
  const urls = (links ?? []).map((l) => l.url).filter((u): u is string => typeof u === 'string');
  if (urls.length === 0) return undefined;
  return !urls.some((u) => SAMHSA_FILTER.test(u));
}
