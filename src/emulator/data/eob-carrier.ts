/** Carrier (Part B professional) claims, modelled on bfd/eob-carrier.json. */
import {
  ICD10_DX,
  PART_B_DEDUCTIBLE,
  PLACE_OF_SERVICE,
  PRO_SERVICES,
  STATE_NAMES,
  type ProService,
} from './codes.ts';
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
  sequenceArray,
  quantityOf,
  quantityExt,
  dayIn,
  sum,
  hcpcsModifier,
  newEob,
} from './eob-common.ts';
import {
  CS_HCPCS,
  NDC,
  PROFILE,
  THO,
  VAR,
  careTeamRole,
  coding,
  extCoding,
  extIdentifier,
  money,
  npiTypedIdentifier,
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
import type { Person, Practitioner } from './person.ts';
import { ymd } from './time.ts';
import type { FhirResource } from './types.ts';

const CARRIER_LINE_COUNTS = [
  [1, 30],
  [2, 25],
  [3, 17],
  [4, 11],
  [5, 7],
  [6, 5],
  [7, 3],
  [8, 2],
] as const;
const VISITS = PRO_SERVICES.filter((s) => s.betos[0].startsWith('M'));
const MODIFIERS = ['25', '59', 'LT', 'RT', 'GP', '26', 'TC', 'QW', 'GA'] as const;

interface LineMoneyState {
  deductibleLeft: number;
  msp: boolean;
  assigned: boolean;
}

export function buildCarrier(c: Ctx): FhirResource {
  const { rng, plan, person } = c;
  const assigned = rng.chance(0.93);
  const state: LineMoneyState = {
    deductibleLeft: c.money.chance(0.14)
      ? Math.round((PART_B_DEDUCTIBLE[c.year] ?? 240) * 100 * (0.15 + c.money.next() * 0.85))
      : 0,
    msp: c.money.chance(0.04),
    assigned,
  };
  const performer = rng.pick(person.practitioners);
  const referrer = rng.chance(0.55) ? rng.pick(person.practitioners) : undefined;
  const billing = person.group;
  const { careTeam, careTeamSequence } = carrierCareTeam(person, performer, referrer, assigned);

  const dxCodes = distinct(
    rng,
    ICD10_DX,
    1 +
      rng.weighted([
        [0, 25],
        [1, 30],
        [2, 20],
        [3, 15],
        [4, 10],
      ] as const),
  );
  const diagnoses = dxCodes.map((code, i) => diagnosis(c, i + 1, code, i === 0 ? 'principal' : 'secondary'));

  const nLines = rng.weighted(CARRIER_LINE_COUNTS);
  const lines = newCarrierLines(c, state, careTeamSequence, diagnoses.length);
  for (let i = 1; i <= nLines; i++) carrierLine(c, lines, i);

  const eob = newEob(c, PROFILE.professional);
  if (lines.contained.length > 0) eob['contained'] = lines.contained;
  eob['extension'] = carrierHeaderExtensions(c, 'O', assigned);
  eob['identifier'] = claimIdentifiers(c, `${VAR}clm_id`);
  eob['status'] = c.plan.status;
  eob['type'] = eobTypeCodeable(
    [
      '71',
      'Local carrier non-durable medical equipment, prosthetics, orthotics, and supplies (DMEPOS) claim',
    ],
    'CARRIER',
    'professional',
  );
  eob['use'] = 'claim';
  eob['patient'] = patientRef(c);
  eob['billablePeriod'] = { start: ymd(plan.from), end: ymd(plan.thru) };
  eob['created'] = c.lastUpdated;
  eob['insurer'] = INSURER;
  if (rng.chance(0.85)) {
    eob['provider'] = { identifier: { system: `${VAR}carr_clm_blg_npi_num`, value: billing.npi } };
  }
  if (referrer) eob['referral'] = { identifier: npiTypedIdentifier(referrer.npi) };
  eob['outcome'] = 'complete';
  eob['disposition'] = '1';
  eob['careTeam'] = careTeam;
  eob['supportingInfo'] = lines.supportingInfo;
  eob['diagnosis'] = diagnoses;
  eob['insurance'] = insurance('b', person.patientId);
  eob['item'] = lines.items;
  const lineMoney = lines.money;
  // BFD quirk: the one `total` is CARR_CLM_PRMRY_PYR_PD_AMT labelled clm_tot_chrg_amt.
  eob['total'] = [totalEntry('clm_tot_chrg_amt', sum(lineMoney.map((l) => l.priorPayer)), 'priorpayerpaid')];
  eob['payment'] = { amount: money(sum(lineMoney.map((l) => l.payment))) };
  eob['benefitBalance'] = professionalBenefitBalance(lineMoney);
  return eob;
}

/** referring (sometimes), performing (responsible), primary (the billing group). */
function carrierCareTeam(
  person: Person,
  performer: Practitioner,
  referrer: Practitioner | undefined,
  assigned: boolean,
): { careTeam: Obj[]; careTeamSequence: number[] } {
  const billing = person.group;
  const careTeam: Obj[] = [];
  if (referrer) {
    careTeam.push({
      sequence: careTeam.length + 1,
      provider: { identifier: npiTypedIdentifier(referrer.npi) },
      role: careTeamRole('referring', 'Referring'),
    });
  }
  const performingSeq = careTeam.length + 1;
  careTeam.push({
    extension: [
      extCoding('carr_line_prvdr_type_cd', '0'),
      assigned
        ? extCoding('prtcptng_ind_cd', '1', 'Participating')
        : extCoding('prtcptng_ind_cd', '4', 'Non-participating'),
    ],
    sequence: performingSeq,
    provider: { identifier: npiTypedIdentifier(performer.npi) },
    responsible: true,
    role: careTeamRole('performing', 'Performing provider'),
    qualification: qualification(performer.specialty, true),
  });
  const primarySeq = careTeam.length + 1;
  careTeam.push({
    sequence: primarySeq,
    provider: { identifier: npiTypedIdentifier(billing.npi), display: billing.name },
    role: careTeamRole('primary', 'Primary provider', `${THO}claimcareteamrole`),
  });
  return { careTeam, careTeamSequence: [performingSeq, primarySeq] };
}

/** What the lines of one carrier claim accumulate and share while they are built. */
interface CarrierLines {
  readonly state: LineMoneyState;
  readonly careTeamSequence: number[];
  readonly diagnosisCount: number;
  readonly contained: Obj[];
  readonly supportingInfo: Obj[];
  readonly items: Obj[];
  readonly money: ProLineMoney[];
  readonly pos: string;
  readonly locality: string;
  readonly localityName: string | undefined;
  readonly zipExt: Obj;
  readonly cliaExt: Obj;
  // Fragments identical across the claim's lines are built once per claim.
  readonly locations: Map<string, Obj>;
  readonly periods: Map<number, Obj>;
}

function newCarrierLines(
  c: Ctx,
  state: LineMoneyState,
  careTeamSequence: number[],
  diagnosisCount: number,
): CarrierLines {
  const { rng, person } = c;
  const supportingInfo: Obj[] = [recvdDateInfo(1, weeklyProcessingDay(c))];
  const pos = rng.chance(0.8) ? '11' : '22';
  const locality = String(rng.int(1, 99)).padStart(2, '0');
  const zipExt = {
    url: `${VAR}prvdr_zip`,
    valueCoding: varCoding('prvdr_zip', `${person.zip5}${rng.digits(4)}`),
  };
  const cliaExt = extIdentifier('carr_line_clia_lab_num', `${person.statePostal}D${rng.digits(7)}`);
  return {
    state,
    careTeamSequence,
    diagnosisCount,
    contained: [],
    supportingInfo,
    items: [],
    money: [],
    pos,
    locality,
    // CCW labels the pricing locality with the state name.
    localityName: STATE_NAMES[person.statePostal],
    zipExt,
    cliaExt,
    locations: new Map(),
    periods: new Map(),
  };
}

/** Line `i`: a service, its money, maybe a lab result Observation; appended to `lines`. */
function carrierLine(c: Ctx, lines: CarrierLines, i: number): void {
  const { rng, plan } = c;
  const service: ProService = i === 1 && rng.chance(0.7) ? rng.pick(VISITS) : rng.pick(PRO_SERVICES);
  const isLab = service.typeOfService[0] === '5';
  const full = isLab || service.typeOfService[0] === 'V';
  const units = isLab || rng.chance(0.85) ? 1 : rng.int(2, 4);
  const money = proLineMoney(c, service.fee, units, full, lines.state);
  lines.money.push(money);

  let informationSequence: number[] | undefined;
  if ((isLab && rng.chance(0.5)) || rng.chance(0.04)) {
    lines.contained.push(observation(c, i));
    const infoSeq = lines.supportingInfo.length + 1;
    lines.supportingInfo.push(observationInfo(infoSeq, i));
    informationSequence = [infoSeq];
  }
  const day = dayIn(rng, plan.from, plan.thru);
  const item: Obj = {
    extension: carrierLineExtensions(c, service, units, full, money, lines.state.msp),
    sequence: i,
    careTeamSequence: lines.careTeamSequence,
    diagnosisSequence: sequenceArray(rng.int(1, lines.diagnosisCount)),
  };
  if (informationSequence) item['informationSequence'] = informationSequence;
  item['category'] = varCodeable('line_cms_type_srvc_cd', service.typeOfService[0], service.typeOfService[1]);
  item['productOrService'] =
    service.hcpcs.startsWith('J') && rng.chance(0.7)
      ? {
          extension: [
            {
              url: NDC,
              valueCoding: coding(NDC, '00703031501', 'Triamcinolone Acetonide - TRIAMCINOLONE ACETONIDE'),
            },
          ],
          coding: [coding(CS_HCPCS, service.hcpcs)],
        }
      : sharedCodeable(CS_HCPCS, service.hcpcs);
  if (rng.chance(0.35)) item['modifier'] = [hcpcsModifier(rng.pick(MODIFIERS), c.year)];
  let period = lines.periods.get(day);
  if (!period) {
    period = { start: ymd(day), end: ymd(day) };
    lines.periods.set(day, period);
  }
  item['servicedPeriod'] = period;
  item['locationCodeableConcept'] = carrierLocation(c, lines, service.placeOfService ?? lines.pos, isLab);
  item['quantity'] = quantityOf(units);
  item['adjudication'] = professionalLineAdjudication(money, true);
  lines.items.push(item);
}

function carrierLineExtensions(
  c: Ctx,
  service: ProService,
  units: number,
  full: boolean,
  money: ProLineMoney,
  msp: boolean,
): Obj[] {
  const lineExt: Obj[] = [quantityExt('carr_line_mtus_cnt', units)];
  if (c.rng.chance(0.3)) lineExt.push(extCoding('carr_line_mtus_cnt', '3'));
  lineExt.push(
    extCoding('carr_line_mtus_cd', '3', 'Services'),
    extCoding('betos_cd', service.betos[0], service.betos[1]),
  );
  const payer = primaryPayerExtension(c, msp);
  if (payer) lineExt.push(payer);
  lineExt.push(
    money.denied
      ? extCoding('line_prcsg_ind_cd', 'C', 'Noncovered care')
      : extCoding('line_prcsg_ind_cd', 'A', 'Allowed'),
    full
      ? extCoding('line_service_deductible', '1', 'Service Not Subject to Deductible')
      : extCoding('line_service_deductible', '0', 'Service Subject to Deductible'),
  );
  return lineExt;
}

/** The place of service with the provider's state, ZIP, pricing locality (and CLIA number for labs). */
function carrierLocation(c: Ctx, lines: CarrierLines, linePos: string, isLab: boolean): Obj {
  const person = c.person;
  const locationKey = isLab ? `${linePos}L` : linePos;
  let location = lines.locations.get(locationKey);
  if (!location) {
    const locExt: Obj[] = [
      extCoding('prvdr_state_cd', person.statePostal),
      lines.zipExt,
      extCoding('carr_line_prcng_lclty_cd', lines.locality, lines.localityName),
    ];
    if (isLab) locExt.push(lines.cliaExt);
    location = {
      extension: locExt,
      coding: [varCoding('line_place_of_srvc_cd', linePos, PLACE_OF_SERVICE[linePos])],
    };
    lines.locations.set(locationKey, location);
  }
  return location;
}
