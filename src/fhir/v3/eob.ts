/**
 * A BB2 v3 ExplanationOfBenefit -> the same claim rows as v2 (src/fhir/eob.ts). The v2 -> v3
 * field map is ../shared/reference/bb2-v3.md section 9; the money rules per claim type mirror
 * v2's (README "Money columns") with the IDR names in place of the CCW variables. The parts live
 * beside this file by concern: lines (eob-lines.ts), money (money.ts), clinical codes, care team
 * and provider (eob-parts.ts), the claim's version (claim-version.ts); the columns v2 and v3 read
 * alike are in ../eob/claim-columns.ts. This file puts the claim row together.
 */
import type { MapContext } from '../map-context.ts';
import { claimRows } from '../mapped.ts';
import { CLAIM_TYPES, type ClaimType } from '../../model/claim-types.ts';
import { arr, codingBySystem, obj, referenceId, str, type JsonObject } from '../read.ts';
import type { AnalyticsRows, ClaimCareTeamRow, ClaimRow } from '../../model/analytics-rows.ts';
import type { ClaimVersionFacts } from '../../model/resources.ts';
import { claimRowOf, commonClaimColumns } from '../eob/claim-columns.ts';
import { billablePeriodOf, type BillablePeriod } from '../eob/lines.ts';
import { text } from '../eob/money.ts';
import { supportingCode } from '../eob/supporting-info.ts';
import {
  BILL_FACILITY_TYPE_SYSTEM,
  BILL_FREQUENCY_SYSTEM,
  CLAIM_TYPE_HL7_SYSTEM,
  CLM_TYPE_CD_SYSTEM,
  EOB_TYPE_SYSTEM,
  NUBC_TYPE_OF_BILL,
  UNIQUE_CLAIM_ID_TYPE,
} from './codes.ts';
import { claimVersionOf, v3VersionColumns } from './claim-version.ts';
import { mapV3Lines } from './eob-lines.ts';
import {
  mapV3CareTeam,
  mapV3Diagnoses,
  mapV3Procedures,
  supportingInfoIndex,
  v3ProviderOf,
} from './eob-parts.ts';
import { readMoneyEntries, v3ClaimMoney, v3FinancialRows, type V3ClaimMoney } from './money.ts';

/** The claim type from the EOB-TYPE code (`CARRIER` -> `carrier`); v3 ids carry no type. */
export function v3ClaimTypeOf(resource: JsonObject): ClaimType | undefined {
  const code = codingBySystem(resource.type, EOB_TYPE_SYSTEM)?.code?.toLowerCase();
  return code && (CLAIM_TYPES as readonly string[]).includes(code) ? (code as ClaimType) : undefined;
}

export interface V3EobResult {
  rows: AnalyticsRows;
  claimVersion: ClaimVersionFacts;
}

export function mapV3ExplanationOfBenefit(resource: JsonObject, ctx: MapContext): V3EobResult {
  const claimType = v3ClaimTypeOf(resource);
  if (!claimType) ctx.fail('has no EOB-TYPE code naming a claim type', 'ExplanationOfBenefit.type');
  const patientId = referenceId(resource.patient, 'Patient');
  if (!patientId) ctx.fail('has no patient reference', 'ExplanationOfBenefit.patient');

  const billable = billablePeriodOf(resource, ctx);
  const lineage = { claim_id: ctx.resourceId, last_updated: ctx.lastUpdated };
  const { lines, entries } = mapV3Lines(resource, claimType, billable, ctx);
  const totals = readMoneyEntries(resource.total, ctx, 'total');
  const header = readMoneyEntries(resource.adjudication, ctx, 'adjudication');
  const money = v3ClaimMoney(claimType, resource, totals, header, entries, ctx);
  const supporting = supportingInfoIndex(resource);
  const careTeam = mapV3CareTeam(resource, lineage, ctx);
  const claimVersion = claimVersionOf(resource, supporting);
  const claim = v3ClaimRow(resource, ctx, {
    patientId,
    claimType,
    billable,
    money,
    careTeam,
    supporting,
    claimVersion,
    lineCount: lines.length,
  });

  return {
    rows: claimRows(claim, {
      claim_lines: lines,
      claim_financials: v3FinancialRows(totals, header, lineage, ctx),
      claim_diagnoses: mapV3Diagnoses(resource, lineage, ctx),
      claim_procedures: mapV3Procedures(resource, lineage, ctx),
      claim_care_team: careTeam,
    }),
    claimVersion,
  };
}

interface V3ClaimParts {
  patientId: string;
  claimType: ClaimType;
  billable: BillablePeriod;
  money: V3ClaimMoney;
  careTeam: ClaimCareTeamRow[];
  supporting: Map<string, JsonObject>;
  claimVersion: ClaimVersionFacts;
  lineCount: number;
}

function v3ClaimRow(resource: JsonObject, ctx: MapContext, parts: V3ClaimParts): ClaimRow {
  const { claimType, money, supporting } = parts;
  const provider = v3ProviderOf(resource);
  const typeOfBill = supporting.get('typeofbill');
  const part = /^Part ([A-D])$/i.exec(str(obj(arr(resource.insurance)[0]?.coverage)?.display) ?? '')?.[1];
  const rx = str(supporting.get('CLM_LINE_RX_NUM')?.valueString);
  return claimRowOf(commonClaimColumns(resource, supporting, parts.billable, parts.careTeam, ctx), {
    claim_id: ctx.resourceId,
    patient_id: parts.patientId,
    claim_type: claimType,
    claim_number:
      str(arr(resource.identifier).find((i) => hasTypeCode(i, UNIQUE_CLAIM_ID_TYPE))?.value) ?? null,
    claim_group: null,
    // PDEs have no control number in v2: the rx number is what both versions share.
    claim_link_key: claimType === 'pde' && rx ? `rx:${rx}` : (parts.claimVersion.controlNumber ?? null),
    nch_claim_type_code: codingBySystem(resource.type, CLM_TYPE_CD_SYSTEM)?.code ?? null,
    claim_category: codingBySystem(resource.type, CLAIM_TYPE_HL7_SYSTEM)?.code ?? null,
    // v3 names the coverage only by display ("Part A"): no Coverage id to point to.
    coverage_id: null,
    part: part?.toUpperCase() ?? null,
    provider_npi: provider.npi ?? null,
    provider_ccn: null,
    provider_name: provider.name ?? null,
    drg_code: supportingCode(supporting.get('drg')),
    claim_frequency_code: supportingCode(typeOfBill, BILL_FREQUENCY_SYSTEM),
    facility_type_code: supportingCode(typeOfBill, BILL_FACILITY_TYPE_SYSTEM),
    ...v3VersionColumns(parts.claimVersion, claimType),
    non_payment_reason_code: supportingCode(supporting.get('CLM_MDCR_NPMT_RSN_CD')),
    payment_denial_code: supportingCode(supporting.get('CLM_CARR_PMT_DNL_CD')),
    // NUBC TypeOfBill is written with a leading 0 (0730); the three characters are v2's bill type.
    bill_type_code: supportingCode(typeOfBill, NUBC_TYPE_OF_BILL)?.replace(/^0(?=.{3}$)/, '') ?? null,
    admission_source_code: supportingCode(supporting.get('pointoforigin')),
    payment_amount: text(money.payment),
    submitted_amount: text(money.submitted),
    allowed_amount: text(money.allowed),
    patient_responsibility_amount: text(money.patientResponsibility),
    primary_payer_paid_amount: text(money.primaryPayer),
    line_count: parts.lineCount,
  });
}

function hasTypeCode(identifier: JsonObject, code: string): boolean {
  return arr(obj(identifier.type)?.coding).some((c) => c.code === code);
}
