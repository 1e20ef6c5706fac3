/**
 * Institutional claims (inpatient, outpatient, SNF, HHA, hospice), modelled on the BFD golden file
 * of each type: contained provider Organization, revenue-center lines, institutional
 * supportingInfo, present-on-admission flags (inpatient), procedures (inpatient, some SNF and
 * outpatient). Money: total = sum of line rev_cntr_tot_chrg_amt; outpatient/HHA/hospice payment =
 * sum of line rev_cntr_pmt_amt_amt; inpatient/SNF payment is claim-level (DRG/PPS-like).
 */
import {
  HHA_HIPPS,
  HHA_LINES,
  HOSPICE_LINES,
  ICD10_DX,
  ICD10_DX_ACUTE,
  ICD10_EXTERNAL,
  ICD10_PCS,
  INPATIENT_LINES,
  OUTPATIENT_LINES,
  PART_A_DEDUCTIBLE,
  PART_B_DEDUCTIBLE,
  SNF_DAILY_COINSURANCE,
  SNF_LINES,
  type Code,
  type RevenueLine,
} from './codes.ts';
import {
  type Ctx,
  INSURER,
  eobTypeCodeable,
  subType,
  insurance,
  claimIdentifiers,
  newEob,
  patientRef,
  weeklyProcessingDay,
  type DxType,
  diagnosis,
  distinct,
  qualification,
  sequenceArray,
  quantityOf,
  quantityExt,
  dayIn,
  sum,
} from './eob-common.ts';
import {
  C4BB,
  CS_HCPCS,
  ICD10,
  ICD10PCS,
  NDC,
  NPI,
  NUBC_ADMIT,
  NUBC_REVENUE,
  PROFILE,
  THO,
  UCUM,
  VAR,
  Memo,
  adjudication,
  benefitBalance,
  careTeamRole,
  carinInfoCategory,
  coding,
  denialReason,
  extCoding,
  extDate,
  extIdentifier,
  extMoney,
  extQuantity,
  financialCount,
  financialMoney,
  infoCategory,
  money,
  npiTypedIdentifier,
  shared,
  sharedCodeable,
  totalEntry,
  upinTypedIdentifier,
  varCodeable,
  type Obj,
} from './fhir.ts';
import type { Organization, Person, Practitioner, Part } from './person.ts';
import { Rng } from './prng.ts';
import { dateTimeAtMidnight, ymd } from './time.ts';
import type { FhirResource } from './types.ts';

// ---------------------------------------------------------------------------------------------
// Institutional: inpatient, outpatient, snf, hha, hospice

export type Institutional = 'inpatient' | 'outpatient' | 'snf' | 'hha' | 'hospice';

interface InstitutionalSpec {
  readonly nch: Code;
  readonly eobType: string;
  readonly claimType: 'institutional' | 'professional';
  readonly profile: string;
  readonly subType: 'inpatient' | 'outpatient';
  readonly nearLine: 'V' | 'W';
  readonly classification: string;
  readonly facility: Code;
  readonly part: Part;
  readonly org: (p: Person) => Organization;
}

const PART_A_NEAR_LINE =
  'Part A institutional claim record (inpatient [IP], skilled nursing facility [SNF], hospice [HOS], or home health agency [HHA])';
const PART_B_NEAR_LINE = 'Part B institutional claim record (outpatient [HOP], HHA)';

const SPECS: Readonly<Record<Institutional, InstitutionalSpec>> = {
  inpatient: {
    nch: ['60', 'Inpatient claim'],
    eobType: 'INPATIENT',
    claimType: 'institutional',
    profile: PROFILE.inpatient,
    subType: 'inpatient',
    nearLine: 'V',
    classification: '1',
    facility: ['1', 'Hospital'],
    part: 'a',
    org: (p) => p.hospital,
  },
  outpatient: {
    nch: ['40', 'Hospital Outpatient claim'],
    eobType: 'OUTPATIENT',
    claimType: 'institutional',
    profile: PROFILE.outpatient,
    subType: 'outpatient',
    nearLine: 'W',
    classification: '3',
    facility: ['1', 'Hospital'],
    part: 'b',
    org: (p) => p.hospital,
  },
  snf: {
    nch: ['20', 'Non swing bed Skilled Nursing Facility (SNF) claim'],
    eobType: 'SNF',
    claimType: 'institutional',
    profile: PROFILE.inpatient,
    subType: 'inpatient',
    nearLine: 'V',
    classification: '1',
    facility: ['2', 'Skilled Nursing Facility (SNF)'],
    part: 'a',
    org: (p) => p.snf,
  },
  hha: {
    // BFD quirks kept: HHA is typed professional, with the professional profile and subType inpatient.
    nch: ['10', 'Home Health Agency (HHA) claim'],
    eobType: 'HHA',
    claimType: 'professional',
    profile: PROFILE.professional,
    subType: 'inpatient',
    nearLine: 'W',
    classification: '2',
    facility: ['3', 'Home Health Agency (HHA)'],
    part: 'b',
    org: (p) => p.hha,
  },
  hospice: {
    nch: ['50', 'Hospice claim'],
    eobType: 'HOSPICE',
    claimType: 'institutional',
    profile: PROFILE.inpatient,
    subType: 'inpatient',
    nearLine: 'V',
    classification: '1',
    facility: ['8', 'Ambulatory Surgery Center (ASC) or other special facility (e.g. hospice)'],
    part: 'a',
    org: (p) => p.hospice,
  },
};

interface InstLine {
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

const STATUS_INDICATORS: Readonly<Record<string, Code>> = {
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

export function buildInstitutional(c: Ctx, kind: Institutional): FhirResource {
  const { rng, plan, person } = c;
  const spec = SPECS[kind];
  const org = spec.org(person);
  const msp = c.money.chance(0.05);
  const lines = institutionalLines(c, kind, msp);
  const totalCharge = sum(lines.map((l) => l.charge));
  // Inpatient payment: a DRG-like share of covered charges.
  const inpatientPayment =
    kind === 'inpatient'
      ? Math.round((totalCharge - sum(lines.map((l) => l.noncovered))) * (0.14 + c.money.next() * 0.2))
      : 0;
  const fiProcDay = Math.min(plan.thru + rng.int(2, 18), plan.firstLoadDay - 1);
  const extension = institutionalExtensions(c, kind, fiProcDay, inpatientPayment);
  const { careTeam, performingSeq } = institutionalCareTeam(c, kind);
  const supportingInfo = institutionalSupportingInfo(c, kind, fiProcDay, msp, lines);
  const diagnoses = institutionalDiagnoses(c, kind);
  const procedure = institutionalProcedures(c, kind);
  const items = lines.map((l, i) => institutionalItem(c, kind, l, i + 1, performingSeq));
  const { payment, financial } = institutionalMoney(c, kind, lines, msp, inpatientPayment);

  const eob = newEob(c, spec.profile);
  eob['contained'] = [
    {
      resourceType: 'Organization',
      id: 'provider-org',
      meta: shared('orgmeta', () => ({ profile: [PROFILE.organization] })),
      identifier: [
        { type: sharedCodeable(`${THO}v2-0203`, 'PRN'), value: org.ccn },
        { type: sharedCodeable(`${C4BB}C4BBIdentifierType`, 'npi'), system: NPI, value: org.npi },
      ],
      active: true,
      name: org.name,
    },
  ];
  eob['extension'] = extension;
  eob['identifier'] = claimIdentifiers(c, `${VAR}clm_id`);
  eob['status'] = 'active';
  eob['type'] = eobTypeCodeable(spec.nch, spec.eobType, spec.claimType);
  eob['subType'] = subType(spec.subType);
  eob['use'] = 'claim';
  eob['patient'] = patientRef(c);
  eob['billablePeriod'] = {
    extension: [extCoding('claim_query_cd', '3', 'Final bill')],
    start: ymd(plan.from),
    end: ymd(plan.thru),
  };
  eob['created'] = c.lastUpdated;
  eob['insurer'] = INSURER;
  eob['provider'] = { reference: '#provider-org' };
  eob['facility'] = FACILITY.get(spec.facility[0], '', '', () => ({
    extension: [extCoding('clm_fac_type_cd', spec.facility[0], spec.facility[1])],
  }));
  eob['outcome'] = 'complete';
  eob['careTeam'] = careTeam;
  eob['supportingInfo'] = supportingInfo;
  eob['diagnosis'] = diagnoses;
  if (procedure) eob['procedure'] = procedure;
  eob['insurance'] = insurance(spec.part, person.patientId);
  eob['item'] = items;
  eob['total'] = [totalEntry('clm_tot_chrg_amt', totalCharge)];
  eob['payment'] = { amount: money(payment) };
  eob['benefitBalance'] = benefitBalance(financial);
  return eob;
}

/** The revenue-center lines and their money, per type. */
function institutionalLines(c: Ctx, kind: Institutional, msp: boolean): InstLine[] {
  const { rng } = c;
  const m = c.money;
  const los = Math.max(1, c.plan.thru - c.plan.from);
  const days = c.plan.thru - c.plan.from + 1;
  const lines: InstLine[] = [];
  switch (kind) {
    case 'inpatient': {
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
      break;
    }
    case 'snf': {
      const hipps = SNF_LINES[0] as RevenueLine;
      const room = SNF_LINES[1] as RevenueLine;
      lines.push(newLine(hipps, hipps.hcpcs, days, 0));
      lines.push(newLine(room, undefined, days, lineCharge(c, room, days / 20)));
      for (const def of pickLines(rng, SNF_LINES.slice(2), rng.int(0, 4))) {
        lines.push(newLine(def, def.hcpcs, rng.int(2, 30), lineCharge(c, def)));
      }
      for (const l of lines) {
        l.noncovered = l.charge > 0 && m.chance(0.1) ? Math.round(l.charge * (0.01 + m.next() * 0.1)) : 0;
        l.rate = l.def.revenue === '0120' ? Math.round(l.charge / l.units) : 0;
      }
      break;
    }
    case 'hha': {
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
      break;
    }
    case 'hospice': {
      const routine = HOSPICE_LINES[0] as RevenueLine;
      const perDay = m.cents(190, 235);
      const l0 = newLine(routine, routine.hcpcs, days, Math.round(perDay * days * c.scale));
      l0.payment = Math.round(l0.charge * (0.93 + m.next() * 0.06));
      l0.rate = Math.round(perDay * c.scale);
      lines.push(l0);
      for (const def of pickLines(rng, HOSPICE_LINES.slice(2), rng.int(0, 3))) {
        const units = rng.int(1, 6);
        lines.push(newLine(def, def.hcpcs, units, lineCharge(c, def, units)));
      }
      for (const l of lines) {
        l.toProvider = l.payment;
        if (l.charge > 0 && m.chance(0.05)) l.noncovered = Math.round(l.charge * 0.05);
      }
      break;
    }
    case 'outpatient': {
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
        const units =
          def.revenue === '0762' ? rng.int(8, 30) : multiUnit && rng.chance(0.4) ? rng.int(2, 4) : 1;
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
      break;
    }
  }

  return lines;
}

/** Header extensions, in the golden files' order. */
function institutionalExtensions(
  c: Ctx,
  kind: Institutional,
  fiProcDay: number,
  inpatientPayment: number,
): Obj[] {
  const { rng, person } = c;
  const m = c.money;
  const spec = SPECS[kind];
  const extension: Obj[] = [
    spec.nearLine === 'V'
      ? extCoding('nch_near_line_rec_ident_cd', 'V', PART_A_NEAR_LINE)
      : extCoding('nch_near_line_rec_ident_cd', 'W', PART_B_NEAR_LINE),
  ];
  if (kind === 'inpatient' || kind === 'snf') {
    extension.push(
      extCoding('fi_clm_actn_cd', '1', 'Original debit action (always a 1 for all regular bills)'),
    );
  }
  if (kind === 'inpatient') {
    extension.push(
      extMoney(
        'ime_op_clm_val_amt',
        m.chance(0.35) ? Math.round(inpatientPayment * (0.02 + m.next() * 0.1)) : 0,
      ),
      extMoney('clm_uncompd_care_pmt_amt', Math.round(inpatientPayment * m.next() * 0.04)),
      extMoney(
        'dsh_op_clm_val_amt',
        m.chance(0.5) ? Math.round(inpatientPayment * (0.01 + m.next() * 0.06)) : 0,
      ),
    );
  }
  extension.push(
    extIdentifier('fi_doc_clm_cntl_num', rng.digits(rng.int(11, 17))),
    extDate('fi_clm_proc_dt', ymd(fiProcDay)),
  );
  if (rng.chance(0.15)) {
    extension.push(
      rng.chance(0.5)
        ? extCoding('clm_mdcr_non_pmt_rsn_cd', 'A', "Covered worker's compensation (Obsolete)")
        : extCoding('clm_mdcr_non_pmt_rsn_cd', 'B', 'Benefit exhausted'),
    );
  }
  extension.push(
    extCoding('clm_srvc_clsfctn_type_cd', spec.classification),
    extCoding('fi_num', spec.part === 'a' ? person.partAFiNumber : person.fiNumber),
  );
  if (kind === 'hospice') extension.push(extQuantity('bene_hospc_prd_cnt', rng.int(1, 4)));

  return extension;
}

/** attending, (other)operating, performing; returns the performing entry's sequence for the lines. */
function institutionalCareTeam(c: Ctx, kind: Institutional): { careTeam: Obj[]; performingSeq: number } {
  const { rng, person } = c;
  const [attending, operating, other, renderer] = [
    rng.pick(person.practitioners),
    rng.pick(person.practitioners),
    rng.pick(person.practitioners),
    rng.pick(person.practitioners),
  ];
  const careTeam: Obj[] = [];
  addMember(
    careTeam,
    attending,
    careTeamRole('attending', 'Attending'),
    kind !== 'inpatient' && kind !== 'hospice',
  );
  if (
    (kind === 'inpatient' && rng.chance(0.7)) ||
    (kind === 'outpatient' && rng.chance(0.25)) ||
    (kind === 'snf' && rng.chance(0.05))
  ) {
    addMember(careTeam, operating, careTeamRole('operating', 'Operating'), kind !== 'inpatient');
    if (rng.chance(0.3)) {
      addMember(careTeam, other, careTeamRole('otheroperating', 'Other Operating'), kind !== 'inpatient');
    }
  }
  if (kind === 'hospice' && rng.chance(0.5)) {
    careTeam.push({
      sequence: careTeam.length + 1,
      provider: { identifier: upinTypedIdentifier('0') },
      role: careTeamRole('performing', 'Performing provider'),
    });
  }
  addMember(careTeam, renderer, careTeamRole('performing', 'Performing provider'), true);
  const performingSeq = careTeam.length;

  return { careTeam, performingSeq };
}

/** supportingInfo, in the order of each type's golden file. */
function institutionalSupportingInfo(
  c: Ctx,
  kind: Institutional,
  fiProcDay: number,
  msp: boolean,
  lines: readonly InstLine[],
): Obj[] {
  const { rng, plan } = c;
  const si = new InstitutionalInfo(c, kind, fiProcDay, msp);
  switch (kind) {
    case 'inpatient':
      si.patientStatus();
      si.admissionPeriod(plan.from, plan.thru);
      si.admType();
      si.srcAdmission();
      si.drg();
      si.blood();
      si.mco();
      si.typeOfBill();
      si.discharge();
      si.primaryPayer();
      si.recvd();
      break;
    case 'snf': {
      si.recvd();
      si.admType();
      si.srcAdmission();
      if (rng.chance(0.08)) {
        si.list.push({
          sequence: si.next(),
          category: infoCategory('nch_vrfd_ncvrd_stay_from_dt'),
          timingPeriod: { start: ymd(plan.from), end: ymd(Math.min(plan.thru, plan.from + 10)) },
        });
      }
      if (rng.chance(0.05)) {
        si.list.push({
          sequence: si.next(),
          category: infoCategory('nch_bene_mdcr_bnfts_exhtd_dt_i'),
          timingDate: ymd(plan.thru),
        });
      }
      si.drg();
      si.patientStatus();
      const admitted = plan.from - (rng.chance(0.6) ? 0 : rng.int(1, 40));
      si.admissionPeriod(admitted, plan.thru);
      if (rng.chance(0.8)) {
        const stayEnd = admitted - rng.int(0, 2);
        si.list.push({
          sequence: si.next(),
          category: infoCategory('nch_qlfyd_stay_from_dt'),
          timingPeriod: { start: ymd(stayEnd - rng.int(3, 9)), end: ymd(stayEnd) },
        });
      }
      si.pps();
      si.blood();
      si.mco();
      si.typeOfBill();
      si.discharge();
      si.primaryPayer();
      break;
    }
    case 'outpatient':
      si.recvd();
      si.mco();
      si.typeOfBill();
      si.discharge();
      si.primaryPayer();
      break;
    case 'hha': {
      si.recvd();
      si.typeOfBill();
      si.discharge();
      si.primaryPayer();
      si.pps();
      const visits = sum(lines.slice(1).map((l) => l.units));
      if (visits < 5) {
        si.list.push({
          sequence: si.next(),
          category: infoCategory('clm_hha_lupa_ind_cd'),
          code: varCodeable('clm_hha_lupa_ind_cd', 'L', 'Low utilization payment adjustment (LUPA) claim'),
        });
      }
      si.list.push({
        sequence: si.next(),
        category: infoCategory('clm_hha_rfrl_cd'),
        code: varCodeable(
          'clm_hha_rfrl_cd',
          '1',
          'Physician referral - The patient was admitted upon the recommendation of a personal physician.',
        ),
      });
      si.list.push({
        sequence: si.next(),
        category: infoCategory('clm_hha_tot_visit_cnt'),
        valueQuantity: { value: visits },
      });
      si.admissionPeriod(plan.from, undefined);
      break;
    }
    case 'hospice':
      si.recvd();
      si.patientStatus();
      si.admissionPeriod(plan.from - rng.int(0, 120), plan.thru);
      si.typeOfBill();
      si.discharge();
      si.primaryPayer();
      break;
  }

  return si.list;
}

function institutionalDiagnoses(c: Ctx, kind: Institutional): Obj[] {
  const { rng } = c;
  const diagnoses: Obj[] = [];
  const acute = kind === 'inpatient' || kind === 'snf';
  const principal = rng.pick(acute ? ICD10_DX_ACUTE : ICD10_DX);
  // Inpatient: at most 6 POA-flagged diagnoses (clm_poa_ind_sw1..6), as in the fixtures.
  const others = distinct(
    rng,
    ICD10_DX,
    rng.int(acute ? 2 : 0, kind === 'inpatient' ? 5 : acute ? 7 : 4),
    new Set([principal[0]]),
  );
  const external = rng.chance(acute ? 0.2 : 0.08) && kind !== 'hha' ? rng.pick(ICD10_EXTERNAL) : undefined;
  if (kind === 'inpatient') {
    diagnoses.push(diagnosis(c, 1, rng.chance(0.6) ? principal : rng.pick(ICD10_DX), 'admitting'));
  }
  const principalType: DxType = kind === 'hha' ? 'principal' : 'principalFull';
  diagnoses.push(diagnosis(c, diagnoses.length + 1, principal, principalType, poa(c, kind, 1)));
  others.forEach((code, i) =>
    diagnoses.push(
      diagnosis(c, diagnoses.length + 1, code, kind === 'hha' ? 'secondary' : 'other', poa(c, kind, i + 2)),
    ),
  );
  if (external) {
    diagnoses.push(
      diagnosis(c, diagnoses.length + 1, external, 'externalcauseofinjury', poa(c, kind, 1, true)),
    );
  }
  if (kind === 'outpatient' && rng.chance(0.5)) {
    diagnoses.push(diagnosis(c, diagnoses.length + 1, rng.pick(ICD10_DX), 'patientreasonforvisit'));
  }

  return diagnoses;
}

/** Procedures: inpatient mostly, some SNF and outpatient claims, never HHA or hospice. */
function institutionalProcedures(c: Ctx, kind: Institutional): Obj[] | undefined {
  const { rng, plan } = c;
  const nProc =
    kind === 'inpatient'
      ? rng.weighted([
          [0, 25],
          [1, 30],
          [2, 20],
          [3, 15],
          [5, 10],
        ] as const)
      : kind === 'snf'
        ? rng.chance(0.3)
          ? 1
          : 0
        : kind === 'outpatient' && rng.chance(0.15)
          ? 1
          : 0;
  if (nProc === 0) return undefined;
  return distinct(rng, ICD10_PCS, nProc).map((code, i) => ({
    sequence: i + 1,
    date: dateTimeAtMidnight(dayIn(rng, plan.from, plan.thru)),
    procedureCodeableConcept: PCS_CONCEPT.get(code[0], '', '', () => ({
      coding: [coding(ICD10PCS, code[0], code[1]), coding(ICD10, code[0], code[1])],
    })),
  }));
}

/** Claim payment and benefitBalance. */
function institutionalMoney(
  c: Ctx,
  kind: Institutional,
  lines: readonly InstLine[],
  msp: boolean,
  inpatientPayment: number,
): { payment: number; financial: Obj[] } {
  const { rng } = c;
  const m = c.money;
  const los = Math.max(1, c.plan.thru - c.plan.from);
  const days = c.plan.thru - c.plan.from + 1;
  const totalCharge = sum(lines.map((l) => l.charge));
  let payment: number;
  let financial: Obj[];
  const noncovered = sum(lines.map((l) => l.noncovered));
  switch (kind) {
    case 'inpatient': {
      payment = inpatientPayment;
      const fsp = Math.round(payment * (0.05 + m.next() * 0.03));
      const ime = m.chance(0.3) ? Math.round(fsp * (0.05 + m.next() * 0.1)) : 0;
      const dsh = m.chance(0.4) ? Math.round(fsp * (0.02 + m.next() * 0.08)) : 0;
      const outlier = m.chance(0.04) ? Math.round(fsp * 0.2) : 0;
      const deductible = m.chance(0.75) ? (PART_A_DEDUCTIBLE[c.year] ?? 1600) * 100 : 0;
      const coinsuranceDays = Math.max(0, los - 60);
      const coinsurance = coinsuranceDays * Math.round((PART_A_DEDUCTIBLE[c.year] ?? 1600) * 25);
      const blood = 0;
      financial = [
        financialMoney(
          'clm_pass_thru_per_diem_amt',
          m.chance(0.5) ? Math.round(m.cents(20, 450) * c.scale) : 0,
        ),
        financialMoney(
          'nch_profnl_cmpnt_chrg_amt',
          m.chance(0.2) ? Math.round(m.cents(50, 900) * c.scale) : 0,
        ),
        financialMoney('clm_tot_pps_cptl_amt', fsp + ime + dsh + outlier),
        financialCount('bene_tot_coinsrnc_days_cnt', coinsuranceDays),
        financialCount('clm_non_utlztn_days_cnt', 0),
        financialMoney('nch_bene_ip_ddctbl_amt', deductible),
        financialMoney('nch_bene_pta_coinsrnc_lblty_amt', coinsurance),
        financialMoney('nch_ip_ncvrd_chrg_amt', noncovered),
        financialMoney('nch_ip_tot_ddctn_amt', deductible + coinsurance + blood),
        financialMoney('clm_pps_cptl_dsprprtnt_shr_amt', dsh),
        financialMoney('clm_pps_cptl_excptn_amt', 0),
        financialMoney('clm_pps_cptl_fsp_amt', fsp),
        financialMoney('clm_pps_cptl_ime_amt', ime),
        financialMoney('clm_pps_cptl_outlier_amt', outlier),
        financialMoney('clm_pps_old_cptl_hld_hrmls_amt', 0),
        financialMoney('nch_drg_outlier_aprvd_pmt_amt', m.chance(0.04) ? Math.round(payment * 0.15) : 0),
        financialMoney('nch_bene_blood_ddctbl_lblty_am', blood),
        financialMoney('prpayamt', msp ? Math.round(totalCharge * 0.2) : 0),
        financialCount('clm_utlztn_day_cnt', los),
        financialCount('clm_pps_cptl_drg_wt_num', rng.int(1, 3)),
        financialCount('bene_lrd_used_cnt', 0),
      ];
      break;
    }
    case 'snf': {
      const dayInPeriod = rng.chance(0.6) ? 1 : rng.int(2, 80);
      let coinsuranceDays = 0;
      for (let d = dayInPeriod; d < dayInPeriod + los; d++) if (d >= 21 && d <= 100) coinsuranceDays++;
      const coinsurance = coinsuranceDays * Math.round((SNF_DAILY_COINSURANCE[c.year] ?? 200) * 100);
      const gross = Math.round((totalCharge - noncovered) * (0.45 + m.next() * 0.3));
      payment = Math.max(0, gross - coinsurance);
      financial = [
        financialCount('clm_utlztn_day_cnt', los),
        financialCount('bene_tot_coinsrnc_days_cnt', coinsuranceDays),
        financialCount('clm_non_utlztn_days_cnt', 0),
        financialMoney('nch_bene_ip_ddctbl_amt', 0),
        financialMoney('nch_bene_pta_coinsrnc_lblty_amt', coinsurance),
        financialMoney('nch_ip_ncvrd_chrg_amt', noncovered),
        financialMoney('nch_ip_tot_ddctn_amt', coinsurance),
        financialMoney('clm_pps_cptl_dsprprtnt_shr_amt', 0),
        financialMoney('clm_pps_cptl_excptn_amt', 0),
        financialMoney('clm_pps_cptl_fsp_amt', 0),
        financialMoney('clm_pps_cptl_ime_amt', 0),
        financialMoney('clm_pps_cptl_outlier_amt', 0),
        financialMoney('clm_pps_old_cptl_hld_hrmls_amt', 0),
        financialMoney('nch_bene_blood_ddctbl_lblty_am', 0),
        financialMoney('prpayamt', msp ? Math.round(totalCharge * 0.2) : 0),
      ];
      break;
    }
    case 'hha':
      payment = sum(lines.map((l) => l.payment));
      financial = [financialMoney('prpayamt', msp ? Math.round(totalCharge * 0.2) : 0)];
      break;
    case 'hospice':
      payment = sum(lines.map((l) => l.payment));
      financial = [financialCount('clm_utlztn_day_cnt', days), financialMoney('prpayamt', 0)];
      break;
    case 'outpatient':
      payment = sum(lines.map((l) => l.payment));
      financial = [
        financialMoney(
          'nch_profnl_cmpnt_chrg_amt',
          m.chance(0.3) ? Math.round(totalCharge * (0.05 + m.next() * 0.1)) : 0,
        ),
        financialMoney('nch_bene_ptb_ddctbl_amt', sum(lines.map((l) => l.cashDeductible))),
        financialMoney('nch_bene_ptb_coinsrnc_amt', sum(lines.map((l) => l.coinsurance))),
        financialMoney('clm_op_prvdr_pmt_amt', sum(lines.map((l) => l.toProvider))),
        financialMoney('clm_op_bene_pmt_amt', sum(lines.map((l) => l.toPatient))),
        financialMoney('nch_bene_blood_ddctbl_lblty_am', sum(lines.map((l) => l.bloodDeductible))),
        financialMoney('prpayamt', sum(lines.map((l) => l.msp1 + l.msp2))),
      ];
      break;
  }

  return { payment, financial };
}

function addMember(careTeam: Obj[], p: Practitioner, role: Obj, withQualification: boolean): void {
  const entry: Obj = {
    sequence: careTeam.length + 1,
    provider: { identifier: npiTypedIdentifier(p.npi) },
    role,
  };
  if (withQualification) entry['qualification'] = qualification(p.specialty, false);
  careTeam.push(entry);
}

/** Present-on-admission extension (inpatient only): clm_poa_ind_swN, or clm_e_poa_ind_swN for external causes. */
function poa(c: Ctx, kind: Institutional, k: number, external = false): Obj[] | undefined {
  if (kind !== 'inpatient') return undefined;
  const name = (external ? 'clm_e_poa_ind_sw' : 'clm_poa_ind_sw') + String(k);
  return [
    c.rng.chance(0.8)
      ? extCoding(name, 'Y', 'Diagnosis was present at the time of admission (POA)')
      : extCoding(name, 'N', 'Diagnosis was not present at the time of admission'),
  ];
}

const ADMISSION_TYPES: readonly (readonly [Code, number])[] = [
  [
    [
      '1',
      'Emergency - The patient required immediate medical intervention as a result of severe, life threatening, or potentially disabling conditions. Generally, the patient was admitted through the emergency room.',
    ],
    55,
  ],
  [
    [
      '2',
      'Urgent - The patient required immediate attention for the care and treatment of a physical or mental disorder. Generally, the patient was admitted to the first available and suitable accommodation.',
    ],
    20,
  ],
  [
    [
      '3',
      "Elective - The patient's condition permitted adequate time to schedule the availability of suitable accommodations.",
    ],
    25,
  ],
] as const;

const DISCHARGE_STATUSES: readonly (readonly [Code, number])[] = [
  [['1', ''], 70],
  [['6', 'Discharged/transferred to home under care of organized home health service organization.'], 12],
  [
    [
      '3',
      'Discharged/transferred to skilled nursing facility (SNF) with Medicare certification in anticipation of skilled care.',
    ],
    10,
  ],
  [['51', 'Discharged/transferred to a Hospice – medical facility.'], 3],
  [['20', 'Expired.'], 5],
] as const;

/** Institutional supportingInfo entries; each method appends one entry with the next sequence. */
class InstitutionalInfo {
  readonly list: Obj[] = [];

  constructor(
    private readonly c: Ctx,
    private readonly kind: Institutional,
    private readonly fiProcDay: number,
    private readonly msp: boolean,
  ) {}

  /** The sequence number of the entry about to be pushed. */
  next(): number {
    return this.list.length + 1;
  }

  recvd(): void {
    this.list.push({
      sequence: this.next(),
      category: carinInfoCategory('clmrecvddate', 'Claim Received Date', 'nch_wkly_proc_dt'),
      timingDate: ymd(Math.max(this.fiProcDay, weeklyProcessingDay(this.c))),
    });
  }

  patientStatus(): void {
    const [code, display] =
      this.kind === 'hospice'
        ? (['C', 'Still a patient'] as const)
        : this.c.rng.chance(0.03)
          ? (['B', 'Died'] as const)
          : (['A', 'Discharged'] as const);
    this.list.push({
      sequence: this.next(),
      category: infoCategory('nch_ptnt_stus_ind_cd'),
      code: varCodeable('nch_ptnt_stus_ind_cd', code, display),
    });
  }

  admissionPeriod(start: number, end: number | undefined): void {
    this.list.push({
      sequence: this.next(),
      category: carinInfoCategory('admissionperiod', 'Admission Period'),
      timingPeriod: end === undefined ? { start: ymd(start) } : { start: ymd(start), end: ymd(end) },
    });
  }

  admType(): void {
    const t = this.c.rng.weighted(ADMISSION_TYPES);
    this.list.push({
      sequence: this.next(),
      category: carinInfoCategory('admtype', 'Information', 'clm_ip_admsn_type_cd'),
      code: sharedCodeable(NUBC_ADMIT, t[0], t[1]),
    });
  }

  srcAdmission(): void {
    this.list.push({
      sequence: this.next(),
      category: infoCategory('clm_src_ip_admsn_cd'),
      code: varCodeable('clm_src_ip_admsn_cd', this.c.rng.pick(['1', '2', '4', '7'])),
    });
  }

  drg(): void {
    const rng = this.c.rng;
    const code =
      this.kind === 'snf'
        ? rng.pick(['945', '946', '560', '057'])
        : rng.pick(['291', '470', '871', '190', '392', '683', '194', '603', '065', '885']);
    this.list.push({
      sequence: this.next(),
      category: infoCategory('clm_drg_cd'),
      code: varCodeable('clm_drg_cd', code),
    });
  }

  blood(): void {
    const rng = this.c.rng;
    this.list.push({
      sequence: this.next(),
      category: infoCategory('nch_blood_pnts_frnshd_qty'),
      valueQuantity: {
        value: rng.chance(0.9) ? 0 : rng.int(1, 3),
        unit: 'pint',
        system: UCUM,
        code: '[pt_us]',
      },
    });
  }

  mco(): void {
    this.list.push({
      sequence: this.next(),
      category: infoCategory('clm_mco_pd_sw'),
      code: varCodeable('clm_mco_pd_sw', '0', 'No managed care organization (MCO) payment'),
    });
  }

  typeOfBill(): void {
    const [code, display] = this.c.rng.chance(0.92)
      ? (['1', 'Admit thru discharge claim'] as const)
      : (['7', 'Replacement of prior claim'] as const);
    this.list.push({
      sequence: this.next(),
      category: carinInfoCategory('typeofbill', 'Type of Bill'),
      code: varCodeable('clm_freq_cd', code, display),
    });
  }

  discharge(): void {
    const status: Code =
      this.kind === 'hha' || this.kind === 'hospice'
        ? ['30', 'Still patient.']
        : this.c.rng.weighted(DISCHARGE_STATUSES);
    this.list.push({
      sequence: this.next(),
      category: carinInfoCategory('discharge-status', 'Discharge Status'),
      code: varCodeable('ptnt_dschrg_stus_cd', status[0], status[1] || undefined),
    });
  }

  primaryPayer(): void {
    if (this.msp || this.c.rng.chance(0.1)) {
      this.list.push({
        sequence: this.next(),
        category: infoCategory('nch_prmry_pyr_cd'),
        code: varCodeable(
          'nch_prmry_pyr_cd',
          'A',
          'Employer group health plan (EGHP) insurance for an aged beneficiary',
        ),
      });
    }
  }

  pps(): void {
    this.list.push({
      sequence: this.next(),
      category: infoCategory('clm_pps_ind_cd'),
      code: varCodeable('clm_pps_ind_cd', '2', 'PPS bill; claim contains PPS indicator'),
    });
  }
}

const UCUM_UNITS: readonly Code[] = [
  ['UN', 'Unit'],
  ['ML', 'Milliliter'],
  ['GR', 'Gram'],
];

const LOCATION_ADDRESS = new Memo<Obj>();
function locationAddress(state: string): Obj {
  return LOCATION_ADDRESS.lookup(state, '', '') ?? LOCATION_ADDRESS.store(state, '', '', { state });
}

const PCS_CONCEPT = new Memo<Obj>();
const FACILITY = new Memo<Obj>();
const REVENUE = new Memo<Obj>();
const PRODUCT2 = new Memo<Obj>();

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

function institutionalItem(
  c: Ctx,
  kind: Institutional,
  l: InstLine,
  sequence: number,
  performingSeq: number,
): Obj {
  const { rng, plan, person } = c;
  const item: Obj = {};
  if (kind !== 'inpatient' && kind !== 'hospice') {
    item['extension'] = [quantityExt('rev_cntr_unit_cnt', l.units)];
  }
  item['sequence'] = sequence;
  item['careTeamSequence'] = sequenceArray(performingSeq);
  const rev = l.def.revenue;
  switch (kind) {
    case 'inpatient':
    case 'snf':
      item['revenue'] = REVENUE.get('ip', rev, '', () => ({
        coding: [
          coding(`${VAR}rev_cntr`, rev),
          coding(NUBC_REVENUE, 'A'),
          coding(`${VAR}rev_cntr_ddctbl_coinsrnc_cd`, 'A'),
        ],
      }));
      break;
    case 'outpatient': {
      const status = l.status ?? (['A', ''] as const);
      item['revenue'] = REVENUE.get('op', rev, status[0], () => ({
        extension: [extCoding('rev_cntr_stus_ind_cd', status[0], status[1])],
        coding: [coding(`${VAR}rev_cntr`, rev)],
      }));
      break;
    }
    case 'hha':
      item['revenue'] = REVENUE.get('hha', rev, '', () => ({
        extension: [extCoding('rev_cntr_stus_ind_cd', 'A', STATUS_INDICATORS['A']?.[1])],
        coding: [
          rev === '0023'
            ? coding(
                `${VAR}rev_cntr`,
                rev,
                'Home Health services paid under PPS submitted as TOB 32X and 33X, effective 10/00. This code may appear multiple times on a claim to identify different HIPPS/Home Health Resource Groups (HRG).',
              )
            : coding(`${VAR}rev_cntr`, rev),
          coding(NUBC_REVENUE, '0'),
          coding(
            `${VAR}rev_cntr_ddctbl_coinsrnc_cd`,
            '0',
            'Charges are subject to deductible and coinsurance',
          ),
        ],
      }));
      break;
    case 'hospice':
      item['revenue'] = REVENUE.get('hospice', rev, '', () => ({
        coding: [
          coding(`${VAR}rev_cntr`, rev),
          coding(NUBC_REVENUE, '0'),
          coding(
            `${VAR}rev_cntr_ddctbl_coinsrnc_cd`,
            '0',
            'Charges are subject to deductible and coinsurance',
          ),
        ],
      }));
      break;
  }
  // Many institutional lines carry no HCPCS at all (as in real data); a few coded lines drop it too.
  if (l.hcpcs !== undefined && !rng.chance(0.06)) {
    if (kind === 'inpatient') {
      item['productOrService'] = PRODUCT2.get(l.hcpcs, '', '', () => ({
        coding: [coding(`${VAR}hcpcs_cd`, l.hcpcs ?? ''), coding(CS_HCPCS, l.hcpcs ?? '')],
      }));
    } else if (rev === '0636' && rng.chance(0.7)) {
      item['productOrService'] = {
        extension: [
          {
            url: NDC,
            valueCoding: coding(NDC, '00409490234', 'Ondansetron Hydrochloride - ONDANSETRON HYDROCHLORIDE'),
          },
        ],
        coding: [coding(CS_HCPCS, l.hcpcs)],
      };
    } else {
      item['productOrService'] = sharedCodeable(CS_HCPCS, l.hcpcs);
    }
  }
  if (rev === '0636' || (kind !== 'inpatient' && rng.chance(0.15))) {
    const modifiers: Obj[] = [];
    if (kind !== 'inpatient' && kind !== 'snf' && rng.chance(0.6)) {
      modifiers.push(sharedCodeable(CS_HCPCS, rng.pick(['25', '59', 'GP', 'JW', 'XU'])));
    }
    // BFD labels the NDC quantity qualifier as a modifier under http://unitsofmeasure.org.
    if (rev === '0636' || modifiers.length === 0) {
      const unit = rng.pick(UCUM_UNITS);
      // Only BFD's SNF output carries the unit's display (bfd/eob-snf.json).
      modifiers.push(kind === 'snf' ? sharedCodeable(UCUM, unit[0], unit[1]) : sharedCodeable(UCUM, unit[0]));
    }
    item['modifier'] = modifiers;
  }
  if (kind === 'hha' || kind === 'hospice' || (kind === 'outpatient' && rng.chance(0.08))) {
    item['servicedDate'] = ymd(dayIn(rng, plan.from, plan.thru));
  }
  item['locationAddress'] = locationAddress(person.statePostal);
  item['quantity'] = quantityOf(l.units);
  const adj: Obj[] = [];
  if (kind === 'outpatient' || kind === 'hha') {
    const [first, second] = l.denial;
    if (first) adj.push(denialReason('rev_cntr_1st_ansi_cd', first));
    if (second) adj.push(denialReason('rev_cntr_2nd_ansi_cd', second));
  }
  adj.push(
    adjudication('rev_cntr_rate_amt', l.rate),
    adjudication('rev_cntr_tot_chrg_amt', l.charge),
    adjudication('rev_cntr_ncvrd_chrg_amt', l.noncovered),
  );
  switch (kind) {
    case 'outpatient':
      adj.push(
        adjudication('rev_cntr_blood_ddctbl_amt', l.bloodDeductible),
        adjudication('rev_cntr_cash_ddctbl_amt', l.cashDeductible),
        adjudication('rev_cntr_coinsrnc_wge_adjstd_c', l.coinsurance),
        adjudication('rev_cntr_rdcd_coinsrnc_amt', l.reducedCoinsurance),
        adjudication('rev_cntr_1st_msp_pd_amt', l.msp1),
        adjudication('rev_cntr_2nd_msp_pd_amt', l.msp2),
        adjudication('rev_cntr_prvdr_pmt_amt', l.toProvider),
        adjudication('rev_cntr_bene_pmt_amt', l.toPatient),
        adjudication('rev_cntr_ptnt_rspnsblty_pmt', l.cashDeductible + l.coinsurance + l.bloodDeductible),
        adjudication('rev_cntr_pmt_amt_amt', l.payment),
      );
      break;
    case 'hha':
      adj.push(adjudication('rev_cntr_pmt_amt_amt', l.payment));
      break;
    case 'hospice':
      adj.push(
        adjudication('rev_cntr_prvdr_pmt_amt', l.toProvider),
        adjudication('rev_cntr_bene_pmt_amt', l.toPatient),
        adjudication('rev_cntr_pmt_amt_amt', l.payment),
      );
      break;
    case 'inpatient':
    case 'snf':
      break;
  }
  item['adjudication'] = adj;
  return item;
}
