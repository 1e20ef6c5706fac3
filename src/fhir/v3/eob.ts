/**
 * A BB2 v3 ExplanationOfBenefit -> the same claim rows as v2 (src/fhir/eob.ts). The v2 -> v3
 * field map is ../shared/reference/bb2-v3.md section 9; the money rules per claim type mirror
 * v2's (README "Money columns") with the IDR names in place of the CCW variables.
 */
import type { MapContext } from '../map-context.ts';
import { CLAIM_TYPES, type ClaimType } from '../../model/claim-types.ts';
import { arr, codingBySystem, obj, referenceId, str, type JsonObject } from '../read.ts';
import type { AnalyticsRows, ClaimFinancialRow, ClaimRow } from '../../model/analytics-rows.ts';
import type { ClaimVersionFacts } from '../../model/resources.ts';
import { sumCents } from '../values.ts';
import {
  BILL_FACILITY_TYPE_SYSTEM,
  BILL_FREQUENCY_SYSTEM,
  CLAIM_TYPE_HL7_SYSTEM,
  CLM_TYPE_CD_SYSTEM,
  EOB_TYPE_SYSTEM,
  NUBC_TYPE_OF_BILL,
  UNIQUE_CLAIM_ID_TYPE,
} from './codes.ts';
import { claimVersionOf } from './claim-version.ts';
import { mapV3Lines, PROFESSIONAL, text } from './eob-lines.ts';
import {
  mapV3CareTeam,
  mapV3Diagnoses,
  mapV3Procedures,
  supportingCode,
  supportingInfoIndex,
  v3ProviderOf,
} from './eob-parts.ts';
import { amountOf, lineSum, readMoneyEntries, type V3MoneyEntry } from './money.ts';

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
  const claimId = ctx.resourceId;
  const claimType = v3ClaimTypeOf(resource);
  if (!claimType) ctx.fail('has no EOB-TYPE code naming a claim type', 'ExplanationOfBenefit.type');
  const patientId = referenceId(resource.patient, 'Patient');
  if (!patientId) ctx.fail('has no patient reference', 'ExplanationOfBenefit.patient');

  const billable = obj(resource.billablePeriod);
  const billableStart = ctx.date(billable?.start, 'billablePeriod.start');
  const billableEnd = ctx.date(billable?.end, 'billablePeriod.end');
  const lineage = { claim_id: claimId, last_updated: ctx.lastUpdated };
  const { lines, adjudications, entries } = mapV3Lines(
    resource,
    claimType,
    { start: billableStart, end: billableEnd },
    ctx,
  );
  const totals = readMoneyEntries(resource.total, ctx, 'total');
  const header = readMoneyEntries(resource.adjudication, ctx, 'adjudication');
  const money = claimMoney(claimType, resource, totals, header, entries, ctx);

  const supporting = supportingInfoIndex(resource);
  const careTeam = mapV3CareTeam(resource, lineage, ctx);
  const provider = v3ProviderOf(resource);
  const admission = obj(supporting.get('admissionperiod')?.timingPeriod);
  const typeOfBill = supporting.get('typeofbill');
  const claimVersion = claimVersionOf(resource, supporting);
  const part = /^Part ([A-D])$/i.exec(str(obj(arr(resource.insurance)[0]?.coverage)?.display) ?? '')?.[1];

  const claim: ClaimRow = {
    claim_id: claimId,
    patient_id: patientId,
    claim_type: claimType,
    claim_number:
      str(arr(resource.identifier).find((i) => hasTypeCode(i, UNIQUE_CLAIM_ID_TYPE))?.value) ?? null,
    claim_group: null,
    // PDEs have no control number in v2: the rx number is what both versions share.
    claim_link_key:
      claimType === 'pde' && rxNumber(supporting)
        ? `rx:${rxNumber(supporting)}`
        : (claimVersion.controlNumber ?? null),
    nch_claim_type_code: codingBySystem(resource.type, CLM_TYPE_CD_SYSTEM)?.code ?? null,
    claim_category: codingBySystem(resource.type, CLAIM_TYPE_HL7_SYSTEM)?.code ?? null,
    status: str(resource.status) ?? null,
    outcome: str(resource.outcome) ?? null,
    billable_start: billableStart,
    billable_end: billableEnd,
    received_date: ctx.date(
      supporting.get('clmrecvddate')?.timingDate,
      'supportingInfo(clmrecvddate).timingDate',
    ),
    paid_date: ctx.date(obj(resource.payment)?.date, 'payment.date'),
    admission_start: ctx.date(admission?.start, 'supportingInfo(admissionperiod).timingPeriod.start'),
    admission_end: ctx.date(admission?.end, 'supportingInfo(admissionperiod).timingPeriod.end'),
    // v3 names the coverage only by display ("Part A"): no Coverage id to point to.
    coverage_id: null,
    part: part?.toUpperCase() ?? null,
    provider_npi: provider.npi ?? null,
    provider_ccn: null,
    provider_name: provider.name ?? null,
    prescriber_npi: careTeam.find((c) => c.role === 'prescribing')?.provider_id ?? null,
    attending_npi: careTeam.find((c) => c.role === 'attending')?.provider_id ?? null,
    drg_code: supportingCode(supporting.get('drg')),
    claim_frequency_code: supportingCode(typeOfBill, BILL_FREQUENCY_SYSTEM),
    discharge_status: supportingCode(supporting.get('discharge-status')),
    facility_type_code: supportingCode(typeOfBill, BILL_FACILITY_TYPE_SYSTEM),
    days_supply: ctx.int(
      obj(supporting.get('dayssupply')?.valueQuantity)?.value,
      'supportingInfo(dayssupply)',
    ),
    fill_number: ctx.int(obj(supporting.get('refillnum')?.valueQuantity)?.value, 'supportingInfo(refillnum)'),
    ...versionColumns(claimVersion, claimType),
    non_payment_reason_code: supportingCode(supporting.get('CLM_MDCR_NPMT_RSN_CD')),
    payment_denial_code: supportingCode(supporting.get('CLM_CARR_PMT_DNL_CD')),
    // NUBC TypeOfBill is written with a leading 0 (0730); the three characters are v2's bill type.
    bill_type_code: supportingCode(typeOfBill, NUBC_TYPE_OF_BILL)?.replace(/^0(?=.{3}$)/, '') ?? null,
    admission_type_code: supportingCode(supporting.get('admtype')),
    admission_source_code: supportingCode(supporting.get('pointoforigin')),
    payment_amount: text(money.payment),
    submitted_amount: text(money.submitted),
    allowed_amount: text(money.allowed),
    patient_responsibility_amount: text(money.patientResponsibility),
    primary_payer_paid_amount: text(money.primaryPayer),
    line_count: lines.length,
    last_updated: ctx.lastUpdated,
  };

  return {
    rows: {
      patients: [],
      coverages: [],
      coverage_monthly: [],
      claims: [claim],
      claim_lines: lines,
      claim_line_adjudications: adjudications,
      claim_financials: financialRows(totals, header, lineage, ctx),
      claim_diagnoses: mapV3Diagnoses(resource, lineage, ctx),
      claim_procedures: mapV3Procedures(resource, lineage, ctx),
      claim_care_team: careTeam,
    },
    claimVersion,
  };
}

/**
 * The analytics layer's claim-version columns from v3's facts: `final_action` is the Final-Action
 * tag; a PDE's CLM_ADJSTMT_TYPE_CD maps onto v2's adjstmt_dltn_cd (0 original -> NULL, 1 void ->
 * D, any other adjustment -> A; inferred from the IDR code names, not from a CMS mapping).
 */
function versionColumns(
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

function rxNumber(supporting: Map<string, JsonObject>): string | undefined {
  return str(supporting.get('CLM_LINE_RX_NUM')?.valueString);
}

function hasTypeCode(identifier: JsonObject, code: string): boolean {
  return arr(obj(identifier.type)?.coding).some((c) => c.code === code);
}

interface ClaimMoney {
  payment?: number;
  submitted?: number;
  allowed?: number;
  patientResponsibility?: number;
  primaryPayer?: number;
}

/** The claim-level money columns, per claim type (the v2 rules, in IDR names). */
function claimMoney(
  claimType: ClaimType,
  resource: JsonObject,
  totals: V3MoneyEntry[],
  header: V3MoneyEntry[],
  lines: V3MoneyEntry[][],
  ctx: MapContext,
): ClaimMoney {
  const payment = ctx.cents(obj(obj(resource.payment)?.amount)?.value, 'payment.amount.value');
  const total = (idr: string) => amountOf(totals, [idr]);
  const headerAmount = (idr: string) => amountOf(header, [idr]);
  if (claimType === 'pde') {
    return {
      payment: lineSum(lines, ['CLM_LINE_CVRD_PD_AMT'], 'benefit'),
      submitted: total('TOT_RX_CST_AMT') ?? lineSum(lines, ['TOT_RX_CST_AMT']),
      patientResponsibility: total('CLM_BENE_PMT_AMT') ?? lineSum(lines, ['CLM_LINE_BENE_PMT_AMT']),
      primaryPayer: sumCents([
        total('CLM_OTHR_TP_PD_AMT') ?? lineSum(lines, ['CLM_LINE_OTHR_TP_PD_AMT']),
        lineSum(lines, ['CLM_LINE_PLRO_AMT']),
      ]),
    };
  }
  const submitted = total('CLM_SBMT_CHRG_AMT') ?? lineSum(lines, ['CLM_LINE_SBMT_CHRG_AMT']);
  const allowed = total('CLM_ALOWD_CHRG_AMT') ?? lineSum(lines, ['CLM_LINE_ALOWD_CHRG_AMT']);
  if (PROFESSIONAL.has(claimType)) {
    return {
      payment,
      submitted,
      allowed,
      patientResponsibility: sumCents([
        lineSum(lines, ['CLM_LINE_MDCR_DDCTBL_AMT']),
        lineSum(lines, ['CLM_LINE_MDCR_COINSRNC_AMT']),
      ]),
      primaryPayer: headerAmount('CLM_MDCR_PRFNL_PRMRY_PYR_AMT'),
    };
  }
  let patientResponsibility: number | undefined;
  if (claimType === 'outpatient') {
    patientResponsibility = sumCents([
      total('CLM_MDCR_DDCTBL_AMT'),
      total('CLM_MDCR_COINSRNC_AMT'),
      headerAmount('CLM_BLOOD_LBLTY_AMT'),
    ]);
  } else if (claimType === 'inpatient' || claimType === 'snf') {
    patientResponsibility = sumCents([
      headerAmount('CLM_MDCR_IP_BENE_DDCTBL_AMT'),
      total('CLM_MDCR_COINSRNC_AMT'),
      headerAmount('CLM_BLOOD_LBLTY_AMT'),
    ]);
  }
  return {
    payment,
    submitted,
    allowed,
    patientResponsibility,
    primaryPayer: headerAmount('CLM_MDCR_INSTNL_PRMRY_PYR_AMT'),
  };
}

/**
 * Every `total` entry, then every header `adjudication` entry that carries an amount or a count
 * (v3 moved v2's benefitBalance amounts and day counts there). Counts that are not whole numbers
 * (the DRG weight CLM_MDCR_IP_PPS_DRG_WT_NUM) have no column and stay in the raw resource.
 */
function financialRows(
  totals: V3MoneyEntry[],
  header: V3MoneyEntry[],
  lineage: { claim_id: string; last_updated: string | null },
  ctx: MapContext,
): ClaimFinancialRow[] {
  const rows: ClaimFinancialRow[] = [];
  for (const t of totals) {
    rows.push({
      ...lineage,
      entry_index: rows.length,
      source: 'total',
      category: t.generic?.code ?? null,
      variable: t.idr ?? null,
      amount: text(t.cents),
      count_value: null,
    });
  }
  header.forEach((h, i) => {
    if (h.cents === undefined && h.value === undefined) return;
    const whole = typeof h.value === 'number' && Number.isInteger(h.value);
    rows.push({
      ...lineage,
      entry_index: rows.length,
      source: 'adjudication',
      category: h.generic?.code ?? null,
      variable: h.idr ?? null,
      amount: text(h.cents),
      count_value: whole ? ctx.int(h.value, `adjudication[${i}].value`) : null,
    });
  });
  return rows;
}
