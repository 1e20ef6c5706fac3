/** Which of BB2's eight claim types an ExplanationOfBenefit is. */
import { CLAIM_TYPES, type ClaimType } from '../../model/claim-types.ts';
import { CMS_CODESYSTEM, codingBySystem, type JsonObject } from '../read.ts';

export { CLAIM_TYPES, type ClaimType };

/** Carrier and DME: line-level professional money (allowed amounts, deductible + coinsurance). */
export const PROFESSIONAL: ReadonlySet<ClaimType> = new Set(['carrier', 'dme']);

const EOB_TYPE_SYSTEM = `${CMS_CODESYSTEM}eob-type`;

/**
 * The claim type, from the id prefix (`carrier--10045426206`: split on the first hyphen only) or
 * from the `eob-type` code. Never from the profile: BFD puts HHA under a professional profile and
 * DME under an institutional one.
 */
export function claimTypeOf(resource: JsonObject, id: string): ClaimType | undefined {
  const prefix = id.slice(0, Math.max(0, id.indexOf('-'))).toLowerCase();
  if ((CLAIM_TYPES as readonly string[]).includes(prefix)) return prefix as ClaimType;
  const code = codingBySystem(resource.type, EOB_TYPE_SYSTEM)?.code?.toLowerCase();
  if (code && (CLAIM_TYPES as readonly string[]).includes(code)) return code as ClaimType;
  return undefined;
}
