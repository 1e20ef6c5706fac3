/**
 * v3 money: reading the `adjudication` and `total` entries, the claim-level money columns and the
 * claim_financials rows. Every entry carries a generic CARIN/HL7 code and the IDR name of the
 * amount in `https://bluebutton.cms.gov/fhir/CodeSystem/Adjudication` (CLM_LINE_CVRD_PD_AMT,
 * CLM_SBMT_CHRG_AMT, ...). Counts (CLM_INSTNL_CVRD_DAY_CNT) use `value`.
 */
import type { MapContext } from '../map-context.ts';
import { PROFESSIONAL, type ClaimType } from '../eob/claim-type.ts';
import { text, type Lineage } from '../eob/money.ts';
import { arr, obj, str, type Coding, type JsonObject } from '../read.ts';
import type { ClaimFinancialRow } from '../../model/analytics-rows.ts';
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

export interface V3ClaimMoney {
  payment?: number;
  submitted?: number;
  allowed?: number;
  patientResponsibility?: number;
  primaryPayer?: number;
}

/** The claim-level money columns, per claim type (the v2 rules, in IDR names). */
export function v3ClaimMoney(
  claimType: ClaimType,
  resource: JsonObject,
  totals: V3MoneyEntry[],
  header: V3MoneyEntry[],
  lines: V3MoneyEntry[][],
  ctx: MapContext,
): V3ClaimMoney {
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
export function v3FinancialRows(
  totals: V3MoneyEntry[],
  header: V3MoneyEntry[],
  lineage: Lineage,
  ctx: MapContext,
): ClaimFinancialRow[] {
  const rows: ClaimFinancialRow[] = [];
  const add = (source: 'total' | 'adjudication', entry: V3MoneyEntry, count: number | null) =>
    rows.push({
      ...lineage,
      entry_index: rows.length,
      source,
      category: entry.generic?.code ?? null,
      variable: entry.idr ?? null,
      amount: text(entry.cents),
      count_value: count,
    });
  for (const t of totals) add('total', t, null);
  header.forEach((h, i) => {
    if (h.cents === undefined && h.value === undefined) return;
    const whole = typeof h.value === 'number' && Number.isInteger(h.value);
    add('adjudication', h, whole ? ctx.int(h.value, `adjudication[${i}].value`) : null);
  });
  return rows;
}
