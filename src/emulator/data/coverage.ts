/** The Part A, B, C and D Coverage resources of a synthetic beneficiary (modelled on bfd/coverage-bundle.json). */
import * as fb from './fhir-builders.ts';
import { MONTHS, dualExtensions, type Person } from './person.ts';
import { dayFromYmd, ymd } from './time.ts';
import type { FhirResource } from './types.ts';

export type Part = 'a' | 'b' | 'c' | 'd';
export const PARTS: readonly Part[] = ['a', 'b', 'c', 'd'];

export function coverageId(part: Part, patientId: string): string {
  return `part-${part}-${patientId}`;
}

function msCd(p: Person): fb.Obj {
  if (p.esrd) {
    return fb.extCoding(
      'ms_cd',
      p.disabled ? '21' : '11',
      p.disabled ? 'Disabled with ESRD' : 'Aged with ESRD',
    );
  }
  return p.disabled
    ? fb.extCoding('ms_cd', '20', 'Disabled without ESRD')
    : fb.extCoding('ms_cd', '10', 'Aged without end-stage renal disease (ESRD)');
}

function buyins(p: Person): fb.Obj[] {
  const [code, display] =
    p.dual[0] === 'NA' ? ['3', 'Part A and Part B'] : ['C', 'Part A and Part B state buy-in'];
  return MONTHS.map((m) => fb.extCoding(`buyin${m}`, code, display));
}

export function buildCoverage(
  p: Person,
  part: Part,
  lastUpdated: string,
  referenceYear: number,
): FhirResource {
  const {
    extension,
    status = 'active',
    period,
  } = PART_SHAPES[part](p, fb.extDate('rfrnc_yr', String(referenceYear)), referenceYear);
  const coverage: FhirResource = {
    resourceType: 'Coverage',
    id: coverageId(part, p.patientId),
    meta: fb.meta(lastUpdated, fb.PROFILE.coverage),
    extension,
    status,
    type: fb.sharedCodeable(`${fb.THO}v3-ActCode`, 'SUBSIDIZ'),
    subscriberId: p.mbi,
    beneficiary: { reference: `Patient/${p.patientId}` },
    relationship: fb.sharedCodeable(`${fb.THO}subscriber-relationship`, 'self', 'Self'),
  };
  if (period) coverage['period'] = period;
  coverage['payor'] = fb.shared('payor', () => [
    { identifier: { value: 'Centers for Medicare and Medicaid Services' } },
  ]);
  coverage['class'] = COVERAGE_CLASS.get(part, '', '', () => [
    { type: codeableClass('group', 'Group'), value: 'Medicare' },
    { type: codeableClass('plan', 'Plan'), value: `Part ${part.toUpperCase()}` },
  ]);
  return coverage;
}

/** What differs between the four parts' Coverage resources. */
interface PartShape {
  extension: fb.Obj[];
  status?: string;
  period?: fb.Obj | undefined;
}

const PART_SHAPES: Record<Part, (p: Person, rfrnc: fb.Obj, referenceYear: number) => PartShape> = {
  a: partA,
  b: (p, rfrnc) => ({
    extension: [
      msCd(p),
      fb.extCoding('b_trm_cd', '0', 'Not Terminated'),
      rfrnc,
      ...dualExtensions(p),
      ...buyins(p),
    ],
    period: { start: ymd(p.entitlementDay) },
  }),
  c: partC,
  d: partD,
};

function partA(p: Person, rfrnc: fb.Obj): PartShape {
  const reason = p.disabled
    ? (['1', 'Disability insurance benefits (DIB)'] as const)
    : (['0', 'Old age and survivor’s insurance (OASI)'] as const);
  const entitlement = ymd(p.entitlementDay);
  return {
    extension: [
      msCd(p),
      fb.extCoding('orec', reason[0], reason[1]),
      fb.extCoding('crec', reason[0], reason[1]),
      p.esrd
        ? fb.extCoding('esrd_ind', 'Y', 'the beneficiary has ESRD')
        : fb.extCoding('esrd_ind', '0', 'the beneficiary does not have ESRD'),
      p.partATerminated
        ? fb.extCoding('a_trm_cd', '9', 'Other Termination')
        : fb.extCoding('a_trm_cd', '0', 'Not Terminated'),
      rfrnc,
      ...dualExtensions(p),
      ...buyins(p),
    ],
    status: p.partATerminated ? 'cancelled' : 'active',
    period: p.partATerminated
      ? { start: entitlement, end: ymd(p.entitlementDay + 400) }
      : { start: entitlement },
  };
}

function partC(p: Person, rfrnc: fb.Obj): PartShape {
  const ma = p.medicareAdvantage;
  return {
    extension: [
      ...MONTHS.map((m) => fb.extCoding(`ptc_cntrct_id_${m}`, ma ?? '0')),
      ...MONTHS.map((m) => fb.extCoding(`ptc_pbp_id_${m}`, ma ? '001' : '000')),
      ...MONTHS.map((m) => fb.extCoding(`ptc_plan_type_cd_${m}`, ma ? '01' : '00')),
      ...MONTHS.map((m) =>
        ma
          ? fb.extCoding(`hmo_ind_${m}`, 'C', 'Lock-in GHO to process all provider claims')
          : fb.extCoding(`hmo_ind_${m}`, '0', 'Not a member of an HMO'),
      ),
      rfrnc,
      ...dualExtensions(p),
    ],
  };
}

function partD(p: Person, rfrnc: fb.Obj, referenceYear: number): PartShape {
  const cstshr = p.lowIncomeSubsidy
    ? ([
        '01',
        'Beneficiary enrolled in Parts A and/or B, and Part D; deemed eligible for LIS with 100% premium subsidy and no copayment',
      ] as const)
    : ([
        '09',
        'Beneficiary enrolled in Parts A and/or B, and Part D; no premium or cost sharing subsidy',
      ] as const);
  return {
    extension: [
      msCd(p),
      ...MONTHS.map((m) => fb.extCoding(`ptdcntrct${m}`, p.partDContract)),
      ...MONTHS.map((m, i) => ({
        url: `${fb.VAR}ptdcntrct${m}/${referenceYear}-${i + 1}`,
        valueCoding: { system: `${fb.VAR}ptdcntrct${m}`, code: p.partDContract },
      })),
      ...MONTHS.map((m) => fb.extCoding(`ptdpbpid${m}`, p.partDPlan)),
      ...MONTHS.map((m) => fb.extCoding(`sgmtid${m}`, '000')),
      ...MONTHS.map((m) => fb.extCoding(`cstshr${m}`, cstshr[0], cstshr[1])),
      ...MONTHS.map((m) =>
        fb.extCoding(`rdsind${m}`, 'N', 'No employer subsidization for the retired beneficiary'),
      ),
      rfrnc,
      ...dualExtensions(p),
    ],
    period:
      p.index % 3 === 0 ? undefined : { start: ymd(Math.max(p.entitlementDay, dayFromYmd(2006, 1, 1))) },
  };
}

const COVERAGE_CLASS = new fb.Memo<fb.Obj[]>();

function codeableClass(code: string, display: string): fb.Obj {
  return { coding: [fb.coding(`${fb.THO}coverage-class`, code, display)] };
}
