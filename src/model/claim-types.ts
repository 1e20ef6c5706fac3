/**
 * The eight claim types BB2 serves, as they appear in an EOB id (`carrier--10045426206`) and in
 * `claims.claim_type`. Shared by the mapper that assigns them and the views that count them.
 */
export const CLAIM_TYPES = [
  'carrier',
  'dme',
  'hha',
  'hospice',
  'inpatient',
  'outpatient',
  'pde',
  'snf',
] as const;

export type ClaimType = (typeof CLAIM_TYPES)[number];
