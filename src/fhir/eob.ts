/**
 * ExplanationOfBenefit -> claims and their children. Read ../shared/reference/bb2-data-shape.md
 * for the quirks handled here. The parts live in ./eob/ by concern: the claim type
 * (claim-type.ts), money (money.ts), lines (lines.ts), clinical codes (codes.ts), parties
 * (parties.ts), supportingInfo (supporting-info.ts), the sequence numbers of the lists
 * (sequence.ts) and the claim columns v3 reads alike (claim-columns.ts, also used by ./v3/eob.ts);
 * this file puts the claim row together.
 */
import type { MapContext } from './map-context.ts';
import { claimRows } from './mapped.ts';
import { claimTypeOf, type ClaimType } from './eob/claim-type.ts';
import { drgFromDiagnosis, mapDiagnoses, mapProcedures } from './eob/codes.ts';
import { billablePeriodOf, mapLines, type BillablePeriod } from './eob/lines.ts';
import { claimRowOf, commonClaimColumns } from './eob/claim-columns.ts';
import { claimAmounts, mapClaimFinancials, text, type ClaimAmounts } from './eob/money.ts';
import { coverageOf, mapCareTeam, providerOf } from './eob/parties.ts';
import { identifierValue, supportingCode, supportingInfoIndex } from './eob/supporting-info.ts';
import {
  CMS_VARIABLES,
  codingBySystem,
  extension,
  extensionCode,
  referenceId,
  str,
  type JsonObject,
} from './read.ts';
import type { AnalyticsRows, ClaimCareTeamRow, ClaimRow } from '../model/analytics-rows.ts';

export { CLAIM_TYPES, claimTypeOf, type ClaimType } from './eob/claim-type.ts';

const CLAIM_GROUP_SYSTEM = 'https://bluebutton.cms.gov/resources/identifier/claim-group';
// The URLs the claim row reads, built once (not per claim: every comparison with a string built
// on the spot first copies it into a flat one).
const CLAIM_ID_SYSTEM = `${CMS_VARIABLES}clm_id`;
const PDE_ID_SYSTEM = `${CMS_VARIABLES}pde_id`;
const RX_NUMBER_SYSTEM = `${CMS_VARIABLES}rx_srvc_rfrnc_num`;
const NCH_CLAIM_TYPE_SYSTEM = `${CMS_VARIABLES}nch_clm_type_cd`;
const CLAIM_CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/claim-type';
const FACILITY_TYPE_URL = `${CMS_VARIABLES}clm_fac_type_cd`;
const SERVICE_CLASSIFICATION_URL = `${CMS_VARIABLES}clm_srvc_clsfctn_type_cd`;
const NON_PAYMENT_REASON_URL = `${CMS_VARIABLES}clm_mdcr_non_pmt_rsn_cd`;
const PAYMENT_DENIAL_URL = `${CMS_VARIABLES}carr_clm_pmt_dnl_cd`;
/** Where a v2 claim's control number is, in order of preference (carrier, then institutional). */
const CONTROL_NUMBER_URLS = [`${CMS_VARIABLES}carr_clm_cntl_num`, `${CMS_VARIABLES}fi_doc_clm_cntl_num`];

const isClaimNumberSystem = (s: string) => s === CLAIM_ID_SYSTEM || s === PDE_ID_SYSTEM;
const isClaimGroupSystem = (s: string) => s === CLAIM_GROUP_SYSTEM;
const isRxNumberSystem = (s: string) => s === RX_NUMBER_SYSTEM;

export function mapExplanationOfBenefit(resource: JsonObject, ctx: MapContext): AnalyticsRows {
  const claimId = ctx.resourceId;
  const claimType = claimTypeOf(resource, claimId);
  if (!claimType) {
    ctx.fail('claim type is neither in the id prefix nor in an eob-type code', 'ExplanationOfBenefit.id');
  }
  const patientId = referenceId(resource.patient, 'Patient');
  if (!patientId) ctx.fail('has no patient reference', 'ExplanationOfBenefit.patient');

  const billable = billablePeriodOf(resource, ctx);
  const lineage = { claim_id: claimId, last_updated: ctx.lastUpdated };

  const { lines, lineEntries } = mapLines(resource, claimType, billable, ctx);
  const money = mapClaimFinancials(resource, lineage, ctx);
  const amounts = claimAmounts(claimType, resource, money, lineEntries, ctx);
  const careTeam = mapCareTeam(resource, lineage, ctx);
  const claim = claimRow(resource, ctx, {
    patientId,
    claimType,
    billable,
    amounts,
    careTeam,
    lineCount: lines.length,
  });

  return claimRows(claim, {
    claim_lines: lines,
    claim_financials: money.financials,
    claim_diagnoses: mapDiagnoses(resource, lineage, ctx),
    claim_procedures: mapProcedures(resource, lineage, ctx),
    claim_care_team: careTeam,
  });
}

interface ClaimParts {
  patientId: string;
  claimType: ClaimType;
  billable: BillablePeriod;
  amounts: ClaimAmounts;
  careTeam: ClaimCareTeamRow[];
  lineCount: number;
}

function claimRow(resource: JsonObject, ctx: MapContext, parts: ClaimParts): ClaimRow {
  const { amounts } = parts;
  const supporting = supportingInfoIndex(resource);
  const { coverageId, part } = coverageOf(resource);
  const provider = providerOf(resource);
  const facilityType = extensionCode(extension(resource.facility, FACILITY_TYPE_URL));
  const frequency = supportingCode(supporting.get('typeofbill'));
  const version = claimVersion(resource, parts.claimType, supporting);
  const classification = headerCode(resource, SERVICE_CLASSIFICATION_URL);
  return claimRowOf(commonClaimColumns(resource, supporting, parts.billable, parts.careTeam, ctx), {
    claim_id: ctx.resourceId,
    patient_id: parts.patientId,
    claim_type: parts.claimType,
    claim_number: identifierValue(resource, isClaimNumberSystem),
    claim_group: identifierValue(resource, isClaimGroupSystem),
    claim_link_key: v2ClaimLinkKey(resource),
    nch_claim_type_code: codingBySystem(resource.type, NCH_CLAIM_TYPE_SYSTEM)?.code ?? null,
    claim_category: codingBySystem(resource.type, CLAIM_CATEGORY_SYSTEM)?.code ?? null,
    coverage_id: coverageId,
    part,
    provider_npi: provider.npi ?? null,
    provider_ccn: provider.ccn ?? null,
    provider_name: provider.name ?? null,
    drg_code: supportingCode(supporting.get('clm_drg_cd')) ?? drgFromDiagnosis(resource),
    claim_frequency_code: frequency,
    facility_type_code: facilityType ?? null,
    payment_amount: text(amounts.payment),
    submitted_amount: text(amounts.submitted),
    allowed_amount: text(amounts.allowed),
    patient_responsibility_amount: text(amounts.patientResponsibility),
    primary_payer_paid_amount: text(amounts.primaryPayer),
    line_count: parts.lineCount,
    final_action: version.final_action,
    pde_adjustment_code: version.pde_adjustment_code,
    // Denial codes, the full type of bill, the admission source.
    non_payment_reason_code: headerCode(resource, NON_PAYMENT_REASON_URL) ?? null,
    payment_denial_code: headerCode(resource, PAYMENT_DENIAL_URL) ?? null,
    bill_type_code:
      facilityType && classification && frequency ? `${facilityType}${classification}${frequency}` : null,
    admission_source_code: supportingCode(supporting.get('clm_src_ip_admsn_cd')),
  });
}

/** The code of the claim's extension `url`. */
function headerCode(resource: JsonObject, url: string): string | undefined {
  return extensionCode(extension(resource, url));
}

/**
 * The claim version facts: BFD maps the CCW final-action flag to `status` (active = final,
 * cancelled = superseded or cancelled); a PDE also carries adjstmt_dltn_cd (blank original,
 * A adjustment, D deletion). Postgres derives is_final from both.
 */
function claimVersion(
  resource: JsonObject,
  claimType: ClaimType,
  supporting: Map<string, JsonObject>,
): Pick<ClaimRow, 'final_action' | 'pde_adjustment_code'> {
  const status = str(resource.status);
  const adjustment =
    claimType === 'pde' ? supportingCode(supporting.get('adjstmt_dltn_cd'))?.trim() : undefined;
  return {
    final_action: status === undefined ? null : status === 'active',
    pde_adjustment_code: adjustment ? adjustment : null,
  };
}

/** The claim's key across API versions (claims.claim_link_key, docs/v3.md). */
function v2ClaimLinkKey(resource: JsonObject): string | null {
  for (const url of CONTROL_NUMBER_URLS) {
    const value = headerCode(resource, url);
    if (value) return value;
  }
  const rx = identifierValue(resource, isRxNumberSystem);
  return rx ? `rx:${rx}` : null;
}
