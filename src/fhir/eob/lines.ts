/** EOB `item[]` -> claim_lines (and, through money.ts, their adjudications). */
import type { MapContext } from '../map-context.ts';
import { arr, CMS_VARIABLES, codingBySystem, codings, obj, type JsonObject } from '../read.ts';
import type { ClaimLineAdjudicationRow, ClaimLineRow } from '../../model/analytics-rows.ts';
import { decimalString, ValueError } from '../values.ts';
import type { ClaimType } from './claim-type.ts';
import { preferredCoding, PRODUCT_SYSTEM_PREFERENCE } from './codes.ts';
import { lineAmounts, mapLineAdjudications, type MoneyEntry } from './money.ts';
import { renderingProviderOf } from './parties.ts';

export interface MappedLines {
  lines: ClaimLineRow[];
  adjudications: ClaimLineAdjudicationRow[];
  /** Each line's money entries by line number, for the claim-level sums. */
  lineEntries: Map<number, MoneyEntry[]>;
}

/** Institutional lines mostly carry no service date: they fall back to the billable period. */
export interface BillablePeriod {
  start: string | null;
  end: string | null;
}

export function mapLines(
  resource: JsonObject,
  claimType: ClaimType,
  billable: BillablePeriod,
  ctx: MapContext,
): MappedLines {
  const lines: ClaimLineRow[] = [];
  const adjudications: ClaimLineAdjudicationRow[] = [];
  const lineEntries = new Map<number, MoneyEntry[]>();
  const items = arr(resource.item);
  const renderingOf = renderingProviderOf(resource);
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const lineNumber = ctx.int(item.sequence, () => `item[${i}].sequence`);
    if (lineNumber === null) ctx.fail('a line has no usable sequence number', `item[${i}].sequence`);
    if (lineEntries.has(lineNumber)) {
      ctx.fail(`line sequence ${lineNumber} appears twice`, `item[${i}].sequence`);
    }
    const entries = mapLineAdjudications(item, i, lineNumber, ctx, adjudications);
    lineEntries.set(lineNumber, entries);
    const line = mapLine(item, i, lineNumber, claimType, entries, billable, ctx);
    line.rendering_npi = renderingOf(item);
    lines.push(line);
  }
  return { lines, adjudications, lineEntries };
}

function mapLine(
  item: JsonObject,
  index: number,
  lineNumber: number,
  claimType: ClaimType,
  entries: readonly MoneyEntry[],
  billable: BillablePeriod,
  ctx: MapContext,
): ClaimLineRow {
  const path = `item[${index}]`;
  const product = preferredCoding(item.productOrService, PRODUCT_SYSTEM_PREFERENCE);
  const served = lineDates(item, ctx, path);
  return {
    claim_id: ctx.resourceId,
    line_number: lineNumber,
    product_system: product?.system ?? null,
    product_code: product?.code ?? null,
    product_display: product?.display ?? null,
    modifiers: modifierCodes(item),
    revenue_code: codingBySystem(item.revenue, `${CMS_VARIABLES}rev_cntr`)?.code ?? null,
    place_of_service:
      codingBySystem(item.locationCodeableConcept, `${CMS_VARIABLES}line_place_of_srvc_cd`)?.code ?? null,
    service_start: served.start ?? billable.start,
    service_end: served.end ?? billable.end,
    service_dates_from_claim: served.start || served.end ? 0 : 1,
    quantity: quantityOf(item, ctx, path),
    ...lineAmounts(claimType, entries),
    last_updated: ctx.lastUpdated,
  };
}

function modifierCodes(item: JsonObject): string[] | null {
  const codes = arr(item.modifier)
    .map((m) => codings(m)[0]?.code)
    .filter((c): c is string => Boolean(c));
  return codes.length ? codes : null;
}

/** A line's service dates: its servicedPeriod, else its one servicedDate as start and end. */
export function lineDates(
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

export function quantityOf(item: JsonObject, ctx: MapContext, path: string): string | null {
  try {
    return decimalString(obj(item.quantity)?.value) ?? null;
  } catch (err) {
    ctx.warn(`${path}.quantity.value: ${(err as ValueError).message}; stored as NULL`);
    return null;
  }
}
