/**
 * A synthetic beneficiary's demographics and provider pool, and the Patient and Coverage
 * resources built from them (modelled on bfd/patient.json, sandbox/patient-bbuser29999.json and
 * bfd/coverage-bundle.json).
 */
import {
  FIRST_NAMES_F,
  FIRST_NAMES_M,
  LAST_NAMES,
  ORG_NAME_PARTS,
  SPECIALTIES,
  STATES,
  type Specialty,
} from './codes.ts';
import {
  MBI,
  PROFILE,
  THO,
  CS_IDENTIFIER_CURRENCY,
  coding,
  extCoding,
  extDate,
  meta,
  Memo,
  shared,
  sharedCodeable,
  VAR,
  type Obj,
} from './fhir.ts';
import { Rng } from './prng.ts';
import type { FhirResource } from './types.ts';
import { dayFromYmd, ymd } from './time.ts';

export interface Practitioner {
  readonly npi: string;
  readonly name: string;
  readonly specialty: Specialty;
}

export interface Organization {
  readonly ccn: string;
  readonly npi: string;
  readonly name: string;
}

export interface Person {
  readonly index: number;
  readonly patientId: string;
  readonly given: string;
  readonly middle: string;
  readonly family: string;
  readonly gender: 'male' | 'female';
  readonly birthDay: number;
  readonly deceasedDay: number | undefined;
  readonly statePostal: string;
  readonly stateSsa: string;
  readonly zip5: string;
  readonly mbi: string;
  readonly mbiStartDay: number;
  readonly historicMbi: string | undefined;
  readonly race: readonly [string, string];
  readonly disabled: boolean;
  readonly esrd: boolean;
  readonly dual: readonly [string, string | undefined];
  readonly lowIncomeSubsidy: boolean;
  readonly partATerminated: boolean;
  readonly medicareAdvantage: string | undefined;
  readonly partDContract: string;
  readonly partDPlan: string;
  readonly entitlementDay: number;
  // Provider pool: the same doctors and facilities recur across a beneficiary's claims.
  readonly practitioners: readonly Practitioner[];
  readonly group: Organization;
  readonly hospital: Organization;
  readonly snf: Organization;
  readonly hha: Organization;
  readonly hospice: Organization;
  readonly pharmacy: Organization;
  readonly dmeSupplier: Practitioner;
  readonly carrierNumber: string;
  readonly fiNumber: string;
  readonly partAFiNumber: string;
}

// Contract and contractor numbers come from small lists (as in reality: a few hundred plans, a
// dozen MACs), which also keeps the shared-fragment caches bounded.
const PART_D_CONTRACTS: readonly string[] = [
  'S4802',
  'S5601',
  'S5884',
  'S5921',
  'S7694',
  'S4607',
  'S5810',
  'S5617',
  'S0522',
  'S5768',
  'S2468',
  'S8067',
];
const MA_CONTRACTS: readonly string[] = [
  'H0028',
  'H0524',
  'H1036',
  'H1225',
  'H2228',
  'H3146',
  'H3312',
  'H4513',
  'H5216',
  'H5525',
  'H7617',
  'H9686',
];
const MAC_NUMBERS: readonly string[] = [
  '01112',
  '01182',
  '02202',
  '03102',
  '04112',
  '05102',
  '06102',
  '07102',
  '08102',
  '09102',
  '10112',
  '11202',
  '12102',
  '13102',
  '15102',
  '15202',
];

function npi(rng: Rng): string {
  return `1${rng.digits(9)}`;
}

const MBI_LETTERS = 'ACDEFGHJKMNPQRTUVWXY';
const MBI_ALNUM = `${MBI_LETTERS}0123456789`;

function ch(rng: Rng, chars: string): string {
  return chars.charAt(rng.int(0, chars.length - 1));
}

function mbiFor(rng: Rng): string {
  // MBI layout C A AN N A AN N A A N N (letters exclude S, L, O, I, B, Z). BB2's synthetic
  // beneficiaries carry an S in position 2, which real MBIs never use.
  const L = MBI_LETTERS;
  const A = MBI_ALNUM;
  const D = '0123456789';
  return `${rng.int(1, 9)}S${ch(rng, A)}${ch(rng, D)}${ch(rng, L)}${ch(rng, A)}${ch(rng, D)}${ch(rng, L)}${ch(rng, L)}${ch(rng, D)}${ch(rng, D)}`;
}

function orgName(rng: Rng, kind: readonly string[]): string {
  return `${rng.pick(ORG_NAME_PARTS.first)} ${rng.pick(kind)}`;
}

function organization(
  rng: Rng,
  stateSsa: string,
  ccnRange: readonly [number, number],
  kind: readonly string[],
): Organization {
  return {
    ccn: `${stateSsa}${String(rng.int(ccnRange[0], ccnRange[1])).padStart(4, '0')}`,
    npi: npi(rng),
    name: orgName(rng, kind),
  };
}

function practitioner(rng: Rng): Practitioner {
  const male = rng.chance(0.55);
  const first = rng.pick(male ? FIRST_NAMES_M : FIRST_NAMES_F).toUpperCase();
  const last = rng.pick(LAST_NAMES).toUpperCase();
  const specialty = rng.pick(SPECIALTIES);
  const suffix =
    specialty.taxonomy[0].startsWith('207') || specialty.taxonomy[0].startsWith('208')
      ? 'MD'
      : rng.pick(['NP', 'DO', 'PA']);
  return { npi: npi(rng), name: `DR. ${first} ${last} ${suffix}`, specialty };
}

/**
 * `enrolledBefore2017`: the beneficiary has claims from before 2020 (legacy data), so their
 * entitlement must predate those claims.
 */
export function makePerson(
  seed: number,
  index: number,
  patientId: string,
  enrolledBefore2017 = false,
): Person {
  const rng = new Rng(seed, 'person', index);
  const gender = rng.chance(0.55) ? 'female' : 'male';
  const given = rng.pick(gender === 'female' ? FIRST_NAMES_F : FIRST_NAMES_M);
  const middle = String.fromCharCode(65 + rng.int(0, 25));
  const family = rng.pick(LAST_NAMES);
  const disabled = rng.chance(0.12);
  // Everyone is entitled at least 4 years before the anchor, so no claim in the ~3-year window
  // predates the Part A/B coverage period.
  const minAge = enrolledBefore2017 ? 76 : 69;
  const age = disabled ? rng.int(28, 64) : Math.min(104, minAge + Math.floor(Math.abs(rng.normal()) * 10));
  const birthDay = dayFromYmd(2026 - age, rng.int(1, 12), rng.int(1, 28));
  const [statePostal, stateSsa, zipPrefix] = rng.pick(STATES);
  const entitlementDay = disabled
    ? dayFromYmd(2026 - rng.int(enrolledBefore2017 ? 11 : 4, Math.max(11, age - 21)), rng.int(1, 12), 1)
    : dayFromYmd(2026 - age + 65, rng.int(1, 12), 1);
  const mbi = mbiFor(rng);
  const historicMbi = rng.chance(0.15) ? mbiFor(rng) : undefined;
  const dualRoll = rng.next();
  const dual: readonly [string, string | undefined] =
    dualRoll < 0.72
      ? ['NA', 'Non-Medicaid']
      : dualRoll < 0.84
        ? [
            '02',
            'Qualified Medicare Beneficiary (QMB) and full Medicaid coverage, including prescription drugs',
          ]
        : dualRoll < 0.9
          ? [
              '08',
              'Other dual eligibles (not QMB, SLMB, QWDI, or QI) with full Medicaid coverage, including prescription drugs',
            ]
          : dualRoll < 0.96
            ? [
                '**',
                "Enrolled in Medicare A and/or B, but no Part D enrollment data for the beneficiary. (This status was indicated as 'XX' for 2006-2009)",
              ]
            : ['AA', undefined];
  const partDContract = rng.pick(PART_D_CONTRACTS);
  const personRng = new Rng(seed, 'providers', index);
  const practitioners = Array.from({ length: personRng.int(3, 6) }, () => practitioner(personRng));
  return {
    index,
    patientId,
    given,
    middle,
    family,
    gender,
    birthDay,
    deceasedDay: rng.chance(0.02) ? dayFromYmd(2026, 1, 1) - rng.int(30, 900) : undefined,
    statePostal,
    stateSsa,
    zip5: `${zipPrefix}${rng.digits(3)}`,
    mbi,
    mbiStartDay: historicMbi
      ? dayFromYmd(rng.int(2019, 2024), rng.int(1, 12), 1)
      : Math.max(entitlementDay, dayFromYmd(2020, 1, 1)),
    historicMbi,
    race: rng.weighted([
      [['1', 'White'], 70],
      [['2', 'Black'], 12],
      [['5', 'Hispanic'], 8],
      [['4', 'Asian'], 4],
      [['6', 'North American Native'], 1],
      [['3', 'Other'], 3],
      [['0', 'Unknown'], 2],
    ] as const),
    disabled,
    esrd: rng.chance(0.01),
    dual,
    lowIncomeSubsidy: dual[0] === '02' || dual[0] === '08' || rng.chance(0.05),
    partATerminated: rng.chance(0.03),
    medicareAdvantage: rng.chance(0.2) ? rng.pick(MA_CONTRACTS) : undefined,
    partDContract,
    partDPlan: String(rng.int(1, 24)).padStart(3, '0'),
    entitlementDay,
    practitioners,
    group: organization(personRng, stateSsa, [1, 9999], ORG_NAME_PARTS.group),
    hospital: organization(personRng, stateSsa, [1, 879], ORG_NAME_PARTS.hospital),
    snf: organization(personRng, stateSsa, [5000, 6499], ORG_NAME_PARTS.snf),
    hha: organization(personRng, stateSsa, [7000, 8499], ORG_NAME_PARTS.hha),
    hospice: organization(personRng, stateSsa, [1500, 1799], ORG_NAME_PARTS.hospice),
    pharmacy: { ccn: '', npi: npi(personRng), name: orgName(personRng, ORG_NAME_PARTS.pharmacy) },
    dmeSupplier: practitioner(personRng),
    carrierNumber: personRng.pick(MAC_NUMBERS),
    fiNumber: personRng.pick(MAC_NUMBERS),
    partAFiNumber: personRng.pick(MAC_NUMBERS),
  };
}

// ---------------------------------------------------------------------------------------------
// Patient

const MONTHS = ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'] as const;

function dualExtensions(p: Person): Obj[] {
  return MONTHS.map((m) => extCoding(`dual_${m}`, p.dual[0], p.dual[1]));
}

export function buildPatient(p: Person, lastUpdated: string, referenceYear: number): FhirResource {
  const sex = p.gender === 'female' ? '248152002' : '248153007';
  const identifier: Obj[] = [
    {
      type: sharedCodeable(`${THO}v2-0203`, 'MB', 'Member Number'),
      system: `${VAR}bene_id`,
      value: p.patientId,
    },
    {
      type: mbiType('current'),
      system: MBI,
      value: p.mbi,
      period: { start: ymd(p.mbiStartDay) },
    },
  ];
  if (p.historicMbi !== undefined) {
    identifier.push({ type: mbiType('historic'), system: MBI, value: p.historicMbi });
  }
  const patient: FhirResource = {
    resourceType: 'Patient',
    id: p.patientId,
    meta: meta(lastUpdated, PROFILE.patient),
    extension: [
      { url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex', valueCode: sex },
      extCoding('race', p.race[0], p.race[1]),
      shared('us-core-race|UNK', () => ({
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
        extension: [
          { url: 'ombCategory', valueCoding: coding(`${THO}v3-NullFlavor`, 'UNK', 'Unknown') },
          { url: 'text', valueString: 'Unknown' },
        ],
      })),
      extDate('rfrnc_yr', String(referenceYear)),
      ...dualExtensions(p),
    ],
    identifier,
    name: [{ use: 'usual', family: p.family, given: [p.given, p.middle] }],
    gender: p.gender,
    birthDate: ymd(p.birthDay),
  };
  if (p.deceasedDay !== undefined) patient['deceasedDateTime'] = ymd(p.deceasedDay);
  patient['address'] = [{ state: p.stateSsa, postalCode: p.zip5 }];
  return patient;
}

const MBI_TYPE = new Memo<Obj>();
function mbiType(currency: 'current' | 'historic'): Obj {
  return MBI_TYPE.get(currency, '', '', () => ({
    coding: [
      {
        extension: [
          {
            url: CS_IDENTIFIER_CURRENCY,
            valueCoding: coding(
              CS_IDENTIFIER_CURRENCY,
              currency,
              currency === 'current' ? 'Current' : 'Historic',
            ),
          },
        ],
        system: `${THO}v2-0203`,
        code: 'MC',
        display: "Patient's Medicare number",
      },
    ],
  }));
}

// ---------------------------------------------------------------------------------------------
// Coverage

export type Part = 'a' | 'b' | 'c' | 'd';
export const PARTS: readonly Part[] = ['a', 'b', 'c', 'd'];

export function coverageId(part: Part, patientId: string): string {
  return `part-${part}-${patientId}`;
}

function msCd(p: Person): Obj {
  if (p.esrd) {
    return extCoding('ms_cd', p.disabled ? '21' : '11', p.disabled ? 'Disabled with ESRD' : 'Aged with ESRD');
  }
  return p.disabled
    ? extCoding('ms_cd', '20', 'Disabled without ESRD')
    : extCoding('ms_cd', '10', 'Aged without end-stage renal disease (ESRD)');
}

function buyins(p: Person): Obj[] {
  const [code, display] =
    p.dual[0] === 'NA' ? ['3', 'Part A and Part B'] : ['C', 'Part A and Part B state buy-in'];
  return MONTHS.map((m) => extCoding(`buyin${m}`, code, display));
}

export function buildCoverage(
  p: Person,
  part: Part,
  lastUpdated: string,
  referenceYear: number,
): FhirResource {
  const rfrnc = extDate('rfrnc_yr', String(referenceYear));
  const duals = dualExtensions(p);
  let extension: Obj[];
  let status = 'active';
  let period: Obj | undefined;
  const entitlement = ymd(p.entitlementDay);
  switch (part) {
    case 'a': {
      const reason = p.disabled
        ? (['1', 'Disability insurance benefits (DIB)'] as const)
        : (['0', 'Old age and survivor’s insurance (OASI)'] as const);
      extension = [
        msCd(p),
        extCoding('orec', reason[0], reason[1]),
        extCoding('crec', reason[0], reason[1]),
        p.esrd
          ? extCoding('esrd_ind', 'Y', 'the beneficiary has ESRD')
          : extCoding('esrd_ind', '0', 'the beneficiary does not have ESRD'),
        p.partATerminated
          ? extCoding('a_trm_cd', '9', 'Other Termination')
          : extCoding('a_trm_cd', '0', 'Not Terminated'),
        rfrnc,
        ...duals,
        ...buyins(p),
      ];
      if (p.partATerminated) status = 'cancelled';
      period = p.partATerminated
        ? { start: entitlement, end: ymd(p.entitlementDay + 400) }
        : { start: entitlement };
      break;
    }
    case 'b':
      extension = [msCd(p), extCoding('b_trm_cd', '0', 'Not Terminated'), rfrnc, ...duals, ...buyins(p)];
      period = { start: entitlement };
      break;
    case 'c': {
      const ma = p.medicareAdvantage;
      extension = [
        ...MONTHS.map((m) => extCoding(`ptc_cntrct_id_${m}`, ma ?? '0')),
        ...MONTHS.map((m) => extCoding(`ptc_pbp_id_${m}`, ma ? '001' : '000')),
        ...MONTHS.map((m) => extCoding(`ptc_plan_type_cd_${m}`, ma ? '01' : '00')),
        ...MONTHS.map((m) =>
          ma
            ? extCoding(`hmo_ind_${m}`, 'C', 'Lock-in GHO to process all provider claims')
            : extCoding(`hmo_ind_${m}`, '0', 'Not a member of an HMO'),
        ),
        rfrnc,
        ...duals,
      ];
      break;
    }
    case 'd': {
      const cstshr = p.lowIncomeSubsidy
        ? ([
            '01',
            'Beneficiary enrolled in Parts A and/or B, and Part D; deemed eligible for LIS with 100% premium subsidy and no copayment',
          ] as const)
        : ([
            '09',
            'Beneficiary enrolled in Parts A and/or B, and Part D; no premium or cost sharing subsidy',
          ] as const);
      extension = [
        msCd(p),
        ...MONTHS.map((m) => extCoding(`ptdcntrct${m}`, p.partDContract)),
        ...MONTHS.map((m, i) => ({
          url: `${VAR}ptdcntrct${m}/${referenceYear}-${i + 1}`,
          valueCoding: { system: `${VAR}ptdcntrct${m}`, code: p.partDContract },
        })),
        ...MONTHS.map((m) => extCoding(`ptdpbpid${m}`, p.partDPlan)),
        ...MONTHS.map((m) => extCoding(`sgmtid${m}`, '000')),
        ...MONTHS.map((m) => extCoding(`cstshr${m}`, cstshr[0], cstshr[1])),
        ...MONTHS.map((m) =>
          extCoding(`rdsind${m}`, 'N', 'No employer subsidization for the retired beneficiary'),
        ),
        rfrnc,
        ...duals,
      ];
      period =
        p.index % 3 === 0 ? undefined : { start: ymd(Math.max(p.entitlementDay, dayFromYmd(2006, 1, 1))) };
      break;
    }
  }
  const coverage: FhirResource = {
    resourceType: 'Coverage',
    id: coverageId(part, p.patientId),
    meta: meta(lastUpdated, PROFILE.coverage),
    extension,
    status,
    type: sharedCodeable(`${THO}v3-ActCode`, 'SUBSIDIZ'),
    subscriberId: p.mbi,
    beneficiary: { reference: `Patient/${p.patientId}` },
    relationship: sharedCodeable(`${THO}subscriber-relationship`, 'self', 'Self'),
  };
  if (period) coverage['period'] = period;
  coverage['payor'] = shared('payor', () => [
    { identifier: { value: 'Centers for Medicare and Medicaid Services' } },
  ]);
  coverage['class'] = COVERAGE_CLASS.get(part, '', '', () => [
    { type: codeableClass('group', 'Group'), value: 'Medicare' },
    { type: codeableClass('plan', 'Plan'), value: `Part ${part.toUpperCase()}` },
  ]);
  return coverage;
}

const COVERAGE_CLASS = new Memo<Obj[]>();

function codeableClass(code: string, display: string): Obj {
  return { coding: [coding(`${THO}coverage-class`, code, display)] };
}
