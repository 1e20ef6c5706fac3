/** EOB `item[]` -> claim_lines, each with its adjudication entries (through money.ts). */
import type { MapContext } from '../map-context.ts';
import { arr, CMS_VARIABLES, codingBySystem, obj, str, type Coding, type JsonObject } from '../read.ts';
import type { ClaimLineRow } from '../../model/analytics-rows.ts';
import { decimalString, ValueError } from '../values.ts';
import type { ClaimType } from './claim-type.ts';
import { preferredCoding, PRODUCT_SYSTEM_PREFERENCE } from './codes.ts';
import {
  lineAmounts,
  mapLineAdjudications,
  newAdjudicationLists,
  type AdjudicationLists,
  type MoneyEntry,
} from './money.ts';
import { RenderingProviders } from './parties.ts';
import { SequenceReader } from './sequence.ts';

export interface MappedLines {
  lines: ClaimLineRow[];
  /** Each line's money entries by line number, for the claim-level sums. */
  lineEntries: Map<number, MoneyEntry[]>;
}

/** Institutional lines mostly carry no service date: they fall back to the billable period. */
export interface BillablePeriod {
  start: string | null;
  end: string | null;
}

export function billablePeriodOf(resource: JsonObject, ctx: MapContext): BillablePeriod {
  const period = obj(resource.billablePeriod);
  return {
    start: ctx.date(period?.start, 'billablePeriod.start'),
    end: ctx.date(period?.end, 'billablePeriod.end'),
  };
}

export function mapLines(
  resource: JsonObject,
  claimType: ClaimType,
  billable: BillablePeriod,
  ctx: MapContext,
): MappedLines {
  const lines: ClaimLineRow[] = [];
  const lineEntries = new Map<number, MoneyEntry[]>();
  const items = arr(resource.item);
  const rendering = new RenderingProviders(resource);
  const sequences = new SequenceReader(ctx, { list: 'item', noun: 'line' });
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const lineNumber = sequences.read(item, i);
    const adjudications = newAdjudicationLists();
    const entries = mapLineAdjudications(item, i, ctx, adjudications);
    lineEntries.set(lineNumber, entries);
    lines.push(
      mapLine(item, i, lineNumber, claimType, entries, adjudications, billable, rendering.of(item), ctx),
    );
  }
  return { lines, lineEntries };
}

function mapLine(
  item: JsonObject,
  index: number,
  lineNumber: number,
  claimType: ClaimType,
  entries: readonly MoneyEntry[],
  adjudications: AdjudicationLists,
  billable: BillablePeriod,
  renderingNpi: string | null,
  ctx: MapContext,
): ClaimLineRow {
  const product = preferredCoding(item.productOrService, PRODUCT_SYSTEM_PREFERENCE);
  const basics = lineBasics(item, `item[${index}]`, lineNumber, product, billable, ctx);
  const amounts = lineAmounts(claimType, entries);
  // One literal with every column (spreading the parts built the row one property at a time).
  return {
    claim_id: basics.claim_id,
    line_number: basics.line_number,
    product_system: basics.product_system,
    product_code: basics.product_code,
    product_display: basics.product_display,
    service_start: basics.service_start,
    service_end: basics.service_end,
    service_dates_from_claim: basics.service_dates_from_claim,
    quantity: basics.quantity,
    modifiers: modifierCodes(item),
    revenue_code: codingBySystem(item.revenue, REVENUE_CENTER_SYSTEM)?.code ?? null,
    place_of_service: codingBySystem(item.locationCodeableConcept, PLACE_OF_SERVICE_SYSTEM)?.code ?? null,
    submitted_amount: amounts.submitted_amount,
    allowed_amount: amounts.allowed_amount,
    paid_amount: amounts.paid_amount,
    patient_responsibility_amount: amounts.patient_responsibility_amount,
    noncovered_amount: amounts.noncovered_amount,
    last_updated: ctx.lastUpdated,
    rendering_npi: renderingNpi,
    adjudication_categories: adjudications.adjudication_categories,
    adjudication_category_systems: adjudications.adjudication_category_systems,
    adjudication_variables: adjudications.adjudication_variables,
    adjudication_amounts: adjudications.adjudication_amounts,
    adjudication_currencies: adjudications.adjudication_currencies,
    adjudication_reason_codes: adjudications.adjudication_reason_codes,
    adjudication_reason_systems: adjudications.adjudication_reason_systems,
  };
}

const REVENUE_CENTER_SYSTEM = `${CMS_VARIABLES}rev_cntr`;
const PLACE_OF_SERVICE_SYSTEM = `${CMS_VARIABLES}line_place_of_srvc_cd`;

/**
 * The line columns v2 and v3 read alike: its number, product, service dates (the claim's billable
 * period when the line has none) and quantity.
 */
export function lineBasics(
  item: JsonObject,
  path: string,
  lineNumber: number,
  product: Coding | undefined,
  billable: BillablePeriod,
  ctx: MapContext,
): Pick<
  ClaimLineRow,
  | 'claim_id'
  | 'line_number'
  | 'product_system'
  | 'product_code'
  | 'product_display'
  | 'service_start'
  | 'service_end'
  | 'service_dates_from_claim'
  | 'quantity'
> {
  const served = lineDates(item, ctx, path);
  return {
    claim_id: ctx.resourceId,
    line_number: lineNumber,
    product_system: product?.system ?? null,
    product_code: product?.code ?? null,
    product_display: product?.display ?? null,
    service_start: served.start ?? billable.start,
    service_end: served.end ?? billable.end,
    service_dates_from_claim: served.start || served.end ? 0 : 1,
    quantity: quantityOf(item, ctx, path),
  };
}

function modifierCodes(item: JsonObject): string[] | null {
  let codes: string[] | null = null;
  for (const m of arr(item.modifier)) {
    const code = str(arr(obj(m)?.coding)[0]?.code);
    if (code) (codes ??= []).push(code);
  }
  return codes;
}

/** A line's service dates: its servicedPeriod, else its one servicedDate as start and end. */
function lineDates(
  item: JsonObject,
  ctx: MapContext,
  path: string,
): { start: string | null; end: string | null } {
  const period = obj(item.servicedPeriod);
  if (period) {
    return {
      start: ctx.date(period.start, `${path}.servicedPeriod.start`),
      end: ctx.date(period.end, `${path}.servicedPeriod.end`),
    };
  }
  const single = ctx.date(item.servicedDate, `${path}.servicedDate`);
  return { start: single, end: single };
}

function quantityOf(item: JsonObject, ctx: MapContext, path: string): string | null {
  try {
    return decimalString(obj(item.quantity)?.value) ?? null;
  } catch (err) {
    ctx.warn(`${path}.quantity.value: ${(err as ValueError).message}; stored as NULL`);
    return null;
  }
}
