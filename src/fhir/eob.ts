/**
 * ExplanationOfBenefit -> claims and their children. Read ../shared/reference/bb2-data-shape.md
 * for the quirks handled here; the money rules per claim type are documented in the README
 * ("Money columns") and must change together with it.
 */
import type { MapContext } from './context.ts';
import {
  arr,
  CMS_CODESYSTEM,
  CMS_VARIABLES,
  codingBySystem,
  codings,
  extension,
  firstCoding,
  extensionCode,
  obj,
  referenceId,
  str,
  variableName,
  type Coding,
  type JsonObject,
} from './read.ts';
import type {
  AnalyticsRows,
  ClaimCareTeamRow,
  ClaimDiagnosisRow,
  ClaimFinancialRow,
  ClaimLineAdjudicationRow,
  ClaimLineRow,
  ClaimProcedureRow,
  ClaimRow,
} from '../model/analytics-rows.ts';
import { centsToString, dateOnly, decimalString, sumCents, ValueError } from './values.ts';
import { CLAIM_TYPES, type ClaimType } from '../model/claim-types.ts';

const PROFESSIONAL: ReadonlySet<ClaimType> = new Set(['carrier', 'dme']);

const EOB_TYPE_SYSTEM = `${CMS_CODESYSTEM}eob-type`;
const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
const DATA_ABSENT = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';

/** Product codings in order of preference: NDC for drugs, then BB2's HCPCS code system. */
const PRODUCT_SYSTEM_PREFERENCE = [
  'http://hl7.org/fhir/sid/ndc',
  `${CMS_CODESYSTEM}hcpcs`,
  `${CMS_VARIABLES}hcpcs_cd`,
];
/** Diagnoses come coded twice (icd-10-cm and icd-10, same code): keep the most specific system. */
const DIAGNOSIS_SYSTEM_PREFERENCE = [
  'http://hl7.org/fhir/sid/icd-10-cm',
  'http://hl7.org/fhir/sid/icd-10',
  'http://hl7.org/fhir/sid/icd-9-cm',
];
const PROCEDURE_SYSTEM_PREFERENCE = [
  'http://www.cms.gov/Medicare/Coding/ICD10',
  'http://hl7.org/fhir/sid/icd-10',
  'http://hl7.org/fhir/sid/icd-9-cm',
];

/**
 * The claim type, from the id prefix (`carrier--10045426206`: split on the first hyphen only) or
 * from the `eob-type` code. Never from the profile: BFD puts HHA under a professional profile and
 * DME under an institutional one.
 */
export function claimTypeOf(resource: JsonObject, id: string): ClaimType | undefined {
  const prefix = id.slice(0, Math.max(0, id.indexOf('-'))).toLowerCase();
  if ((CLAIM_TYPES as readonly string[]).includes(prefix)) return prefix as ClaimType;
  const code = codingBySystem(resource.type, EOB_TYPE_SYSTEM)?.code?.toLowerCase();
  if (code && (CLAIM_TYPES as readonly string[]).includes(code)) return code as ClaimType;
  return undefined;
}

/** One adjudication-like entry: the generic code, the CMS variable, the amount. */
interface MoneyEntry {
  category: string | undefined;
  categorySystem: string | undefined;
  variable: string | undefined;
  cents: number | undefined;
}

/**
 * Splits a category's codings into the generic CARIN/HL7 code and the CMS variable. The order of
 * the two codings is not fixed (2020 data puts the variable first), so they are told apart by
 * content: the variable coding's code is a `.../variables/<name>` URL.
 */
function splitCategory(concept: unknown): { generic: Coding | undefined; variable: string | undefined } {
  let generic: Coding | undefined;
  let variable: string | undefined;
  const list = obj(concept)?.coding;
  if (!Array.isArray(list)) return { generic, variable };
  for (const c of list as JsonObject[]) {
    if (!c || typeof c !== 'object') continue;
    const code = typeof c.code === 'string' ? c.code : undefined;
    const system = typeof c.system === 'string' ? c.system : undefined;
    if (!code) continue;
    if (code.startsWith(CMS_VARIABLES) && system?.startsWith(CMS_CODESYSTEM)) {
      variable ??= code.slice(CMS_VARIABLES.length);
    } else {
      generic ??= { system, code, display: undefined };
    }
  }
  return { generic, variable };
}

export function mapExplanationOfBenefit(resource: JsonObject, ctx: MapContext): AnalyticsRows {
  const claimId = ctx.resourceId;
  const claimType = claimTypeOf(resource, claimId);
  if (!claimType) {
    ctx.fail('claim type is neither in the id prefix nor in an eob-type code', 'ExplanationOfBenefit.id');
  }
  const patientId = referenceId(resource.patient, 'Patient');
  if (!patientId) ctx.fail('has no patient reference', 'ExplanationOfBenefit.patient');

  const billable = obj(resource.billablePeriod);
  const billableStart = ctx.date(billable?.start, 'billablePeriod.start');
  const billableEnd = ctx.date(billable?.end, 'billablePeriod.end');
  const lineage = { claim_id: claimId, last_updated: ctx.lastUpdated };

  // ---- lines and their adjudications ------------------------------------------------------
  const lines: ClaimLineRow[] = [];
  const adjudications: ClaimLineAdjudicationRow[] = [];
  const lineEntries = new Map<number, MoneyEntry[]>();
  const seenLines = new Set<number>();
  const items = arr(resource.item);
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const lineNumber = ctx.int(item.sequence, () => `item[${i}].sequence`);
    if (lineNumber === null) ctx.fail('a line has no usable sequence number', `item[${i}].sequence`);
    if (seenLines.has(lineNumber)) {
      ctx.fail(`line sequence ${lineNumber} appears twice`, `item[${i}].sequence`);
    }
    seenLines.add(lineNumber);

    // Hot loop (a claim can carry hundreds of adjudication entries): no per-entry allocations
    // beyond the rows themselves, and error paths are only built on failure.
    const entries: MoneyEntry[] = [];
    const list = arr(item.adjudication);
    for (let j = 0; j < list.length; j++) {
      const adj = list[j]!;
      const { generic, variable } = splitCategory(adj.category);
      const reasonCoding = arr(obj(adj.reason)?.coding)[0];
      const reasonSystem = str(reasonCoding?.system);
      const amount = obj(adj.amount);
      const cents = ctx.cents(amount?.value, () => `item[${i}].adjudication[${j}].amount.value`);
      entries.push({ category: generic?.code, categorySystem: generic?.system, variable, cents });
      adjudications.push({
        claim_id: claimId,
        line_number: lineNumber,
        entry_index: j,
        category: generic?.code ?? null,
        category_system: generic?.system ?? null,
        // A denial reason carries no amount; its CMS variable is the reason's code system.
        variable: variable ?? variableName(reasonSystem) ?? null,
        amount: cents === undefined ? null : centsToString(cents),
        currency: str(amount?.currency) ?? null,
        reason_code: str(reasonCoding?.code) ?? null,
        reason_system: reasonSystem ?? null,
        last_updated: ctx.lastUpdated,
      });
    }
    lineEntries.set(lineNumber, entries);

    const amount = (...variables: string[]) => {
      for (const v of variables) {
        for (const e of entries) if (e.variable === v && e.cents !== undefined) return e.cents;
      }
      return undefined;
    };
    const path = `item[${i}]`;
    const product = preferredCoding(item.productOrService, PRODUCT_SYSTEM_PREFERENCE);
    const served = lineDates(item, ctx, path);
    lines.push({
      claim_id: claimId,
      line_number: lineNumber,
      product_system: product?.system ?? null,
      product_code: product?.code ?? null,
      product_display: product?.display ?? null,
      modifiers: modifierCodes(item),
      revenue_code: codingBySystem(item.revenue, `${CMS_VARIABLES}rev_cntr`)?.code ?? null,
      place_of_service:
        codingBySystem(item.locationCodeableConcept, `${CMS_VARIABLES}line_place_of_srvc_cd`)?.code ?? null,
      service_start: served.start ?? billableStart,
      service_end: served.end ?? billableEnd,
      service_dates_from_claim: served.start || served.end ? 0 : 1,
      quantity: quantityOf(item, ctx, path),
      submitted_amount: text(amount('line_sbmtd_chrg_amt', 'rev_cntr_tot_chrg_amt', 'tot_rx_cst_amt')),
      allowed_amount: text(amount('line_alowd_chrg_amt')),
      paid_amount: text(amount('line_nch_pmt_amt', 'rev_cntr_pmt_amt_amt', 'cvrd_d_plan_pd_amt')),
      patient_responsibility_amount: text(
        PROFESSIONAL.has(claimType)
          ? sumCents([amount('line_bene_ptb_ddctbl_amt'), amount('line_coinsrnc_amt')])
          : amount('rev_cntr_ptnt_rspnsblty_pmt', 'ptnt_pay_amt'),
      ),
      noncovered_amount: text(amount('rev_cntr_ncvrd_chrg_amt')),
      last_updated: ctx.lastUpdated,
    });
  }

  // ---- claim-level money: total[] and benefitBalance[].financial[] -------------------------
  const financials: ClaimFinancialRow[] = [];
  const totals: MoneyEntry[] = [];
  const balances = new Map<string, number>();
  arr(resource.total).forEach((t, i) => {
    const { generic, variable } = splitCategory(t.category);
    const cents = ctx.cents(obj(t.amount)?.value, `total[${i}].amount.value`);
    totals.push({ category: generic?.code, categorySystem: generic?.system, variable, cents });
    financials.push({
      ...lineage,
      entry_index: financials.length,
      source: 'total',
      category: generic?.code ?? null,
      variable: variable ?? null,
      amount: text(cents),
      count_value: null,
    });
  });
  arr(resource.benefitBalance).forEach((balance, b) => {
    arr(balance.financial).forEach((f, i) => {
      const path = `benefitBalance[${b}].financial[${i}]`;
      const variable = codings(f.type)
        .map((c) => variableName(c.code))
        .find(Boolean);
      const cents = ctx.cents(obj(f.usedMoney)?.value, `${path}.usedMoney.value`);
      if (variable && cents !== undefined && !balances.has(variable)) balances.set(variable, cents);
      financials.push({
        ...lineage,
        entry_index: financials.length,
        source: 'benefit_balance',
        category: null,
        variable: variable ?? null,
        amount: text(cents),
        count_value: ctx.int(f.usedUnsignedInt, `${path}.usedUnsignedInt`),
      });
    });
  });

  const lineSum = (variable: string) =>
    sumCents([...lineEntries.values()].map((entries) => entries.find((e) => e.variable === variable)?.cents));
  const totalOf = (variable: string) =>
    totals.find((t) => t.variable === variable && t.cents !== undefined)?.cents;
  const balanceSum = (...variables: string[]) => sumCents(variables.map((v) => balances.get(v)));

  const paymentCents = ctx.cents(obj(obj(resource.payment)?.amount)?.value, 'payment.amount.value');
  let payment: number | undefined;
  let submitted: number | undefined;
  let allowed: number | undefined;
  let patientResponsibility: number | undefined;
  let primaryPayer: number | undefined;
  if (claimType === 'pde') {
    payment = lineSum('cvrd_d_plan_pd_amt');
    submitted = totals.find((t) => t.category === 'drugcost')?.cents ?? lineSum('tot_rx_cst_amt');
    patientResponsibility = lineSum('ptnt_pay_amt');
    primaryPayer = sumCents([lineSum('othr_troop_amt'), lineSum('plro_amt')]);
  } else if (PROFESSIONAL.has(claimType)) {
    payment = paymentCents;
    submitted = balances.get('nch_carr_clm_sbmtd_chrg_amt') ?? lineSum('line_sbmtd_chrg_amt');
    allowed = balances.get('nch_carr_clm_alowd_amt') ?? lineSum('line_alowd_chrg_amt');
    patientResponsibility = sumCents([lineSum('line_bene_ptb_ddctbl_amt'), lineSum('line_coinsrnc_amt')]);
    // BFD writes the carrier primary-payer-paid amount into `total`, labelled clm_tot_chrg_amt.
    primaryPayer = totalOf('clm_tot_chrg_amt');
  } else {
    payment = paymentCents;
    // The 2020 data has one institutional total without any category: it is the total charge.
    const onlyTotal = totals.length === 1 ? totals[0] : undefined;
    submitted =
      totalOf('clm_tot_chrg_amt') ??
      (onlyTotal && onlyTotal.category === undefined && onlyTotal.variable === undefined
        ? onlyTotal.cents
        : undefined);
    if (claimType === 'outpatient') {
      patientResponsibility = balanceSum(
        'nch_bene_ptb_ddctbl_amt',
        'nch_bene_ptb_coinsrnc_amt',
        'nch_bene_blood_ddctbl_lblty_am',
      );
    } else if (claimType === 'inpatient' || claimType === 'snf') {
      patientResponsibility = balanceSum(
        'nch_bene_ip_ddctbl_amt',
        'nch_bene_pta_coinsrnc_lblty_amt',
        'nch_bene_blood_ddctbl_lblty_am',
      );
    }
    primaryPayer = balances.get('prpayamt');
  }

  // ---- header ----------------------------------------------------------------------------
  const supporting = supportingInfoIndex(resource);
  const coverageId = arr(resource.insurance)
    .map((ins) => ({ focal: ins.focal === true, id: referenceId(ins.coverage, 'Coverage') }))
    .sort((a, b) => Number(b.focal) - Number(a.focal))[0]?.id;
  const careTeam = mapCareTeam(resource, lineage, ctx);
  const provider = providerOf(resource);
  const admission = obj(supporting.get('admissionperiod')?.timingPeriod);

  const claim: ClaimRow = {
    claim_id: claimId,
    patient_id: patientId,
    claim_type: claimType,
    claim_number: identifierValue(
      resource,
      (s) => s === `${CMS_VARIABLES}clm_id` || s === `${CMS_VARIABLES}pde_id`,
    ),
    claim_group: identifierValue(
      resource,
      (s) => s === 'https://bluebutton.cms.gov/resources/identifier/claim-group',
    ),
    nch_claim_type_code: codingBySystem(resource.type, `${CMS_VARIABLES}nch_clm_type_cd`)?.code ?? null,
    claim_category:
      codingBySystem(resource.type, 'http://terminology.hl7.org/CodeSystem/claim-type')?.code ?? null,
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
    coverage_id: coverageId ?? null,
    part: coverageId ? (/^(?:c4dic-)?part-([a-d])-/.exec(coverageId)?.[1]?.toUpperCase() ?? null) : null,
    provider_npi: provider.npi ?? null,
    provider_ccn: provider.ccn ?? null,
    provider_name: provider.name ?? null,
    prescriber_npi: careTeam.find((c) => c.role === 'prescribing')?.provider_id ?? null,
    attending_npi: careTeam.find((c) => c.role === 'attending')?.provider_id ?? null,
    drg_code: supportingCode(supporting.get('clm_drg_cd')) ?? drgFromDiagnosis(resource),
    claim_frequency_code: supportingCode(supporting.get('typeofbill')),
    discharge_status: supportingCode(supporting.get('discharge-status')),
    facility_type_code:
      extensionCode(extension(resource.facility, `${CMS_VARIABLES}clm_fac_type_cd`)) ?? null,
    days_supply: ctx.int(
      obj(supporting.get('dayssupply')?.valueQuantity)?.value,
      'supportingInfo(dayssupply)',
    ),
    fill_number: ctx.int(obj(supporting.get('refillnum')?.valueQuantity)?.value, 'supportingInfo(refillnum)'),
    payment_amount: text(payment),
    submitted_amount: text(submitted),
    allowed_amount: text(allowed),
    patient_responsibility_amount: text(patientResponsibility),
    primary_payer_paid_amount: text(primaryPayer),
    line_count: lines.length,
    last_updated: ctx.lastUpdated,
  };

  return {
    patients: [],
    coverages: [],
    claims: [claim],
    claim_lines: lines,
    claim_line_adjudications: adjudications,
    claim_financials: financials,
    claim_diagnoses: mapDiagnoses(resource, lineage, ctx),
    claim_procedures: mapProcedures(resource, lineage, ctx),
    claim_care_team: careTeam,
  };
}

function text(cents: number | undefined): string | null {
  return cents === undefined ? null : centsToString(cents);
}

function preferredCoding(concept: unknown, preference: readonly string[]): Coding | undefined {
  const all = codings(concept).filter((c) => c.code && c.system !== DATA_ABSENT && c.code !== 'NULL');
  for (const system of preference) {
    const hit = all.find((c) => c.system === system);
    if (hit) return hit;
  }
  return all[0];
}

function modifierCodes(item: JsonObject): string[] | null {
  const codes = arr(item.modifier)
    .map((m) => codings(m)[0]?.code)
    .filter((c): c is string => Boolean(c));
  return codes.length ? codes : null;
}

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

/**
 * supportingInfo by what it is: the CARIN category code (clmrecvddate, admissionperiod,
 * typeofbill, dayssupply, ...) and, for generic `info` entries, the CMS variable (clm_drg_cd).
 */
function supportingInfoIndex(resource: JsonObject): Map<string, JsonObject> {
  const index = new Map<string, JsonObject>();
  for (const info of arr(resource.supportingInfo)) {
    for (const c of codings(info.category)) {
      const key = variableName(c.code) ?? c.code;
      if (key && key !== 'info' && !index.has(key)) index.set(key, info);
    }
  }
  return index;
}

function supportingCode(info: JsonObject | undefined): string | null {
  return firstCoding(info?.code)?.code ?? null;
}

function drgFromDiagnosis(resource: JsonObject): string | null {
  for (const dx of arr(resource.diagnosis)) {
    const drg = codingBySystem(dx.packageCode, `${CMS_VARIABLES}clm_drg_cd`);
    if (drg?.code) return drg.code;
  }
  return null;
}

function identifierValue(resource: JsonObject, system: (s: string) => boolean): string | null {
  const hit = arr(resource.identifier).find((i) => typeof i.system === 'string' && system(i.system));
  return str(hit?.value) ?? null;
}

/**
 * The billing provider: carrier names its NPI with `carr_clm_blg_npi_num`, DME and PDE with
 * us-npi (2022 sandbox PDEs use `prvdr_num`, which is not an NPI), institutional claims point to a
 * contained Organization carrying the NPI, the CCN (PRN) and the name.
 */
function providerOf(resource: JsonObject): { npi?: string; ccn?: string; name?: string } {
  const provider = obj(resource.provider);
  const reference = str(provider?.reference);
  if (reference?.startsWith('#')) {
    const org = arr(resource.contained).find((c) => c.id === reference.slice(1));
    if (!org) return {};
    let npi: string | undefined;
    let ccn: string | undefined;
    for (const id of arr(org.identifier)) {
      const type = firstCoding(id.type)?.code;
      if (id.system === NPI_SYSTEM || type === 'npi') npi ??= str(id.value);
      else if (type === 'PRN') ccn ??= str(id.value);
    }
    return { npi, ccn, name: str(org.name) };
  }
  const identifier = obj(provider?.identifier);
  const system = str(identifier?.system);
  const npi =
    system === NPI_SYSTEM || system === `${CMS_VARIABLES}carr_clm_blg_npi_num`
      ? str(identifier?.value)
      : undefined;
  return { npi, name: str(provider?.display) };
}

function mapCareTeam(
  resource: JsonObject,
  lineage: { claim_id: string; last_updated: string | null },
  ctx: MapContext,
): ClaimCareTeamRow[] {
  const rows: ClaimCareTeamRow[] = [];
  const seen = new Set<number>();
  arr(resource.careTeam).forEach((member, i) => {
    const sequence = ctx.int(member.sequence, `careTeam[${i}].sequence`) ?? i + 1;
    if (seen.has(sequence)) {
      ctx.fail(`careTeam sequence ${sequence} appears twice`, `careTeam[${i}].sequence`);
    }
    seen.add(sequence);
    const provider = obj(member.provider);
    const identifier = obj(provider?.identifier);
    rows.push({
      ...lineage,
      sequence,
      role: firstCoding(member.role)?.code ?? null,
      provider_id: str(identifier?.value) ?? null,
      provider_id_type:
        firstCoding(identifier?.type)?.code ?? (identifier?.system === NPI_SYSTEM ? 'npi' : null),
      provider_name: str(provider?.display) ?? null,
      qualification_code: firstCoding(member.qualification)?.code ?? null,
    });
  });
  return rows;
}

function mapDiagnoses(
  resource: JsonObject,
  lineage: { claim_id: string; last_updated: string | null },
  ctx: MapContext,
): ClaimDiagnosisRow[] {
  const rows: ClaimDiagnosisRow[] = [];
  const seen = new Set<number>();
  arr(resource.diagnosis).forEach((dx, i) => {
    const path = `diagnosis[${i}]`;
    // 2020-era data carries the DRG as a "diagnosis" holding only a packageCode: it is read as
    // the claim's DRG (drgFromDiagnosis) and is not a diagnosis.
    if (dx.diagnosisCodeableConcept === undefined && dx.packageCode !== undefined) return;
    const sequence = ctx.int(dx.sequence, `${path}.sequence`);
    if (sequence === null) ctx.fail('a diagnosis has no usable sequence number', `${path}.sequence`);
    if (seen.has(sequence)) ctx.fail(`diagnosis sequence ${sequence} appears twice`, `${path}.sequence`);
    seen.add(sequence);
    const coding =
      preferredCoding(dx.diagnosisCodeableConcept, DIAGNOSIS_SYSTEM_PREFERENCE) ??
      // BB2's odd "unknown-icd-version/ " coding (with a trailing space) has no code: keep its system.
      codings(dx.diagnosisCodeableConcept)[0];
    const poa = arr(dx.extension).find((e) => /\/clm_e?_?poa_ind_sw\d+$/.test(str(e.url) ?? ''));
    rows.push({
      ...lineage,
      sequence,
      code: coding?.code ?? null,
      system: coding?.system?.trim() ?? null,
      display: coding?.display ?? null,
      diagnosis_type: arr(dx.type).flatMap((t) => codings(t))[0]?.code ?? null,
      present_on_admission: extensionCode(poa) ?? null,
    });
  });
  return rows;
}

function mapProcedures(
  resource: JsonObject,
  lineage: { claim_id: string; last_updated: string | null },
  ctx: MapContext,
): ClaimProcedureRow[] {
  const rows: ClaimProcedureRow[] = [];
  const seen = new Set<number>();
  arr(resource.procedure).forEach((px, i) => {
    const path = `procedure[${i}]`;
    const sequence = ctx.int(px.sequence, `${path}.sequence`) ?? i + 1;
    if (seen.has(sequence)) ctx.fail(`procedure sequence ${sequence} appears twice`, `${path}.sequence`);
    seen.add(sequence);
    const coding = preferredCoding(px.procedureCodeableConcept, PROCEDURE_SYSTEM_PREFERENCE);
    rows.push({
      ...lineage,
      sequence,
      code: coding?.code ?? null,
      system: coding?.system ?? null,
      display: coding?.display ?? null,
      performed_on: px.date === undefined ? null : (dateOnly(px.date) ?? ctx.date(px.date, `${path}.date`)),
    });
  });
  return rows;
}
