/**
 * v3 amounts: every `adjudication` and `total` entry carries a generic CARIN/HL7 code and the
 * IDR name of the amount in `https://bluebutton.cms.gov/fhir/CodeSystem/Adjudication`
 * (CLM_LINE_CVRD_PD_AMT, CLM_SBMT_CHRG_AMT, ...). Counts (CLM_INSTNL_CVRD_DAY_CNT) use `value`.
 */
import type { MapContext } from '../map-context.ts';
import { arr, obj, str, type Coding } from '../read.ts';
import { sumCents } from '../values.ts';
import { ADJUDICATION_SYSTEM } from './codes.ts';

export interface V3MoneyEntry {
  /** The generic code (submitted, benefit, paidbypatient, ...) and its system. */
  generic: Coding | undefined;
  /** The IDR name: CLM_LINE_SBMT_CHRG_AMT, ... */
  idr: string | undefined;
  cents: number | undefined;
  /** `value` (a count or rate) when the entry has no amount. */
  value: unknown;
}

export function splitV3Category(concept: unknown): { generic: Coding | undefined; idr: string | undefined } {
  let generic: Coding | undefined;
  let idr: string | undefined;
  for (const c of arr(obj(concept)?.coding)) {
    const code = str(c.code);
    if (!code) continue;
    const system = str(c.system);
    if (system === ADJUDICATION_SYSTEM) idr ??= code;
    else generic ??= { system, code, display: str(c.display) };
  }
  return { generic, idr };
}

export function readMoneyEntries(list: unknown, ctx: MapContext, path: string): V3MoneyEntry[] {
  return arr(list).map((entry, i) => {
    const { generic, idr } = splitV3Category(entry.category);
    const cents = ctx.cents(obj(entry.amount)?.value, () => `${path}[${i}].amount.value`);
    return { generic, idr, cents, value: entry.value };
  });
}

/** The first amount among `entries` named by one of `idrs` (in order of preference), else by `generic`. */
export function amountOf(
  entries: readonly V3MoneyEntry[],
  idrs: readonly string[],
  generic?: string,
): number | undefined {
  for (const idr of idrs) {
    for (const e of entries) if (e.idr === idr && e.cents !== undefined) return e.cents;
  }
  if (generic) {
    for (const e of entries)
      if (e.idr === undefined && e.generic?.code === generic && e.cents !== undefined) return e.cents;
  }
  return undefined;
}

/** The sum over lines of one amount; undefined when no line has it. */
export function lineSum(
  lines: readonly (readonly V3MoneyEntry[])[],
  idrs: readonly string[],
  generic?: string,
) {
  return sumCents(lines.map((entries) => amountOf(entries, idrs, generic)));
}
