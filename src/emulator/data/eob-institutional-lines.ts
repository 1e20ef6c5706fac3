/** The revenue-center lines of institutional claims and their money, per claim type. */
import {
  HHA_HIPPS,
  HHA_LINES,
  HOSPICE_LINES,
  INPATIENT_LINES,
  OUTPATIENT_LINES,
  PART_B_DEDUCTIBLE,
  SNF_LINES,
  type Code,
  type RevenueLine,
} from './codes.ts';
import { type Ctx } from './eob-common.ts';
import { Memo, type Obj } from './fhir-builders.ts';
import { Rng } from './prng.ts';

export type Institutional = 'inpatient' | 'outpatient' | 'snf' | 'hha' | 'hospice';

export interface InstLine {
  readonly def: RevenueLine;
  readonly hcpcs: string | undefined;
  readonly units: number;
  charge: number;
  rate: number;
  noncovered: number;
  payment: number;
  cashDeductible: number;
  bloodDeductible: number;
  coinsurance: number;
  reducedCoinsurance: number;
  msp1: number;
  msp2: number;
  toProvider: number;
  toPatient: number;
  status: Code | undefined;
  denial: readonly string[];
}

export const STATUS_INDICATORS: Readonly<Record<string, Code>> = {
  A: ['A', 'Services not paid under OPPS; uses a different fee schedule (e.g., ambulance, PT, mammography)'],
  N: ['N', 'Items and services packaged into APC rates'],
  S: ['S', 'Procedure or service, not discounted when multiple'],
  T: ['T', 'Procedure or service, multiple reduction applies'],
  V: ['V', 'Clinic or emergency department visit'],
  K: ['K', 'Non-pass-through drugs and biologicals paid under OPPS'],
};

function outpatientStatus(revenue: string): Code {
  let key = 'S';
  if (revenue === '0450' || revenue === '0510') key = 'V';
  else if (revenue.startsWith('030') || revenue === '0420') key = 'A';
  else if (revenue === '0636') key = 'K';
  else if (revenue === '0250' || revenue === '0270' || revenue === '0762') key = 'N';
  else if (revenue === '0360') key = 'T';
  return STATUS_INDICATORS[key] ?? ['A', ''];
}

function newLine(def: RevenueLine, hcpcs: string | undefined, units: number, charge: number): InstLine {
  return {
    def,
    hcpcs,
    units,
    charge,
    rate: 0,
    noncovered: 0,
    payment: 0,
    cashDeductible: 0,
    bloodDeductible: 0,
    coinsurance: 0,
    reducedCoinsurance: 0,
    msp1: 0,
    msp2: 0,
    toProvider: 0,
    toPatient: 0,
    status: undefined,
    denial: [],
  };
}

function lineCharge(c: Ctx, def: RevenueLine, multiplier = 1): number {
  return Math.round(c.money.cents(def.charge[0], def.charge[1], 0.3) * multiplier * c.scale);
}

/** The revenue-center lines and their money, per type. */
export function institutionalLines(c: Ctx, kind: Institutional, msp: boolean): InstLine[] {
  return LINES_OF[kind](c, msp);
}

/** Room and board for the stay, then ancillary lines; some charges not covered. */
function inpatientLines(c: Ctx): InstLine[] {
  const { rng } = c;
  const m = c.money;
  const los = Math.max(1, c.plan.thru - c.plan.from);
  const lines: InstLine[] = [];
  const room = INPATIENT_LINES[0] as RevenueLine;
  lines.push(newLine(room, undefined, los, lineCharge(c, room, Math.min(los, 6) / 2)));
  const n = rng.int(2, 9);
  for (const def of pickLines(rng, INPATIENT_LINES.slice(1), n)) {
    lines.push(newLine(def, def.hcpcs, rng.int(1, 12), lineCharge(c, def)));
  }
  for (const l of lines) {
    l.noncovered = m.chance(0.12) ? Math.round(l.charge * (0.01 + m.next() * 0.15)) : 0;
    l.rate = l.def.revenue === '0120' ? Math.round(l.charge / l.units) : 0;
  }
  return lines;
}

/** Days of a stay, counting the first and the last. */
function stayDays(c: Ctx): number {
  return c.plan.thru - c.plan.from + 1;
}

/** The HIPPS line, room and board by day, then therapy lines. */
function snfLines(c: Ctx): InstLine[] {
  const { rng, money: m } = c;
  const days = stayDays(c);
  const hipps = SNF_LINES[0] as RevenueLine;
  const room = SNF_LINES[1] as RevenueLine;
  const lines = [
    newLine(hipps, hipps.hcpcs, days, 0),
    newLine(room, undefined, days, lineCharge(c, room, days / 20)),
  ];
  for (const def of pickLines(rng, SNF_LINES.slice(2), rng.int(0, 4))) {
    lines.push(newLine(def, def.hcpcs, rng.int(2, 30), lineCharge(c, def)));
  }
  for (const l of lines) {
    l.noncovered = l.charge > 0 && m.chance(0.1) ? Math.round(l.charge * (0.01 + m.next() * 0.1)) : 0;
    l.rate = l.def.revenue === '0120' ? Math.round(l.charge / l.units) : 0;
  }
  return lines;
}

/** The HIPPS episode line that carries the payment, then visit lines. */
function hhaLines(c: Ctx): InstLine[] {
  const { rng } = c;
  const m = c.money;
  const lines: InstLine[] = [];
  const visits = pickLines(rng, HHA_LINES, rng.int(1, 4));
  // Under the home-health PPS the episode is paid on the 0023 (HIPPS) line; visit lines carry charges only.
  const episodePayment = Math.round(m.cents(1400, 2900) * c.scale);
  const episode: RevenueLine = { revenue: '0023', hcpcs: rng.pick(HHA_HIPPS), charge: [0, 0] };
  const l0 = newLine(episode, episode.hcpcs, 1, 0);
  l0.payment = episodePayment;
  lines.push(l0);
  for (const def of visits) {
    const units = rng.int(1, 8);
    lines.push(newLine(def, def.hcpcs, units, lineCharge(c, def, units)));
  }
  for (const l of lines) {
    l.status = STATUS_INDICATORS['A'];
    if (l.charge > 0 && m.chance(0.08)) l.noncovered = Math.round(l.charge * 0.1);
    if (m.chance(0.3)) l.denial = ['CO45'];
  }
  return lines;
}

/** Routine home care by day (the paid line), then a few other services. */
function hospiceLines(c: Ctx): InstLine[] {
  const { rng, money: m } = c;
  const days = stayDays(c);
  const routine = HOSPICE_LINES[0] as RevenueLine;
  const perDay = m.cents(190, 235);
  const l0 = newLine(routine, routine.hcpcs, days, Math.round(perDay * days * c.scale));
  l0.payment = Math.round(l0.charge * (0.93 + m.next() * 0.06));
  l0.rate = Math.round(perDay * c.scale);
  const lines = [l0];
  for (const def of pickLines(rng, HOSPICE_LINES.slice(2), rng.int(0, 3))) {
    const units = rng.int(1, 6);
    lines.push(newLine(def, def.hcpcs, units, lineCharge(c, def, units)));
  }
  for (const l of lines) {
    l.toProvider = l.payment;
    if (l.charge > 0 && m.chance(0.05)) l.noncovered = Math.round(l.charge * 0.05);
  }
  return lines;
}

/** Visits, imaging, drugs and therapy, each paid under OPPS rules with the Part B deductible. */
function outpatientLines(c: Ctx, msp: boolean): InstLine[] {
  const { rng } = c;
  const m = c.money;
  const lines: InstLine[] = [];
  const n = rng.weighted([
    [1, 20],
    [2, 25],
    [3, 20],
    [4, 15],
    [5, 8],
    [6, 6],
    [7, 4],
    [8, 2],
  ] as const);
  let deductibleLeft = m.chance(0.12)
    ? Math.round((PART_B_DEDUCTIBLE[c.year] ?? 240) * 100 * (0.2 + m.next() * 0.8))
    : 0;
  for (const def of pickLines(rng, OUTPATIENT_LINES, n)) {
    // Visits and imaging are one unit; drugs and therapy may bill several; observation bills hours.
    const multiUnit = def.revenue === '0636' || def.revenue === '0420' || def.revenue === '0250';
    const units = def.revenue === '0762' ? rng.int(8, 30) : multiUnit && rng.chance(0.4) ? rng.int(2, 4) : 1;
    const l = newLine(def, def.hcpcs, units, lineCharge(c, def, def.revenue === '0762' ? 1 : units));
    l.status = outpatientStatus(def.revenue);
    l.rate = m.chance(0.5) ? 0 : Math.round(l.charge / units);
    l.noncovered = m.chance(0.08) ? Math.round(l.charge * (0.05 + m.next() * 0.3)) : 0;
    const covered = l.charge - l.noncovered;
    const fraction =
      l.status[0] === 'N' ? 0 : l.status[0] === 'A' ? 0.1 + m.next() * 0.2 : 0.2 + m.next() * 0.25;
    const allowed = Math.round(covered * fraction);
    l.cashDeductible = Math.min(allowed, deductibleLeft);
    deductibleLeft -= l.cashDeductible;
    l.coinsurance = l.status[0] === 'A' ? 0 : Math.round((allowed - l.cashDeductible) * 0.2);
    l.reducedCoinsurance = l.coinsurance > 0 && m.chance(0.1) ? Math.round(l.coinsurance * 0.9) : 0;
    l.msp1 = msp && allowed > 0 ? Math.round((allowed - l.cashDeductible - l.coinsurance) * 0.5) : 0;
    l.payment = allowed - l.cashDeductible - l.coinsurance - l.msp1;
    l.toProvider = l.payment;
    if (l.payment > 0 && m.chance(0.25)) l.denial = ['CO45'];
    else if (l.payment === 0 && l.status[0] === 'N') {
      l.denial = m.chance(0.5) ? ['CO97', 'CO45'] : ['CO97'];
    }
    lines.push(l);
  }
  return lines;
}

export const UCUM_UNITS: readonly Code[] = [
  ['UN', 'Unit'],
  ['ML', 'Milliliter'],
  ['GR', 'Gram'],
];

const LOCATION_ADDRESS = new Memo<Obj>();
export function locationAddress(state: string): Obj {
  return LOCATION_ADDRESS.lookup(state, '', '') ?? LOCATION_ADDRESS.store(state, '', '', { state });
}

function pickLines(rng: Rng, defs: readonly RevenueLine[], n: number): RevenueLine[] {
  const out: RevenueLine[] = [];
  const used = new Set<RevenueLine>();
  for (let tries = 0; out.length < n && tries < n * 6; tries++) {
    const d = rng.pick(defs);
    if (used.has(d)) continue;
    used.add(d);
    out.push(d);
  }
  return out;
}

const LINES_OF: Readonly<Record<Institutional, (c: Ctx, msp: boolean) => InstLine[]>> = {
  inpatient: inpatientLines,
  outpatient: outpatientLines,
  snf: snfLines,
  hha: hhaLines,
  hospice: hospiceLines,
};
