/**
 * What v3 says about a claim's version and origin (../shared/reference/bb2-v3.md sections 6-7):
 * the system it came from (`meta.source`, `System-Type` tag), whether it is the final action
 * (`Final-Action` tag), its claim control number and the control numbers it supersedes
 * (`related[]` with relationship `prior`), and whether it carries the SAMHSA (42 CFR Part 2)
 * label. These feed the claim-version rules of the analytics layer.
 */
import type { ClaimRow } from '../../model/analytics-rows.ts';
import type { ClaimType } from '../../model/claim-types.ts';
import type { ClaimVersionFacts } from '../../model/resources.ts';
import { arr, codings, obj, str, type JsonObject } from '../read.ts';
import {
  CLAIM_CONTROL_NUMBER_SYSTEM,
  FINAL_ACTION_SYSTEM,
  SAMHSA_SECURITY_CODE,
  SYSTEM_TYPE_SYSTEM,
} from './codes.ts';
import { supportingCode } from '../eob/supporting-info.ts';

export function claimVersionOf(resource: JsonObject, supporting: Map<string, JsonObject>): ClaimVersionFacts {
  const meta = obj(resource.meta);
  const tag = (system: string) => str(arr(meta?.tag).find((t) => t.system === system)?.code) ?? null;
  const finalTag = tag(FINAL_ACTION_SYSTEM);
  const priors: string[] = [];
  for (const related of arr(resource.related)) {
    const isPrior = codings(related.relationship).some((c) => c.code === 'prior');
    const reference = obj(related.reference);
    const value = str(reference?.value);
    if (isPrior && reference?.system === CLAIM_CONTROL_NUMBER_SYSTEM && value) priors.push(value);
  }
  return {
    source: str(meta?.source) ?? null,
    systemType: tag(SYSTEM_TYPE_SYSTEM),
    finalAction: finalTag === 'FinalAction' ? true : finalTag === 'NotFinalAction' ? false : null,
    controlNumber:
      str(arr(resource.identifier).find((i) => i.system === CLAIM_CONTROL_NUMBER_SYSTEM)?.value) ?? null,
    priorControlNumbers: priors,
    adjustmentTypeCode: supportingCode(supporting.get('CLM_ADJSTMT_TYPE_CD')),
    samhsa: arr(meta?.security).some((s) => s.code === SAMHSA_SECURITY_CODE),
  };
}

/**
 * The analytics layer's claim-version columns from v3's facts: `final_action` is the Final-Action
 * tag; a PDE's CLM_ADJSTMT_TYPE_CD maps onto v2's adjstmt_dltn_cd (0 original -> NULL, 1 void ->
 * D, any other adjustment -> A; inferred from the IDR code names, not from a CMS mapping).
 */
export function v3VersionColumns(
  facts: ClaimVersionFacts,
  claimType: ClaimType,
): Pick<ClaimRow, 'final_action' | 'pde_adjustment_code'> {
  const code = facts.adjustmentTypeCode;
  return {
    final_action: facts.finalAction,
    pde_adjustment_code:
      claimType !== 'pde' || code === null || code === '0' ? null : code === '1' ? 'D' : 'A',
  };
}
