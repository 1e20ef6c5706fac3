/**
 * Institutional claims (inpatient, outpatient, SNF, HHA, hospice), modelled on the BFD golden file
 * of each type: contained provider Organization, revenue-center lines, institutional
 * supportingInfo, present-on-admission flags (inpatient), procedures (inpatient, some SNF and
 * outpatient). Money: total = sum of line rev_cntr_tot_chrg_amt; outpatient/HHA/hospice payment =
 * sum of line rev_cntr_pmt_amt_amt; inpatient/SNF payment is claim-level (DRG/PPS-like).
 *
 * This file builds the header; the lines (eob-institutional-lines.ts), their FHIR items
 * (eob-institutional-item.ts), supportingInfo (eob-institutional-info.ts) and the claim-level
 * money (eob-institutional-money.ts) live beside it.
 */
import { ICD10_DX, ICD10_DX_ACUTE, ICD10_EXTERNAL, ICD10_PCS, type Code } from './codes.ts';
import {
  type Ctx,
  INSURER,
  eobTypeCodeable,
  subType,
  insurance,
  claimIdentifiers,
  newEob,
  patientRef,
  type DxType,
  diagnosis,
  distinct,
  qualification,
  dayIn,
  sum,
} from './eob-common.ts';
import {
  C4BB,
  ICD10,
  ICD10PCS,
  NPI,
  PROFILE,
  THO,
  VAR,
  Memo,
  careTeamRole,
  coding,
  extCoding,
  extDate,
  extIdentifier,
  extMoney,
  extQuantity,
  money,
  npiTypedIdentifier,
  shared,
  sharedCodeable,
  upinTypedIdentifier,
  type Obj,
} from './fhir-builders.ts';
import { benefitBalance, totalEntry } from './ccw-categories.ts';
import type { Part } from './coverage.ts';
import type { Organization, Person, Practitioner } from './person.ts';
import { dateTimeAtMidnight, ymd } from './time.ts';
import { institutionalItem } from './eob-institutional-item.ts';
import { institutionalSupportingInfo } from './eob-institutional-info.ts';
import { institutionalLines, type Institutional } from './eob-institutional-lines.ts';
import { institutionalMoney } from './eob-institutional-money.ts';
import type { FhirResource } from './types.ts';

export type { Institutional } from './eob-institutional-lines.ts';

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

type ProviderKind = 'hospital' | 'snf' | 'hha' | 'hospice';

/** What a claim type states unless it says otherwise: a Part A inpatient-style claim. */
const PART_A_DEFAULTS = {
  claimType: 'institutional',
  profile: PROFILE.inpatient,
  subType: 'inpatient',
  nearLine: 'V',
  classification: '1',
  part: 'a',
} as const;

/** A claim type's spec: its NCH code, facility and provider, then what differs from the defaults. */
function specOf(
  kind: Institutional,
  nch: Code,
  facility: Code,
  provider: ProviderKind,
  differs: Partial<InstitutionalSpec> = {},
): InstitutionalSpec {
  const org = (p: Person) => p[provider];
  return { ...PART_A_DEFAULTS, nch, eobType: kind.toUpperCase(), facility, org, ...differs };
}

const HOSPITAL: Code = ['1', 'Hospital'];
/** What Part B claims (outpatient, HHA) change of the defaults. */
const PART_B = { nearLine: 'W', part: 'b' } as const;

const SPECS: Readonly<Record<Institutional, InstitutionalSpec>> = {
  inpatient: specOf('inpatient', ['60', 'Inpatient claim'], HOSPITAL, 'hospital'),
  outpatient: specOf('outpatient', ['40', 'Hospital Outpatient claim'], HOSPITAL, 'hospital', {
    ...PART_B,
    profile: PROFILE.outpatient,
    subType: 'outpatient',
    classification: '3',
  }),
  snf: specOf(
    'snf',
    ['20', 'Non swing bed Skilled Nursing Facility (SNF) claim'],
    ['2', 'Skilled Nursing Facility (SNF)'],
    'snf',
  ),
  // BFD quirks kept: HHA is typed professional, with the professional profile and subType inpatient.
  hha: specOf('hha', ['10', 'Home Health Agency (HHA) claim'], ['3', 'Home Health Agency (HHA)'], 'hha', {
    ...PART_B,
    claimType: 'professional',
    profile: PROFILE.professional,
    classification: '2',
  }),
  hospice: specOf(
    'hospice',
    ['50', 'Hospice claim'],
    ['8', 'Ambulatory Surgery Center (ASC) or other special facility (e.g. hospice)'],
    'hospice',
  ),
};

const PCS_CONCEPT = new Memo<Obj>();
const FACILITY = new Memo<Obj>();

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
  eob['status'] = c.plan.status;
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
