/**
 * Money: line adjudications, claim-level `total[]` and `benefitBalance[].financial[]`, and the
 * claim amounts derived from them per claim type. The rules are documented in the README
 * ("Money columns") and must change together with it.
 */
import type { MapContext } from '../map-context.ts';
import { arr, CMS_CODESYSTEM, CMS_VARIABLES, obj, str, variableName, type JsonObject } from '../read.ts';
import type { ADJUDICATION_COLUMNS, ClaimFinancialRow, ClaimLineRow } from '../../model/analytics-rows.ts';
import { centsToString, sumCents } from '../values.ts';
import { PROFESSIONAL, type ClaimType } from './claim-type.ts';

/** One adjudication-like entry: the generic code, the CMS variable, the amount. */
export interface MoneyEntry {
  category: string | undefined;
  categorySystem: string | undefined;
  variable: string | undefined;
  cents: number | undefined;
}

export interface Lineage {
  claim_id: string;
  last_updated: string | null;
}

export function text(cents: number | undefined): string | null {
  return cents === undefined ? null : centsToString(cents);
}

/**
 * A category's codings split into the generic CARIN/HL7 code and the CMS variable. The order of
 * the two codings is not fixed (2020 data puts the variable first), so they are told apart by
 * content: the variable coding's code is a `.../variables/<name>` URL.
 */
interface Category {
  /** The first coding that is not a CMS variable (its code; it has one). */
  code: string | undefined;
  system: string | undefined;
  variable: string | undefined;
}

/**
 * Reads a category into `into` (reused by the hot loops: one object per call site, not per entry)
 * and returns it.
 */
function splitCategory(concept: unknown, into: Category): Category {
  into.code = undefined;
  into.system = undefined;
  into.variable = undefined;
  const list = obj(concept)?.coding;
  if (!Array.isArray(list)) return into;
  for (const c of list as JsonObject[]) {
    if (!c || typeof c !== 'object') continue;
    const code = typeof c.code === 'string' ? c.code : undefined;
    const system = typeof c.system === 'string' ? c.system : undefined;
    if (!code) continue;
    if (code.startsWith(CMS_VARIABLES) && system?.startsWith(CMS_CODESYSTEM)) {
      into.variable ??= code.slice(CMS_VARIABLES.length);
    } else if (into.code === undefined) {
      into.code = code;
      into.system = system;
    }
  }
  return into;
}

const newCategory = (): Category => ({ code: undefined, system: undefined, variable: undefined });

/** A line's adjudication entries as the claim_lines columns that hold them: one list per field. */
export type AdjudicationLists = Required<Pick<ClaimLineRow, (typeof ADJUDICATION_COLUMNS)[number]>>;

export function newAdjudicationLists(): AdjudicationLists {
  return {
    adjudication_categories: [],
    adjudication_category_systems: [],
    adjudication_variables: [],
    adjudication_amounts: [],
    adjudication_currencies: [],
    adjudication_reason_codes: [],
    adjudication_reason_systems: [],
  };
}

/** One adjudication entry's fields, in the order of AdjudicationLists. */
export function addAdjudication(
  lists: AdjudicationLists,
  category: string | null,
  categorySystem: string | null,
  variable: string | null,
  amount: string | null,
  currency: string | null,
  reasonCode: string | null,
  reasonSystem: string | null,
): void {
  lists.adjudication_categories.push(category);
  lists.adjudication_category_systems.push(categorySystem);
  lists.adjudication_variables.push(variable);
  lists.adjudication_amounts.push(amount);
  lists.adjudication_currencies.push(currency);
  lists.adjudication_reason_codes.push(reasonCode);
  lists.adjudication_reason_systems.push(reasonSystem);
}

/**
 * One line's adjudication entries: adds them to `lists` (the line's columns) and returns them as
 * MoneyEntry. Hot loop (a claim can carry hundreds of adjudication entries): no per-entry
 * allocations beyond the entry itself, and error paths are only built on failure.
 */
export function mapLineAdjudications(
  item: JsonObject,
  itemIndex: number,
  ctx: MapContext,
  lists: AdjudicationLists,
): MoneyEntry[] {
  const entries: MoneyEntry[] = [];
  const list = arr(item.adjudication);
  const category = newCategory();
  for (let j = 0; j < list.length; j++) {
    const adj = list[j]!;
    const { code, system, variable } = splitCategory(adj.category, category);
    const reasonCoding = arr(obj(adj.reason)?.coding)[0];
    const reasonSystem = str(reasonCoding?.system);
    const amount = obj(adj.amount);
    const cents = ctx.cents(amount?.value, () => `item[${itemIndex}].adjudication[${j}].amount.value`);
    entries.push({ category: code, categorySystem: system, variable, cents });
    addAdjudication(
      lists,
      code ?? null,
      system ?? null,
      // A denial reason carries no amount; its CMS variable is the reason's code system.
      variable ?? variableName(reasonSystem) ?? null,
      cents === undefined ? null : centsToString(cents),
      str(amount?.currency) ?? null,
      str(reasonCoding?.code) ?? null,
      reasonSystem ?? null,
    );
  }
  return entries;
}

/** The first amount among `variables` (in that order of preference) on one line. */
export function entryAmount(entries: readonly MoneyEntry[], ...variables: string[]): number | undefined {
  for (const v of variables) {
    for (const e of entries) if (e.variable === v && e.cents !== undefined) return e.cents;
  }
  return undefined;
}

/** The line-level amounts a claim line row carries, per claim type. */
export function lineAmounts(claimType: ClaimType, entries: readonly MoneyEntry[]) {
  const amount = (...variables: string[]) => entryAmount(entries, ...variables);
  return {
    submitted_amount: text(amount('line_sbmtd_chrg_amt', 'rev_cntr_tot_chrg_amt', 'tot_rx_cst_amt')),
    allowed_amount: text(amount('line_alowd_chrg_amt')),
    paid_amount: text(amount('line_nch_pmt_amt', 'rev_cntr_pmt_amt_amt', 'cvrd_d_plan_pd_amt')),
    patient_responsibility_amount: text(
      PROFESSIONAL.has(claimType)
        ? sumCents([amount('line_bene_ptb_ddctbl_amt'), amount('line_coinsrnc_amt')])
        : amount('rev_cntr_ptnt_rspnsblty_pmt', 'ptnt_pay_amt'),
    ),
    noncovered_amount: text(amount('rev_cntr_ncvrd_chrg_amt')),
  };
}

export interface ClaimMoney {
  financials: ClaimFinancialRow[];
  totals: MoneyEntry[];
  /** benefitBalance amounts by CMS variable (the first one wins). */
  balances: Map<string, number>;
}

/** Claim-level money rows: `total[]` then `benefitBalance[].financial[]`, numbered in that order. */
export function mapClaimFinancials(resource: JsonObject, lineage: Lineage, ctx: MapContext): ClaimMoney {
  const financials: ClaimFinancialRow[] = [];
  const totals: MoneyEntry[] = [];
  const balances = new Map<string, number>();
  const category = newCategory();
  const totalList = arr(resource.total);
  for (let i = 0; i < totalList.length; i++) {
    const t = totalList[i]!;
    const { code, system, variable } = splitCategory(t.category, category);
    const cents = ctx.cents(obj(t.amount)?.value, () => `total[${i}].amount.value`);
    totals.push({ category: code, categorySystem: system, variable, cents });
    financials.push({
      claim_id: lineage.claim_id,
      last_updated: lineage.last_updated,
      entry_index: financials.length,
      source: 'total',
      category: code ?? null,
      variable: variable ?? null,
      amount: text(cents),
      count_value: null,
    });
  }
  const balanceList = arr(resource.benefitBalance);
  for (let b = 0; b < balanceList.length; b++) {
    const financialList = arr(balanceList[b]!.financial);
    for (let i = 0; i < financialList.length; i++) {
      const f = financialList[i]!;
      // Paths are built only for a message: this runs for every entry of every claim.
      const path = () => `benefitBalance[${b}].financial[${i}]`;
      const variable = firstVariable(f.type);
      const cents = ctx.cents(obj(f.usedMoney)?.value, () => `${path()}.usedMoney.value`);
      if (variable && cents !== undefined && !balances.has(variable)) balances.set(variable, cents);
      financials.push({
        claim_id: lineage.claim_id,
        last_updated: lineage.last_updated,
        entry_index: financials.length,
        source: 'benefit_balance',
        category: null,
        variable: variable ?? null,
        amount: text(cents),
        count_value: ctx.int(f.usedUnsignedInt, () => `${path()}.usedUnsignedInt`),
      });
    }
  }
  return { financials, totals, balances };
}

/** The CMS variable named by the first coding of `concept` that names one. */
function firstVariable(concept: unknown): string | undefined {
  for (const c of arr(obj(concept)?.coding)) {
    const variable = variableName(str(c.code));
    if (variable) return variable;
  }
  return undefined;
}

export interface ClaimAmounts {
  payment: number | undefined;
  submitted: number | undefined;
  allowed: number | undefined;
  patientResponsibility: number | undefined;
  primaryPayer: number | undefined;
}

/** The claim's money columns, by claim type (see the README's "Money columns"). */
export function claimAmounts(
  claimType: ClaimType,
  resource: JsonObject,
  money: ClaimMoney,
  lineEntries: ReadonlyMap<number, readonly MoneyEntry[]>,
  ctx: MapContext,
): ClaimAmounts {
  const { totals, balances } = money;
  const paymentCents = ctx.cents(obj(obj(resource.payment)?.amount)?.value, 'payment.amount.value');

  if (claimType === 'pde') {
    return {
      payment: sumOverLines(lineEntries, 'cvrd_d_plan_pd_amt'),
      submitted: drugCostTotal(totals) ?? sumOverLines(lineEntries, 'tot_rx_cst_amt'),
      allowed: undefined,
      patientResponsibility: sumOverLines(lineEntries, 'ptnt_pay_amt'),
      primaryPayer: sumCents([
        sumOverLines(lineEntries, 'othr_troop_amt'),
        sumOverLines(lineEntries, 'plro_amt'),
      ]),
    };
  }
  if (PROFESSIONAL.has(claimType)) {
    return {
      payment: paymentCents,
      submitted:
        balances.get('nch_carr_clm_sbmtd_chrg_amt') ?? sumOverLines(lineEntries, 'line_sbmtd_chrg_amt'),
      allowed: balances.get('nch_carr_clm_alowd_amt') ?? sumOverLines(lineEntries, 'line_alowd_chrg_amt'),
      patientResponsibility: sumCents([
        sumOverLines(lineEntries, 'line_bene_ptb_ddctbl_amt'),
        sumOverLines(lineEntries, 'line_coinsrnc_amt'),
      ]),
      // BFD writes the carrier primary-payer-paid amount into `total`, labelled clm_tot_chrg_amt.
      primaryPayer: totalCents(totals, 'clm_tot_chrg_amt'),
    };
  }
  // The 2020 data has one institutional total without any category: it is the total charge.
  const onlyTotal = totals.length === 1 ? totals[0] : undefined;
  return {
    payment: paymentCents,
    submitted:
      totalCents(totals, 'clm_tot_chrg_amt') ??
      (onlyTotal && onlyTotal.category === undefined && onlyTotal.variable === undefined
        ? onlyTotal.cents
        : undefined),
    allowed: undefined,
    patientResponsibility: institutionalPatientResponsibility(claimType, balances),
    primaryPayer: balances.get('prpayamt'),
  };
}

/*
 * The readers below are module functions rather than closures inside `claimAmounts`: V8 holds
 * a closure's optimized code weakly, so closures made for every claim were compiled again after
 * each full garbage collection (docs/performance.md, "Closures compiled again").
 */

/** The sum over the lines of each line's first entry for `variable` (undefined when none has one). */
function sumOverLines(
  lineEntries: ReadonlyMap<number, readonly MoneyEntry[]>,
  variable: string,
): number | undefined {
  const amounts: (number | undefined)[] = [];
  for (const entries of lineEntries.values()) {
    let cents: number | undefined;
    for (const e of entries) {
      if (e.variable === variable) {
        cents = e.cents;
        break;
      }
    }
    amounts.push(cents);
  }
  return sumCents(amounts);
}

/** The first total of category `drugcost` (a Part D event's total drug cost). */
function drugCostTotal(totals: readonly MoneyEntry[]): number | undefined {
  for (const t of totals) if (t.category === 'drugcost') return t.cents;
  return undefined;
}

/** The first total for `variable` that has an amount. */
function totalCents(totals: readonly MoneyEntry[], variable: string): number | undefined {
  for (const t of totals) if (t.variable === variable && t.cents !== undefined) return t.cents;
  return undefined;
}

function institutionalPatientResponsibility(
  claimType: ClaimType,
  balances: ReadonlyMap<string, number>,
): number | undefined {
  if (claimType === 'outpatient') {
    return sumCents([
      balances.get('nch_bene_ptb_ddctbl_amt'),
      balances.get('nch_bene_ptb_coinsrnc_amt'),
      balances.get('nch_bene_blood_ddctbl_lblty_am'),
    ]);
  }
  if (claimType === 'inpatient' || claimType === 'snf') {
    return sumCents([
      balances.get('nch_bene_ip_ddctbl_amt'),
      balances.get('nch_bene_pta_coinsrnc_lblty_amt'),
      balances.get('nch_bene_blood_ddctbl_lblty_am'),
    ]);
  }
  return undefined;
}
