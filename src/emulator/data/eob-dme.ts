/** DME (durable medical equipment) claims, modelled on bfd/eob-dme.json. */
import { DME_ITEMS, ICD10_DX, PLACE_OF_SERVICE } from './codes.ts';
import * as common from './eob-common.ts';
import * as fb from './fhir-builders.ts';
import { adjudication } from './ccw-categories.ts';
import * as pro from './eob-professional.ts';
import type { Practitioner } from './person.ts';
import { ymd } from './time.ts';
import type { FhirResource } from './types.ts';

export function buildDme(c: common.Ctx): FhirResource {
  const { rng, person } = c;
  const assigned = rng.chance(0.9);
  const state = pro.proLineState(c, assigned, 0.1, 0.2, 0.8);
  const supplier = person.dmeSupplier;
  const referrer = rng.pick(person.practitioners);
  const careTeam = dmeCareTeam(supplier, referrer, assigned);
  const dxCodes = common.distinct(rng, ICD10_DX, rng.int(1, 3));
  const diagnoses = dxCodes.map((code, i) =>
    common.diagnosis(c, i + 1, code, i === 0 ? 'principalFull' : rng.chance(0.5) ? 'other' : 'secondary'),
  );
  const nLines = rng.weighted([
    [1, 50],
    [2, 30],
    [3, 15],
    [4, 5],
  ] as const);
  const lines: pro.ProfessionalLines = {
    state,
    diagnosisCount: diagnoses.length,
    contained: [],
    supportingInfo: [common.recvdDateInfo(1, common.weeklyProcessingDay(c))],
    items: [],
    money: [],
  };
  for (let i = 1; i <= nLines; i++) dmeLine(c, lines, i);

  return pro.professionalEob(c, {
    // BFD quirks kept: DME is typed institutional and carries the inpatient-institutional profile.
    profile: fb.PROFILE.inpatient,
    contained: lines.contained,
    extension: pro.carrierHeaderExtensions(c, 'M', assigned),
    type: common.eobTypeCodeable(['82', 'DMERC; DMEPOS claim'], 'DME', 'institutional'),
    provider: {
      type: 'Practitioner',
      identifier: { system: fb.NPI, value: supplier.npi },
      display: supplier.name,
    },
    referral: { identifier: fb.npiTypedIdentifier(referrer.npi), display: referrer.name },
    disposition: '01',
    careTeam,
    diagnosis: diagnoses,
    // BFD golden file: DME references the Part A coverage.
    insurance: common.insurance('a', person.patientId),
    lines,
  });
}

/** The referring practitioner and the performing supplier. */
function dmeCareTeam(
  supplier: Practitioner | { npi: string; name: string },
  referrer: Practitioner,
  assigned: boolean,
): fb.Obj[] {
  return [
    {
      sequence: 1,
      provider: { identifier: fb.npiTypedIdentifier(referrer.npi), display: referrer.name },
      role: fb.careTeamRole('referring', 'Referring'),
      qualification: common.qualification(referrer.specialty, false),
    },
    {
      extension: [pro.participation(assigned)],
      sequence: 2,
      provider: { identifier: fb.npiTypedIdentifier(supplier.npi), display: supplier.name },
      responsible: true,
      role: fb.careTeamRole('performing', 'Performing provider'),
      qualification: fb.shared('qual|dme-supplier', () => ({
        coding: [
          fb.coding(fb.NUCC, '332B00000X', 'Durable Medical Equipment & Medical Supplies'),
          fb.varCoding('prvdr_spclty', 'A5', 'Pharmacy (DMERC)'),
        ],
      })),
    },
  ];
}

/** Line `i`: one DME item, its money, and (always on line 1) a lab result Observation. */
function dmeLine(c: common.Ctx, lines: pro.ProfessionalLines, i: number): void {
  const { rng, plan, person } = c;
  const dme = rng.pick(DME_ITEMS);
  const money = pro.proLineMoney(c, dme.fee, dme.units, false, lines.state);
  lines.money.push(money);
  const informationSequence = i === 1 || rng.chance(0.2) ? pro.addObservation(c, lines, i) : undefined;
  const item: fb.Obj = {
    extension: dmeLineExtensions(c, dme, money, lines.state.msp),
    sequence: i,
    careTeamSequence: [2],
    diagnosisSequence: [rng.int(1, lines.diagnosisCount)],
  };
  if (informationSequence) item['informationSequence'] = informationSequence;
  item['category'] = fb.varCodeable('line_cms_type_srvc_cd', dme.typeOfService[0], dme.typeOfService[1]);
  item['productOrService'] = dme.ndc
    ? {
        extension: [{ url: fb.NDC, valueCoding: fb.coding(fb.NDC, dme.ndc[0], dme.ndc[1]) }],
        coding: [fb.coding(fb.CS_HCPCS, dme.hcpcs)],
      }
    : fb.sharedCodeable(fb.CS_HCPCS, dme.hcpcs);
  if (dme.typeOfService[0] === 'R' || rng.chance(0.3)) {
    item['modifier'] = [
      common.hcpcsModifier(
        dme.typeOfService[0] === 'R' ? rng.pick(['RR', 'KH', 'KI']) : rng.pick(['NU', 'KX', 'RT', 'LT']),
        c.year,
      ),
    ];
  }
  item['servicedPeriod'] = { start: ymd(plan.from), end: ymd(plan.thru) };
  item['locationCodeableConcept'] = {
    extension: [fb.extCoding('prvdr_state_cd', person.statePostal)],
    coding: [fb.varCoding('line_place_of_srvc_cd', '12', PLACE_OF_SERVICE['12'])],
  };
  item['quantity'] = { value: dme.units };
  item['adjudication'] = [
    adjudication('rev_cntr_prvdr_pmt_amt', money.toProvider),
    adjudication('line_prmry_alowd_chrg_amt', lines.state.msp ? money.allowed : 0),
    adjudication('line_dme_prchs_price_amt', Math.round(dme.fee * dme.units * 100 * c.scale)),
    ...pro.professionalLineAdjudication(money, false),
  ];
  lines.items.push(item);
}

function dmeLineExtensions(
  c: common.Ctx,
  dme: (typeof DME_ITEMS)[number],
  money: pro.ProLineMoney,
  msp: boolean,
): fb.Obj[] {
  const lineExt: fb.Obj[] = [
    fb.extIdentifier('suplrnum', c.person.dmeSupplier.npi),
    { url: `${fb.VAR}dmerc_line_scrn_svgs_amt`, valueQuantity: { value: 0 } },
    {
      url: `${fb.VAR}dmerc_line_mtus_cnt`,
      valueQuantity: {
        value: dme.units,
        unit: 'Number of services',
        system: `${fb.VAR}dmerc_line_mtus_cd`,
        code: '3',
      },
    },
    fb.extCoding('dmerc_line_prcng_state_cd', c.person.statePostal),
    fb.extCoding(
      'dmerc_line_supplr_type_cd',
      '3',
      'Suppliers (other than sole proprietorship) for whom employer identification (EI) numbers are used in coding the ID field.',
    ),
    fb.extCoding('betos_cd', dme.betos),
  ];
  // DME lines are never paid at 100% (money.full is false): always subject to the deductible.
  pro.pushLineOutcome(c, lineExt, money, msp);
  return lineExt;
}
