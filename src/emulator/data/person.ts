/**
 * A synthetic beneficiary's demographics and provider pool. The Patient and Coverage resources
 * built from them are in patient.ts and coverage.ts.
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
import { extCoding, type Obj } from './fhir-builders.ts';
import { Rng } from './prng.ts';
import { dayFromYmd } from './time.ts';

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
  const dual = dualStatus(rng.next());
  const partDContract = rng.pick(PART_D_CONTRACTS);
  // The provider pool draws from its own stream: the person's draws below stay where they were.
  const providers = providerPool(new Rng(seed, 'providers', index), stateSsa);
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
    ...providers,
  };
}

type ProviderPool = Pick<
  Person,
  | 'practitioners'
  | 'group'
  | 'hospital'
  | 'snf'
  | 'hha'
  | 'hospice'
  | 'pharmacy'
  | 'dmeSupplier'
  | 'carrierNumber'
  | 'fiNumber'
  | 'partAFiNumber'
>;

/** The same doctors, facilities and contractors recur across a beneficiary's claims. */
function providerPool(rng: Rng, stateSsa: string): ProviderPool {
  const practitioners = Array.from({ length: rng.int(3, 6) }, () => practitioner(rng));
  return {
    practitioners,
    group: organization(rng, stateSsa, [1, 9999], ORG_NAME_PARTS.group),
    hospital: organization(rng, stateSsa, [1, 879], ORG_NAME_PARTS.hospital),
    snf: organization(rng, stateSsa, [5000, 6499], ORG_NAME_PARTS.snf),
    hha: organization(rng, stateSsa, [7000, 8499], ORG_NAME_PARTS.hha),
    hospice: organization(rng, stateSsa, [1500, 1799], ORG_NAME_PARTS.hospice),
    pharmacy: { ccn: '', npi: npi(rng), name: orgName(rng, ORG_NAME_PARTS.pharmacy) },
    dmeSupplier: practitioner(rng),
    carrierNumber: rng.pick(MAC_NUMBERS),
    fiNumber: rng.pick(MAC_NUMBERS),
    partAFiNumber: rng.pick(MAC_NUMBERS),
  };
}

/** Medicare-Medicaid dual status (dual_01..12) from one uniform draw, in BFD's shares. */
function dualStatus(roll: number): readonly [string, string | undefined] {
  if (roll < 0.72) return ['NA', 'Non-Medicaid'];
  if (roll < 0.84) {
    return [
      '02',
      'Qualified Medicare Beneficiary (QMB) and full Medicaid coverage, including prescription drugs',
    ];
  }
  if (roll < 0.9) {
    return [
      '08',
      'Other dual eligibles (not QMB, SLMB, QWDI, or QI) with full Medicaid coverage, including prescription drugs',
    ];
  }
  if (roll < 0.96) {
    return [
      '**',
      "Enrolled in Medicare A and/or B, but no Part D enrollment data for the beneficiary. (This status was indicated as 'XX' for 2006-2009)",
    ];
  }
  return ['AA', undefined];
}

export const MONTHS = ['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'] as const;

/** dual_01..dual_12, on Patient and on every Coverage. */
export function dualExtensions(p: Person): Obj[] {
  return MONTHS.map((m) => extCoding(`dual_${m}`, p.dual[0], p.dual[1]));
}
