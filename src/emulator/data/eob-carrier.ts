/** Carrier (Part B professional) claims, modelled on bfd/eob-carrier.json. */
import { ICD10_DX, PLACE_OF_SERVICE, PRO_SERVICES, STATE_NAMES, type ProService } from './codes.ts';
import * as common from './eob-common.ts';
import * as fb from './fhir-builders.ts';
import * as pro from './eob-professional.ts';
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

export function buildCarrier(c: common.Ctx): FhirResource {
  const { rng, person } = c;
  const assigned = rng.chance(0.93);
  const state = pro.proLineState(c, assigned, 0.14, 0.15, 0.85);
  const performer = rng.pick(person.practitioners);
  const referrer = rng.chance(0.55) ? rng.pick(person.practitioners) : undefined;
  const billing = person.group;
  const { careTeam, careTeamSequence } = carrierCareTeam(person, performer, referrer, assigned);

  const dxCodes = common.distinct(
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
  const diagnoses = dxCodes.map((code, i) =>
    common.diagnosis(c, i + 1, code, i === 0 ? 'principal' : 'secondary'),
  );

  const nLines = rng.weighted(CARRIER_LINE_COUNTS);
  const lines = newCarrierLines(c, state, careTeamSequence, diagnoses.length);
  for (let i = 1; i <= nLines; i++) carrierLine(c, lines, i);

  const extension = pro.carrierHeaderExtensions(c, 'O', assigned);
  const provider = rng.chance(0.85)
    ? { identifier: { system: `${fb.VAR}carr_clm_blg_npi_num`, value: billing.npi } }
    : undefined;
  return pro.professionalEob(c, {
    profile: fb.PROFILE.professional,
    contained: lines.contained.length > 0 ? lines.contained : undefined,
    extension,
    type: common.eobTypeCodeable(
      [
        '71',
        'Local carrier non-durable medical equipment, prosthetics, orthotics, and supplies (DMEPOS) claim',
      ],
      'CARRIER',
      'professional',
    ),
    provider,
    referral: referrer ? { identifier: fb.npiTypedIdentifier(referrer.npi) } : undefined,
    disposition: '1',
    careTeam,
    diagnosis: diagnoses,
    insurance: common.insurance('b', person.patientId),
    lines,
  });
}

/** referring (sometimes), performing (responsible), primary (the billing group). */
function carrierCareTeam(
  person: Person,
  performer: Practitioner,
  referrer: Practitioner | undefined,
  assigned: boolean,
): { careTeam: fb.Obj[]; careTeamSequence: number[] } {
  const billing = person.group;
  const careTeam: fb.Obj[] = [];
  if (referrer) {
    careTeam.push({
      sequence: careTeam.length + 1,
      provider: { identifier: fb.npiTypedIdentifier(referrer.npi) },
      role: fb.careTeamRole('referring', 'Referring'),
    });
  }
  const performingSeq = careTeam.length + 1;
  careTeam.push({
    extension: [fb.extCoding('carr_line_prvdr_type_cd', '0'), pro.participation(assigned)],
    sequence: performingSeq,
    provider: { identifier: fb.npiTypedIdentifier(performer.npi) },
    responsible: true,
    role: fb.careTeamRole('performing', 'Performing provider'),
    qualification: common.qualification(performer.specialty, true),
  });
  const primarySeq = careTeam.length + 1;
  careTeam.push({
    sequence: primarySeq,
    provider: { identifier: fb.npiTypedIdentifier(billing.npi), display: billing.name },
    role: fb.careTeamRole('primary', 'Primary provider', `${fb.THO}claimcareteamrole`),
  });
  return { careTeam, careTeamSequence: [performingSeq, primarySeq] };
}

/** What the lines of one carrier claim accumulate and share while they are built. */
interface CarrierLines extends pro.ProfessionalLines {
  readonly careTeamSequence: number[];
  readonly pos: string;
  readonly locality: string;
  readonly localityName: string | undefined;
  readonly zipExt: fb.Obj;
  readonly cliaExt: fb.Obj;
  // Fragments identical across the claim's lines are built once per claim.
  readonly locations: Map<string, fb.Obj>;
  readonly periods: Map<number, fb.Obj>;
}

function newCarrierLines(
  c: common.Ctx,
  state: pro.ProfessionalLines['state'],
  careTeamSequence: number[],
  diagnosisCount: number,
): CarrierLines {
  const { rng, person } = c;
  const supportingInfo: fb.Obj[] = [common.recvdDateInfo(1, common.weeklyProcessingDay(c))];
  const pos = rng.chance(0.8) ? '11' : '22';
  const locality = String(rng.int(1, 99)).padStart(2, '0');
  const zipExt = {
    url: `${fb.VAR}prvdr_zip`,
    valueCoding: fb.varCoding('prvdr_zip', `${person.zip5}${rng.digits(4)}`),
  };
  const cliaExt = fb.extIdentifier('carr_line_clia_lab_num', `${person.statePostal}D${rng.digits(7)}`);
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
function carrierLine(c: common.Ctx, lines: CarrierLines, i: number): void {
  const { rng, plan } = c;
  const service: ProService = i === 1 && rng.chance(0.7) ? rng.pick(VISITS) : rng.pick(PRO_SERVICES);
  const isLab = service.typeOfService[0] === '5';
  const full = isLab || service.typeOfService[0] === 'V';
  const units = isLab || rng.chance(0.85) ? 1 : rng.int(2, 4);
  const money = pro.proLineMoney(c, service.fee, units, full, lines.state);
  lines.money.push(money);

  const informationSequence =
    (isLab && rng.chance(0.5)) || rng.chance(0.04) ? pro.addObservation(c, lines, i) : undefined;
  const day = common.dayIn(rng, plan.from, plan.thru);
  const item: fb.Obj = {
    extension: carrierLineExtensions(c, service, units, money, lines.state.msp),
    sequence: i,
    careTeamSequence: lines.careTeamSequence,
    diagnosisSequence: common.sequenceArray(rng.int(1, lines.diagnosisCount)),
  };
  if (informationSequence) item['informationSequence'] = informationSequence;
  item['category'] = fb.varCodeable(
    'line_cms_type_srvc_cd',
    service.typeOfService[0],
    service.typeOfService[1],
  );
  item['productOrService'] =
    service.hcpcs.startsWith('J') && rng.chance(0.7)
      ? {
          extension: [
            {
              url: fb.NDC,
              valueCoding: fb.coding(
                fb.NDC,
                '00703031501',
                'Triamcinolone Acetonide - TRIAMCINOLONE ACETONIDE',
              ),
            },
          ],
          coding: [fb.coding(fb.CS_HCPCS, service.hcpcs)],
        }
      : fb.sharedCodeable(fb.CS_HCPCS, service.hcpcs);
  if (rng.chance(0.35)) item['modifier'] = [common.hcpcsModifier(rng.pick(MODIFIERS), c.year)];
  let period = lines.periods.get(day);
  if (!period) {
    period = { start: ymd(day), end: ymd(day) };
    lines.periods.set(day, period);
  }
  item['servicedPeriod'] = period;
  item['locationCodeableConcept'] = carrierLocation(c, lines, service.placeOfService ?? lines.pos, isLab);
  item['quantity'] = common.quantityOf(units);
  item['adjudication'] = pro.professionalLineAdjudication(money, true);
  lines.items.push(item);
}

function carrierLineExtensions(
  c: common.Ctx,
  service: ProService,
  units: number,
  money: pro.ProLineMoney,
  msp: boolean,
): fb.Obj[] {
  const lineExt: fb.Obj[] = [common.quantityExt('carr_line_mtus_cnt', units)];
  if (c.rng.chance(0.3)) lineExt.push(fb.extCoding('carr_line_mtus_cnt', '3'));
  lineExt.push(
    fb.extCoding('carr_line_mtus_cd', '3', 'Services'),
    fb.extCoding('betos_cd', service.betos[0], service.betos[1]),
  );
  pro.pushLineOutcome(c, lineExt, money, msp);
  return lineExt;
}

/** The place of service with the provider's state, ZIP, pricing locality (and CLIA number for labs). */
function carrierLocation(c: common.Ctx, lines: CarrierLines, linePos: string, isLab: boolean): fb.Obj {
  const person = c.person;
  const locationKey = isLab ? `${linePos}L` : linePos;
  let location = lines.locations.get(locationKey);
  if (!location) {
    const locExt: fb.Obj[] = [
      fb.extCoding('prvdr_state_cd', person.statePostal),
      lines.zipExt,
      fb.extCoding('carr_line_prcng_lclty_cd', lines.locality, lines.localityName),
    ];
    if (isLab) locExt.push(lines.cliaExt);
    location = {
      extension: locExt,
      coding: [fb.varCoding('line_place_of_srvc_cd', linePos, PLACE_OF_SERVICE[linePos])],
    };
    lines.locations.set(locationKey, location);
  }
  return location;
}
