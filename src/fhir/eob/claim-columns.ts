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
