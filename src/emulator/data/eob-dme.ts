/** DME (durable medical equipment) claims, modelled on bfd/eob-dme.json. */
import { DME_ITEMS, ICD10_DX, PART_B_DEDUCTIBLE, PLACE_OF_SERVICE } from './codes.ts';
import {
  type Ctx,
  INSURER,
  eobTypeCodeable,
  insurance,
  claimIdentifiers,
  patientRef,
  weeklyProcessingDay,
  recvdDateInfo,
  diagnosis,
  distinct,
  qualification,
  sum,
  hcpcsModifier,
  newEob,
} from './eob-common.ts';
import {
  CS_HCPCS,
  NDC,
  NPI,
  NUCC,
  PROFILE,
  VAR,
  adjudication,
  careTeamRole,
  coding,
  extCoding,
  extIdentifier,
  money,
  npiTypedIdentifier,
  shared,
  sharedCodeable,
  totalEntry,
  varCodeable,
  varCoding,
  type Obj,
} from './fhir-builders.ts';
import {
  carrierHeaderExtensions,
  observation,
  observationInfo,
  primaryPayerExtension,
  professionalBenefitBalance,
  professionalLineAdjudication,
  proLineMoney,
  type ProLineMoney,
} from './eob-professional.ts';
import type { Practitioner } from './person.ts';
import { ymd } from './time.ts';
import type { FhirResource } from './types.ts';

interface LineMoneyState {
  deductibleLeft: number;
  msp: boolean;
  assigned: boolean;
}

export function buildDme(c: Ctx): FhirResource {
  const { rng, plan, person } = c;
  const assigned = rng.chance(0.9);
  const state: LineMoneyState = {
    deductibleLeft: c.money.chance(0.1)
      ? Math.round((PART_B_DEDUCTIBLE[c.year] ?? 240) * 100 * (0.2 + c.money.next() * 0.8))
      : 0,
    msp: c.money.chance(0.04),
    assigned,
  };
  const supplier = person.dmeSupplier;
  const referrer = rng.pick(person.practitioners);
  const careTeam = dmeCareTeam(supplier, referrer, assigned);
  const dxCodes = distinct(rng, ICD10_DX, rng.int(1, 3));
  const diagnoses = dxCodes.map((code, i) =>
    diagnosis(c, i + 1, code, i === 0 ? 'principalFull' : rng.chance(0.5) ? 'other' : 'secondary'),
  );
  const nLines = rng.weighted([
    [1, 50],
    [2, 30],
    [3, 15],
    [4, 5],
  ] as const);
  const lines: DmeLines = {
    state,
    diagnosisCount: diagnoses.length,
    contained: [],
    supportingInfo: [recvdDateInfo(1, weeklyProcessingDay(c))],
    items: [],
    money: [],
  };
  for (let i = 1; i <= nLines; i++) dmeLine(c, lines, i);

  const eob = newEob(c, PROFILE.inpatient);
  eob['contained'] = lines.contained;
  eob['extension'] = carrierHeaderExtensions(c, 'M', assigned);
  eob['identifier'] = claimIdentifiers(c, `${VAR}clm_id`);
  eob['status'] = c.plan.status;
  // BFD quirks kept: DME is typed institutional and carries the inpatient-institutional profile.
  eob['type'] = eobTypeCodeable(['82', 'DMERC; DMEPOS claim'], 'DME', 'institutional');
  eob['use'] = 'claim';
  eob['patient'] = patientRef(c);
  eob['billablePeriod'] = { start: ymd(plan.from), end: ymd(plan.thru) };
  eob['created'] = c.lastUpdated;
  eob['insurer'] = INSURER;
  eob['provider'] = {
    type: 'Practitioner',
    identifier: { system: NPI, value: supplier.npi },
    display: supplier.name,
  };
  eob['referral'] = { identifier: npiTypedIdentifier(referrer.npi), display: referrer.name };
  eob['outcome'] = 'complete';
  eob['disposition'] = '01';
  eob['careTeam'] = careTeam;
  eob['supportingInfo'] = lines.supportingInfo;
  eob['diagnosis'] = diagnoses;
  // BFD golden file: DME references the Part A coverage.
  eob['insurance'] = insurance('a', person.patientId);
  eob['item'] = lines.items;
  const lineMoney = lines.money;
  eob['total'] = [totalEntry('clm_tot_chrg_amt', sum(lineMoney.map((l) => l.priorPayer)), 'priorpayerpaid')];
  eob['payment'] = { amount: money(sum(lineMoney.map((l) => l.payment))) };
  eob['benefitBalance'] = professionalBenefitBalance(lineMoney);
  return eob;
}

/** The referring practitioner and the performing supplier. */
function dmeCareTeam(
  supplier: Practitioner | { npi: string; name: string },
  referrer: Practitioner,
  assigned: boolean,
): Obj[] {
  return [
    {
      sequence: 1,
      provider: { identifier: npiTypedIdentifier(referrer.npi), display: referrer.name },
      role: careTeamRole('referring', 'Referring'),
      qualification: qualification(referrer.specialty, false),
    },
    {
      extension: [
        assigned
          ? extCoding('prtcptng_ind_cd', '1', 'Participating')
          : extCoding('prtcptng_ind_cd', '4', 'Non-participating'),
      ],
      sequence: 2,
      provider: { identifier: npiTypedIdentifier(supplier.npi), display: supplier.name },
      responsible: true,
      role: careTeamRole('performing', 'Performing provider'),
      qualification: shared('qual|dme-supplier', () => ({
        coding: [
          coding(NUCC, '332B00000X', 'Durable Medical Equipment & Medical Supplies'),
          varCoding('prvdr_spclty', 'A5', 'Pharmacy (DMERC)'),
        ],
      })),
    },
  ];
}

/** What the lines of one DME claim accumulate while they are built. */
interface DmeLines {
  readonly state: LineMoneyState;
  readonly diagnosisCount: number;
  readonly contained: Obj[];
  readonly supportingInfo: Obj[];
  readonly items: Obj[];
  readonly money: ProLineMoney[];
}

/** Line `i`: one DME item, its money, and (always on line 1) a lab result Observation. */
function dmeLine(c: Ctx, lines: DmeLines, i: number): void {
  const { rng, plan, person } = c;
  const dme = rng.pick(DME_ITEMS);
  const money = proLineMoney(c, dme.fee, dme.units, false, lines.state);
  lines.money.push(money);
  let informationSequence: number[] | undefined;
  if (i === 1 || rng.chance(0.2)) {
    lines.contained.push(observation(c, i));
    const infoSeq = lines.supportingInfo.length + 1;
    lines.supportingInfo.push(observationInfo(infoSeq, i));
    informationSequence = [infoSeq];
  }
  const item: Obj = {
    extension: dmeLineExtensions(c, dme, money, lines.state.msp),
    sequence: i,
    careTeamSequence: [2],
    diagnosisSequence: [rng.int(1, lines.diagnosisCount)],
  };
  if (informationSequence) item['informationSequence'] = informationSequence;
  item['category'] = varCodeable('line_cms_type_srvc_cd', dme.typeOfService[0], dme.typeOfService[1]);
  item['productOrService'] = dme.ndc
    ? {
        extension: [{ url: NDC, valueCoding: coding(NDC, dme.ndc[0], dme.ndc[1]) }],
        coding: [coding(CS_HCPCS, dme.hcpcs)],
      }
    : sharedCodeable(CS_HCPCS, dme.hcpcs);
  if (dme.typeOfService[0] === 'R' || rng.chance(0.3)) {
    item['modifier'] = [
      hcpcsModifier(
        dme.typeOfService[0] === 'R' ? rng.pick(['RR', 'KH', 'KI']) : rng.pick(['NU', 'KX', 'RT', 'LT']),
        c.year,
      ),
    ];
  }
  item['servicedPeriod'] = { start: ymd(plan.from), end: ymd(plan.thru) };
  item['locationCodeableConcept'] = {
    extension: [extCoding('prvdr_state_cd', person.statePostal)],
    coding: [varCoding('line_place_of_srvc_cd', '12', PLACE_OF_SERVICE['12'])],
  };
  item['quantity'] = { value: dme.units };
  item['adjudication'] = [
    adjudication('rev_cntr_prvdr_pmt_amt', money.toProvider),
    adjudication('line_prmry_alowd_chrg_amt', lines.state.msp ? money.allowed : 0),
    adjudication('line_dme_prchs_price_amt', Math.round(dme.fee * dme.units * 100 * c.scale)),
    ...professionalLineAdjudication(money, false),
  ];
  lines.items.push(item);
}

function dmeLineExtensions(
  c: Ctx,
  dme: (typeof DME_ITEMS)[number],
  money: ProLineMoney,
  msp: boolean,
): Obj[] {
  const lineExt: Obj[] = [
    extIdentifier('suplrnum', c.person.dmeSupplier.npi),
    { url: `${VAR}dmerc_line_scrn_svgs_amt`, valueQuantity: { value: 0 } },
    {
      url: `${VAR}dmerc_line_mtus_cnt`,
      valueQuantity: {
        value: dme.units,
        unit: 'Number of services',
        system: `${VAR}dmerc_line_mtus_cd`,
        code: '3',
      },
    },
    extCoding('dmerc_line_prcng_state_cd', c.person.statePostal),
    extCoding(
      'dmerc_line_supplr_type_cd',
      '3',
      'Suppliers (other than sole proprietorship) for whom employer identification (EI) numbers are used in coding the ID field.',
    ),
    extCoding('betos_cd', dme.betos),
  ];
  const payer = primaryPayerExtension(c, msp);
  if (payer) lineExt.push(payer);
  lineExt.push(
    money.denied
      ? extCoding('line_prcsg_ind_cd', 'C', 'Noncovered care')
      : extCoding('line_prcsg_ind_cd', 'A', 'Allowed'),
    extCoding('line_service_deductible', '0', 'Service Subject to Deductible'),
  );
  return lineExt;
}
