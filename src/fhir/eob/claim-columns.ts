/**
 * The claim columns that v2 and v3 EOBs carry in the same elements: status and outcome, the
 * claim's dates, the prescriber and attending physician, discharge status, admission type, and a
 * fill's days supply and number. Both mappers (eob.ts, v3/eob.ts) read them here.
 */
import type { MapContext } from '../map-context.ts';
import { obj, str, type JsonObject } from '../read.ts';
import type { ClaimCareTeamRow, ClaimRow } from '../../model/analytics-rows.ts';
import type { BillablePeriod } from './lines.ts';
import { supportingCode } from './supporting-info.ts';

export type CommonClaimColumns = Pick<
  ClaimRow,
  | 'status'
  | 'outcome'
  | 'billable_start'
  | 'billable_end'
  | 'received_date'
  | 'paid_date'
  | 'admission_start'
  | 'admission_end'
  | 'prescriber_npi'
  | 'attending_npi'
  | 'discharge_status'
  | 'admission_type_code'
  | 'days_supply'
  | 'fill_number'
  | 'last_updated'
>;

/** The claim columns each version reads its own way (everything in ClaimRow but the common ones). */
export type VersionClaimColumns = Omit<ClaimRow, keyof CommonClaimColumns>;

/**
 * The claim row from its two halves, as one object literal naming every column. Spreading the
 * halves into a literal built each row one property at a time, through map transitions and
 * migrations that cost about a twentieth of the page thread's time (docs/performance.md, "The
 * claim row in one literal").
 */
export function claimRowOf(common: CommonClaimColumns, own: VersionClaimColumns): ClaimRow {
  return {
    status: common.status,
    outcome: common.outcome,
    billable_start: common.billable_start,
    billable_end: common.billable_end,
    received_date: common.received_date,
    paid_date: common.paid_date,
    admission_start: common.admission_start,
    admission_end: common.admission_end,
    prescriber_npi: common.prescriber_npi,
    attending_npi: common.attending_npi,
    discharge_status: common.discharge_status,
    admission_type_code: common.admission_type_code,
    days_supply: common.days_supply,
    fill_number: common.fill_number,
    last_updated: common.last_updated,
    claim_id: own.claim_id,
    patient_id: own.patient_id,
    claim_type: own.claim_type,
    claim_number: own.claim_number,
    claim_group: own.claim_group,
    claim_link_key: own.claim_link_key,
    nch_claim_type_code: own.nch_claim_type_code,
    claim_category: own.claim_category,
    coverage_id: own.coverage_id,
    part: own.part,
    provider_npi: own.provider_npi,
    provider_ccn: own.provider_ccn,
    provider_name: own.provider_name,
    drg_code: own.drg_code,
    claim_frequency_code: own.claim_frequency_code,
    facility_type_code: own.facility_type_code,
    payment_amount: own.payment_amount,
    submitted_amount: own.submitted_amount,
    allowed_amount: own.allowed_amount,
    patient_responsibility_amount: own.patient_responsibility_amount,
    primary_payer_paid_amount: own.primary_payer_paid_amount,
    line_count: own.line_count,
    final_action: own.final_action,
    pde_adjustment_code: own.pde_adjustment_code,
    non_payment_reason_code: own.non_payment_reason_code,
    payment_denial_code: own.payment_denial_code,
    bill_type_code: own.bill_type_code,
    admission_source_code: own.admission_source_code,
  };
}

/** `supporting`: the resource's supportingInfo by category code (each version indexes its own way). */
export function commonClaimColumns(
  resource: JsonObject,
  supporting: Map<string, JsonObject>,
  billable: BillablePeriod,
  careTeam: readonly ClaimCareTeamRow[],
  ctx: MapContext,
): CommonClaimColumns {
  const admission = obj(supporting.get('admissionperiod')?.timingPeriod);
  return {
    status: str(resource.status) ?? null,
    outcome: str(resource.outcome) ?? null,
    billable_start: billable.start,
    billable_end: billable.end,
    received_date: ctx.date(
      supporting.get('clmrecvddate')?.timingDate,
      'supportingInfo(clmrecvddate).timingDate',
    ),
    paid_date: ctx.date(obj(resource.payment)?.date, 'payment.date'),
    admission_start: ctx.date(admission?.start, 'supportingInfo(admissionperiod).timingPeriod.start'),
    admission_end: ctx.date(admission?.end, 'supportingInfo(admissionperiod).timingPeriod.end'),
    prescriber_npi: providerIn(careTeam, 'prescribing'),
    attending_npi: providerIn(careTeam, 'attending'),
    discharge_status: supportingCode(supporting.get('discharge-status')),
    admission_type_code: supportingCode(supporting.get('admtype')),
    days_supply: ctx.int(
      obj(supporting.get('dayssupply')?.valueQuantity)?.value,
      'supportingInfo(dayssupply)',
    ),
    fill_number: ctx.int(obj(supporting.get('refillnum')?.valueQuantity)?.value, 'supportingInfo(refillnum)'),
    last_updated: ctx.lastUpdated,
  };
}

/** The provider of the first careTeam member with `role` (a loop, not a closure made per claim). */
function providerIn(careTeam: readonly ClaimCareTeamRow[], role: string): string | null {
  for (const member of careTeam) if (member.role === role) return member.provider_id ?? null;
  return null;
}
