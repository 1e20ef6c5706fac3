/** Fragments shared by the EOB builders of every claim type. */
import type { ClaimPlan } from './claims.ts';
import type { Code } from './codes.ts';
import {
  C4BB,
  CS_EOB_TYPE,
  CS_HCPCS,
  ICD10,
  ICD10CM,
  ID_CLAIM_GROUP,
  NUCC,
  THO,
  Memo,
  claimIdentifier,
  codeable,
  coding,
  extQuantity,
  meta,
  shared,
  varCoding,
  type Obj,
} from './fhir-builders.ts';
import { carinInfoCategory } from './ccw-categories.ts';
import { coverageId, type Part } from './coverage.ts';
import type { Person, Practitioner } from './person.ts';
import { Rng } from './prng.ts';
import { ymd } from './time.ts';
import type { FhirResource } from './types.ts';

export interface Ctx {
  /** Structure: codes, lines, dates, providers. */
  readonly rng: Rng;
  /** Amounts only, so a revision can redraw money without changing structure. */
  readonly money: Rng;
  /** Revision scale applied to base amounts (1 for the original claim). */
  readonly scale: number;
  readonly plan: ClaimPlan;
  readonly person: Person;
  readonly lastUpdated: string;
  readonly year: number;
  /** The claim-group identifier, shared by every version of one claim. */
  readonly claimGroup: string;
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

export const INSURER = shared('insurer', () => ({ identifier: { value: 'CMS' } }));

const EOB_TYPE = new Memo<Obj>();
export function eobTypeCodeable(
  nch: Code | undefined,
  eobType: string,
  claimType: 'professional' | 'institutional' | 'pharmacy',
): Obj {
  const claimTypeDisplay = claimType.charAt(0).toUpperCase() + claimType.slice(1);
  return EOB_TYPE.get(eobType, nch?.[0] ?? '', claimType, () => ({
    coding: [
      ...(nch ? [varCoding('nch_clm_type_cd', nch[0], nch[1])] : []),
      coding(CS_EOB_TYPE, eobType),
      coding(`${THO}claim-type`, claimType, claimTypeDisplay),
    ],
  }));
}

const SUB_TYPE = new Memo<Obj>();
export function subType(code: 'inpatient' | 'outpatient'): Obj {
  return SUB_TYPE.get(code, '', '', () => ({
    coding: [coding(`${C4BB}C4BBInstitutionalClaimSubType`, code)],
    text: code === 'inpatient' ? 'Inpatient' : 'Outpatient',
  }));
}

export function insurance(part: Part, patientId: string, coverageExtension?: readonly Obj[]): Obj[] {
  const reference = coverageId(part, patientId);
  const coverage = coverageExtension
    ? { extension: coverageExtension, reference: `Coverage/${reference}` }
    : { reference: `Coverage/${reference}` };
  return [{ focal: true, coverage }];
}

export function claimIdentifiers(c: Ctx, system: string): Obj[] {
  return [claimIdentifier(system, c.plan.claimId), claimIdentifier(ID_CLAIM_GROUP, c.claimGroup)];
}

/**
 * A new EOB with its first keys. Builders then add the remaining keys in BFD's order; an object
 * literal (not a spread) keeps V8's in-object property slack, which makes those adds cheap.
 */
export function newEob(c: Ctx, profile: string): FhirResource {
  return { resourceType: 'ExplanationOfBenefit', id: c.plan.id, meta: meta(c.lastUpdated, profile) };
}

export function patientRef(c: Ctx): Obj {
  return { reference: `Patient/${c.person.patientId}` };
}

/** nch_wkly_proc_dt: a few days after the service, never after the claim was first loaded. */
export function weeklyProcessingDay(c: Ctx): number {
  return Math.min(c.plan.thru + c.rng.int(3, 20), c.plan.firstLoadDay - 1);
}

export function recvdDateInfo(sequence: number, day: number): Obj {
  return {
    sequence,
    category: carinInfoCategory('clmrecvddate', 'Claim Received Date', 'nch_wkly_proc_dt'),
    timingDate: ymd(day),
  };
}

export type DxType =
  | 'principal'
  | 'principalFull'
  | 'admitting'
  | 'secondary'
  | 'other'
  | 'externalcauseofinjury'
  | 'patientreasonforvisit';

const DX_TYPE = new Memo<Obj[]>();
export function dxType(t: DxType): Obj[] {
  return DX_TYPE.get(t, '', '', () => {
    switch (t) {
      case 'principal':
        return [codeable(`${THO}ex-diagnosistype`, 'principal', 'principal')];
      case 'principalFull':
        return [codeable(`${THO}ex-diagnosistype`, 'principal', 'Principal Diagnosis')];
      case 'admitting':
        return [codeable(`${THO}ex-diagnosistype`, 'admitting', 'Admitting Diagnosis')];
      case 'secondary':
        return [codeable(`${C4BB}C4BBClaimDiagnosisType`, 'secondary', 'Secondary')];
      case 'other':
        return [codeable(`${C4BB}C4BBClaimDiagnosisType`, 'other', 'Other')];
      case 'externalcauseofinjury':
        return [
          codeable(`${C4BB}C4BBClaimDiagnosisType`, 'externalcauseofinjury', 'External Cause of Injury'),
        ];
      case 'patientreasonforvisit':
        return [
          codeable(`${C4BB}C4BBClaimDiagnosisType`, 'patientreasonforvisit', 'Patient Reason for Visit'),
        ];
    }
  });
}

/** ICD-10 diagnosis: two codings (icd-10-cm and icd-10) with the same code; a few lack display. */
const DX_CONCEPT = new Memo<Obj>();
export function dxConcept(code: Code, withDisplay: boolean): Obj {
  return DX_CONCEPT.get(code[0], withDisplay ? 'd' : '', '', () => ({
    coding: withDisplay
      ? [coding(ICD10CM, code[0], code[1]), coding(ICD10, code[0], code[1])]
      : [coding(ICD10CM, code[0]), coding(ICD10, code[0])],
  }));
}

export function diagnosis(
  c: Ctx,
  sequence: number,
  code: Code,
  type: DxType,
  extension?: readonly Obj[],
): Obj {
  const concept = dxConcept(code, !c.rng.chance(0.04));
  return extension
    ? { extension, sequence, diagnosisCodeableConcept: concept, type: dxType(type) }
    : { sequence, diagnosisCodeableConcept: concept, type: dxType(type) };
}

/** Distinct codes from a list. */
export function distinct(
  rng: Rng,
  list: readonly Code[],
  n: number,
  exclude: ReadonlySet<string> = new Set(),
): Code[] {
  const out: Code[] = [];
  const seen = new Set(exclude);
  for (let tries = 0; out.length < n && tries < n * 8; tries++) {
    const code = rng.pick(list);
    if (seen.has(code[0])) continue;
    seen.add(code[0]);
    out.push(code);
  }
  return out;
}

const QUALIFICATION = new Memo<Obj>();
export function qualification(specialty: Practitioner['specialty'], withSpecialty: boolean): Obj {
  return QUALIFICATION.get(specialty.taxonomy[0], withSpecialty ? 's' : '', '', () => ({
    coding: withSpecialty
      ? [
          coding(NUCC, specialty.taxonomy[0], specialty.taxonomy[1]),
          varCoding('prvdr_spclty', specialty.specialty[0], specialty.specialty[1]),
        ]
      : [coding(NUCC, specialty.taxonomy[0], specialty.taxonomy[1])],
  }));
}

const SEQUENCE_ARRAYS = new Memo<readonly number[]>();
/** `[n]`, shared (diagnosisSequence and the like). */
export function sequenceArray(n: number): readonly number[] {
  const key = String(n);
  return SEQUENCE_ARRAYS.lookup(key, '', '') ?? SEQUENCE_ARRAYS.store(key, '', '', [n]);
}

const QUANTITIES = new Memo<Obj>();
/** `{value: n}` for small counts, shared. */
export function quantityOf(n: number): Obj {
  if (!Number.isInteger(n) || n > 1000) return { value: n };
  const key = String(n);
  return QUANTITIES.lookup(key, '', '') ?? QUANTITIES.store(key, '', '', { value: n });
}

const QUANTITY_EXTENSIONS = new Memo<Obj>();
export function quantityExt(name: string, n: number): Obj {
  if (!Number.isInteger(n) || n > 1000) return extQuantity(name, n);
  const key = String(n);
  return (
    QUANTITY_EXTENSIONS.lookup(name, key, '') ??
    QUANTITY_EXTENSIONS.store(name, key, '', extQuantity(name, n))
  );
}

export function dayIn(rng: Rng, from: number, thru: number): number {
  return rng.int(from, thru);
}

export function sum(xs: readonly number[]): number {
  let total = 0;
  for (const x of xs) total += x;
  return total;
}

export function hcpcsModifier(code: string, year: number): Obj {
  // BFD puts the HCPCS year code into `version` for professional claims.
  return { coding: [{ system: CS_HCPCS, version: String(year % 10), code }] };
}
