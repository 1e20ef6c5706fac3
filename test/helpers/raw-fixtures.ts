/**
 * The expected contents of the analytics views, computed straight from the fixture JSON: an
 * independent reading of the raw resources written from the README ("Money columns") and
 * ../shared/reference/bb2-data-shape.md, without the normalizer or the database. Tests compare
 * the views with these values.
 *
 * Amounts are integer cents; dates are 'YYYY-MM-DD' strings.
 */
import { readFileSync } from 'node:fs';

import { listInputFiles } from '../../src/import/read-files.ts';
import { FIXTURES_DIR, type Json } from './fixtures.ts';

const VARIABLES = 'https://bluebutton.cms.gov/resources/variables/';
const KEPT_TYPES = new Set(['Patient', 'Coverage', 'ExplanationOfBenefit']);

export interface RawFixtures {
  patients: Json[];
  coverages: Json[];
  eobs: Json[];
}

/**
 * The resources an import of the whole fixtures folder keeps. The fixtures hold several copies of
 * some resources (a read next to a search, sandbox pages of different vintages), and some copies
 * differ (e.g. `bfd/eob-carrier-multiple-lines.json`). `bbsync import` keeps, per resource type
 * and id, the copy with the newest meta.lastUpdated, or, when that does not tell them apart
 * (equal, or not a timestamp such as BFD's "IGNORED_FIELD"), the last copy in file order. The
 * same rule is applied here, walking the files in the order the import lists them (sorted,
 * depth-first), so the expectations describe exactly the resources the views are built from.
 */
export async function rawFixtures(): Promise<RawFixtures> {
  const kept = new Map<string, Json>();
  for (const file of await listInputFiles([FIXTURES_DIR])) {
    const json = JSON.parse(readFileSync(file.path, 'utf8')) as Json;
    const resources: Json[] =
      json.resourceType === 'Bundle' ? ((json.entry ?? []) as Json[]).map((e) => e.resource as Json) : [json];
    for (const r of resources) {
      if (!r || !KEPT_TYPES.has(r.resourceType) || typeof r.id !== 'string') continue;
      const key = `${r.resourceType}/${r.id}`;
      const previous = kept.get(key);
      const older =
        previous && instant(r) !== null && instant(previous) !== null && instant(r)! < instant(previous)!;
      if (!older) kept.set(key, r);
    }
  }
  const all = [...kept.values()];
  return {
    patients: all.filter((r) => r.resourceType === 'Patient'),
    coverages: all.filter((r) => r.resourceType === 'Coverage'),
    eobs: all.filter((r) => r.resourceType === 'ExplanationOfBenefit'),
  };
}

/** meta.lastUpdated in milliseconds; null when absent or not a timestamp. */
export function instant(resource: Json): number | null {
  const value = resource.meta?.lastUpdated;
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? null : ms;
}

export function cents(value: unknown): number | null {
  return typeof value === 'number' ? Math.round(value * 100) : null;
}

/** '1234.50' -> 123450 (a numeric column as the database returns it). */
export function dbCents(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const [whole = '0', fraction = ''] = value.replace('-', '').split('.');
  const n = Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
  return value.startsWith('-') ? -n : n;
}

/** Sums the known values; null when none is known (as SQL's sum). */
export function sum(values: Iterable<number | null>): number | null {
  let total: number | null = null;
  for (const v of values) if (v !== null) total = (total ?? 0) + v;
  return total;
}

const ref = (reference: Json | undefined, type: string): string | undefined => {
  const value = reference?.reference;
  return typeof value === 'string' && value.startsWith(`${type}/`) ? value.slice(type.length + 1) : undefined;
};

/** The CMS variable named by a concept's `.../variables/<name>` coding. */
function variableOf(concept: Json | undefined): string | undefined {
  for (const c of (concept?.coding ?? []) as Json[]) {
    if (typeof c.code === 'string' && c.code.startsWith(VARIABLES)) return c.code.slice(VARIABLES.length);
  }
  return undefined;
}

const dateOf = (value: unknown): string | null => (typeof value === 'string' ? value.slice(0, 10) : null);

// ---- claims ----------------------------------------------------------------------------------

export interface RawClaim {
  id: string;
  patientId: string;
  type: string;
  /** billablePeriod.start, else the earliest line date. */
  serviceDate: string | null;
  /** billablePeriod.end (else its start); without a billablePeriod, the latest line date. */
  thruDate: string | null;
  payment: number | null;
  submitted: number | null;
  allowed: number | null;
  patientResponsibility: number | null;
  lastUpdated: number | null;
}

/** The first amount of `variable` on each line (an adjudication entry), by line. */
function lineAmounts(eob: Json, variable: string): (number | null)[] {
  return ((eob.item ?? []) as Json[]).map((item) => {
    const entry = ((item.adjudication ?? []) as Json[]).find((a) => variableOf(a.category) === variable);
    return entry ? cents(entry.amount?.value) : null;
  });
}

const lineSum = (eob: Json, variable: string) => sum(lineAmounts(eob, variable));

function benefitBalance(eob: Json, variable: string): number | null {
  for (const b of (eob.benefitBalance ?? []) as Json[]) {
    for (const f of (b.financial ?? []) as Json[]) {
      if (variableOf(f.type) === variable) return cents(f.usedMoney?.value);
    }
  }
  return null;
}

function totalOf(eob: Json, match: (t: Json) => boolean): number | null {
  const found = ((eob.total ?? []) as Json[]).find(match);
  return found ? cents(found.amount?.value) : null;
}

function lineDates(eob: Json): { starts: string[]; ends: string[] } {
  const starts: string[] = [];
  const ends: string[] = [];
  for (const item of (eob.item ?? []) as Json[]) {
    const start = dateOf(item.servicedPeriod?.start ?? item.servicedDate);
    const end = dateOf(item.servicedPeriod?.end) ?? start;
    if (start) starts.push(start);
    if (end) ends.push(end);
  }
  return { starts: starts.sort(), ends: ends.sort() };
}

/** One EOB read the way the README's "Money columns" table says. */
export function rawClaim(eob: Json): RawClaim {
  const id = eob.id as string;
  const type = id.slice(0, id.indexOf('-'));
  const { starts, ends } = lineDates(eob);
  const serviceDate = dateOf(eob.billablePeriod?.start) ?? starts[0] ?? null;
  const thruDate = eob.billablePeriod?.start
    ? (dateOf(eob.billablePeriod.end) ?? serviceDate)
    : (ends.at(-1) ?? serviceDate);
  const claim: RawClaim = {
    id,
    patientId: ref(eob.patient, 'Patient')!,
    type,
    serviceDate,
    thruDate,
    payment: null,
    submitted: null,
    allowed: null,
    patientResponsibility: null,
    lastUpdated: instant(eob),
  };
  if (type === 'pde') {
    claim.payment = lineSum(eob, 'cvrd_d_plan_pd_amt');
    claim.submitted =
      totalOf(eob, (t) => ((t.category?.coding ?? []) as Json[]).some((c) => c.code === 'drugcost')) ??
      lineSum(eob, 'tot_rx_cst_amt');
    claim.patientResponsibility = lineSum(eob, 'ptnt_pay_amt');
  } else if (type === 'carrier' || type === 'dme') {
    claim.payment = cents(eob.payment?.amount?.value);
    claim.submitted =
      benefitBalance(eob, 'nch_carr_clm_sbmtd_chrg_amt') ?? lineSum(eob, 'line_sbmtd_chrg_amt');
    claim.allowed = benefitBalance(eob, 'nch_carr_clm_alowd_amt') ?? lineSum(eob, 'line_alowd_chrg_amt');
    claim.patientResponsibility = sum([
      lineSum(eob, 'line_bene_ptb_ddctbl_amt'),
      lineSum(eob, 'line_coinsrnc_amt'),
    ]);
  } else {
    claim.payment = cents(eob.payment?.amount?.value);
    const totals = (eob.total ?? []) as Json[];
    // bb2-data-shape.md §7: one 2020 inpatient has a single total without a category: the total charge.
    claim.submitted =
      totalOf(eob, (t) => variableOf(t.category) === 'clm_tot_chrg_amt') ??
      (totals.length === 1 && !totals[0]!.category ? cents(totals[0]!.amount?.value) : null);
    if (type === 'outpatient') {
      claim.patientResponsibility = sum(
        ['nch_bene_ptb_ddctbl_amt', 'nch_bene_ptb_coinsrnc_amt', 'nch_bene_blood_ddctbl_lblty_am'].map((v) =>
          benefitBalance(eob, v),
        ),
      );
    } else if (type === 'inpatient' || type === 'snf') {
      claim.patientResponsibility = sum(
        ['nch_bene_ip_ddctbl_amt', 'nch_bene_pta_coinsrnc_lblty_amt', 'nch_bene_blood_ddctbl_lblty_am'].map(
          (v) => benefitBalance(eob, v),
        ),
      );
    }
  }
  return claim;
}

/** The first day of the month of a 'YYYY-MM-DD' date. */
export const monthOf = (date: string | null): string | null => (date ? `${date.slice(0, 7)}-01` : null);

// ---- drug fills ------------------------------------------------------------------------------

export interface RawFill {
  claim_id: string;
  patient_id: string;
  fill_date: string | null;
  ndc: string | null;
  drug_name: string | null;
  quantity: number | null;
  days_supply: number | null;
  fill_number: number | null;
  total_cost: number | null;
  plan_paid: number | null;
  patient_paid: number | null;
  prescriber_npi: string | null;
  pharmacy_npi: string | null;
}

function supportingQuantity(eob: Json, code: string): number | null {
  const info = ((eob.supportingInfo ?? []) as Json[]).find((s) =>
    ((s.category?.coding ?? []) as Json[]).some((c) => c.code === code),
  );
  const value = info?.valueQuantity?.value;
  return typeof value === 'number' ? value : null;
}

export function rawFills(eob: Json): RawFill[] {
  const npi = eob.provider?.identifier;
  const prescriber = ((eob.careTeam ?? []) as Json[]).find((m) =>
    ((m.role?.coding ?? []) as Json[]).some((c) => c.code === 'prescribing'),
  );
  return ((eob.item ?? []) as Json[]).map((item) => {
    const ndc = ((item.productOrService?.coding ?? []) as Json[]).find(
      (c) => c.system === 'http://hl7.org/fhir/sid/ndc',
    );
    const amount = (variable: string) => {
      const entry = ((item.adjudication ?? []) as Json[]).find((a) => variableOf(a.category) === variable);
      return entry ? cents(entry.amount?.value) : null;
    };
    return {
      claim_id: eob.id as string,
      patient_id: ref(eob.patient, 'Patient')!,
      fill_date: dateOf(eob.billablePeriod?.start) ?? dateOf(item.servicedDate),
      ndc: (ndc?.code as string | undefined) ?? null,
      drug_name: (ndc?.display as string | undefined) ?? null,
      quantity: typeof item.quantity?.value === 'number' ? (item.quantity.value as number) : null,
      days_supply: supportingQuantity(eob, 'dayssupply'),
      fill_number: supportingQuantity(eob, 'refillnum'),
      total_cost: amount('tot_rx_cst_amt'),
      plan_paid: amount('cvrd_d_plan_pd_amt'),
      patient_paid: amount('ptnt_pay_amt'),
      prescriber_npi: (prescriber?.provider?.identifier?.value as string | undefined) ?? null,
      pharmacy_npi: npi?.system === 'http://hl7.org/fhir/sid/us-npi' ? (npi.value as string) : null,
    };
  });
}

// ---- diagnoses -------------------------------------------------------------------------------

const DIAGNOSIS_SYSTEMS = [
  'http://hl7.org/fhir/sid/icd-10-cm',
  'http://hl7.org/fhir/sid/icd-10',
  'http://hl7.org/fhir/sid/icd-9-cm',
];

export interface RawDiagnosis {
  claimId: string;
  code: string;
  system: string;
  display: string | null;
  principal: boolean;
}

/** The coded diagnoses of an EOB: one per `diagnosis` entry, ICD-10-CM preferred over ICD-10. */
export function rawDiagnoses(eob: Json): RawDiagnosis[] {
  const out: RawDiagnosis[] = [];
  for (const dx of (eob.diagnosis ?? []) as Json[]) {
    const coded = ((dx.diagnosisCodeableConcept?.coding ?? []) as Json[]).filter(
      (c) => typeof c.code === 'string' && c.code !== '',
    );
    const coding = DIAGNOSIS_SYSTEMS.map((s) => coded.find((c) => c.system === s)).find(Boolean) ?? coded[0];
    if (!coding) continue;
    const firstType = ((dx.type ?? []) as Json[]).flatMap((t) => (t.coding ?? []) as Json[])[0];
    out.push({
      claimId: eob.id as string,
      code: coding.code as string,
      system: (coding.system as string).trim(),
      display: (coding.display as string | undefined) ?? null,
      principal: firstType?.code === 'principal',
    });
  }
  return out;
}

// ---- coverage --------------------------------------------------------------------------------

const NO_CONTRACT = new Set(['0', 'N', 'X', '*', '']);

/** A Coverage's CMS variable extensions (`.../variables/<name>`, not the year-embedding copies). */
function coverageVariables(coverage: Json): Map<string, string> {
  const values = new Map<string, string>();
  for (const ext of (coverage.extension ?? []) as Json[]) {
    const url = ext.url as string;
    if (!url.startsWith(VARIABLES) || url.slice(VARIABLES.length).includes('/')) continue;
    const value = ext.valueCoding?.code ?? ext.valueDate ?? ext.valueIdentifier?.value;
    if (typeof value === 'string' && !values.has(url.slice(VARIABLES.length))) {
      values.set(url.slice(VARIABLES.length), value);
    }
  }
  return values;
}

export interface RawCoverage {
  coverage_id: string;
  patient_id: string;
  part: string | null;
  status: string | null;
  period_start: string | null;
  period_end: string | null;
  contract_id: string | null;
  plan_id: string | null;
  dual_status_code: string | null;
  medicare_status_code: string | null;
  termination_code: string | null;
  reference_year: number | null;
}

export function rawCoverage(coverage: Json): RawCoverage {
  const id = coverage.id as string;
  const part = /^part-([a-d])-/.exec(id)?.[1]?.toUpperCase() ?? null;
  const v = coverageVariables(coverage);
  const latest = (prefix: string, present: (code: string) => boolean) => {
    for (let m = 12; m >= 1; m--) {
      const month = String(m).padStart(2, '0');
      const code = v.get(`${prefix}${month}`);
      if (code !== undefined && present(code)) return month;
    }
    return undefined;
  };
  const contract = (contractPrefix: string, planPrefix: string) => {
    const month = latest(contractPrefix, (c) => !NO_CONTRACT.has(c));
    return month
      ? { contract: v.get(`${contractPrefix}${month}`) ?? null, plan: v.get(`${planPrefix}${month}`) ?? null }
      : { contract: null, plan: null };
  };
  const plan =
    part === 'C'
      ? contract('ptc_cntrct_id_', 'ptc_pbp_id_')
      : part === 'D'
        ? contract('ptdcntrct', 'ptdpbpid')
        : { contract: null, plan: null };
  const dualMonth = latest('dual_', (c) => c !== '');
  const year = v.get('rfrnc_yr');
  return {
    coverage_id: id,
    patient_id: ref(coverage.beneficiary, 'Patient')!,
    part,
    status: (coverage.status as string | undefined) ?? null,
    period_start: dateOf(coverage.period?.start),
    period_end: dateOf(coverage.period?.end),
    contract_id: plan.contract,
    plan_id: plan.plan,
    dual_status_code: dualMonth ? (v.get(`dual_${dualMonth}`) ?? null) : null,
    medicare_status_code: v.get('ms_cd') ?? null,
    termination_code: v.get(part === 'A' ? 'a_trm_cd' : 'b_trm_cd') ?? null,
    reference_year: year && /^\d{4}$/.test(year) ? Number(year) : null,
  };
}

// ---- patients --------------------------------------------------------------------------------

export interface RawPatient {
  patient_id: string;
  birth_date: string | null;
  gender: string | null;
  race_code: string | null;
  race_display: string | null;
  state: string | null;
  postal_code: string | null;
  deceased_at: string | null;
}

export function rawPatient(patient: Json): RawPatient {
  const race = ((patient.extension ?? []) as Json[]).find((e) => e.url === `${VARIABLES}race`)?.valueCoding;
  const address = (patient.address ?? [])[0] as Json | undefined;
  return {
    patient_id: patient.id as string,
    birth_date: dateOf(patient.birthDate),
    gender: (patient.gender as string | undefined) ?? null,
    race_code: (race?.code as string | undefined) ?? null,
    race_display: (race?.display as string | undefined) ?? null,
    state: (address?.state as string | undefined) ?? null,
    postal_code: (address?.postalCode as string | undefined) ?? null,
    deceased_at: dateOf(patient.deceasedDateTime),
  };
}

export const beneficiaryOf = (resource: Json): string =>
  resource.resourceType === 'Patient'
    ? (resource.id as string)
    : resource.resourceType === 'Coverage'
      ? ref(resource.beneficiary, 'Patient')!
      : ref(resource.patient, 'Patient')!;
