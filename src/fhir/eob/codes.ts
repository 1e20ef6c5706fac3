/** Clinical codes: diagnoses, procedures, the DRG, and which of several codings to keep. */
import type { MapContext } from '../map-context.ts';
import {
  arr,
  CMS_CODESYSTEM,
  CMS_VARIABLES,
  codingBySystem,
  codings,
  extensionCode,
  str,
  type Coding,
  type JsonObject,
} from '../read.ts';
import type { ClaimDiagnosisRow, ClaimProcedureRow } from '../../model/analytics-rows.ts';
import { dateOnly } from '../values.ts';
import type { Lineage } from './money.ts';

const DATA_ABSENT = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';

/** Product codings in order of preference: NDC for drugs, then BB2's HCPCS code system. */
export const PRODUCT_SYSTEM_PREFERENCE = [
  'http://hl7.org/fhir/sid/ndc',
  `${CMS_CODESYSTEM}hcpcs`,
  `${CMS_VARIABLES}hcpcs_cd`,
];
/** Diagnoses come coded twice (icd-10-cm and icd-10, same code): keep the most specific system. */
const DIAGNOSIS_SYSTEM_PREFERENCE = [
  'http://hl7.org/fhir/sid/icd-10-cm',
  'http://hl7.org/fhir/sid/icd-10',
  'http://hl7.org/fhir/sid/icd-9-cm',
];
const PROCEDURE_SYSTEM_PREFERENCE = [
  'http://www.cms.gov/Medicare/Coding/ICD10',
  'http://hl7.org/fhir/sid/icd-10',
  'http://hl7.org/fhir/sid/icd-9-cm',
];

/** The first real coding (no data-absent placeholder) of the most preferred system. */
export function preferredCoding(concept: unknown, preference: readonly string[]): Coding | undefined {
  const all = codings(concept).filter((c) => c.code && c.system !== DATA_ABSENT && c.code !== 'NULL');
  for (const system of preference) {
    const hit = all.find((c) => c.system === system);
    if (hit) return hit;
  }
  return all[0];
}

export function drgFromDiagnosis(resource: JsonObject): string | null {
  for (const dx of arr(resource.diagnosis)) {
    const drg = codingBySystem(dx.packageCode, `${CMS_VARIABLES}clm_drg_cd`);
    if (drg?.code) return drg.code;
  }
  return null;
}

export function mapDiagnoses(resource: JsonObject, lineage: Lineage, ctx: MapContext): ClaimDiagnosisRow[] {
  const rows: ClaimDiagnosisRow[] = [];
  const seen = new Set<number>();
  arr(resource.diagnosis).forEach((dx, i) => {
    const path = `diagnosis[${i}]`;
    // 2020-era data carries the DRG as a "diagnosis" holding only a packageCode: it is read as
    // the claim's DRG (drgFromDiagnosis) and is not a diagnosis.
    if (dx.diagnosisCodeableConcept === undefined && dx.packageCode !== undefined) return;
    const sequence = ctx.int(dx.sequence, `${path}.sequence`);
    if (sequence === null) ctx.fail('a diagnosis has no usable sequence number', `${path}.sequence`);
    if (seen.has(sequence)) ctx.fail(`diagnosis sequence ${sequence} appears twice`, `${path}.sequence`);
    seen.add(sequence);
    const coding =
      preferredCoding(dx.diagnosisCodeableConcept, DIAGNOSIS_SYSTEM_PREFERENCE) ??
      // BB2's odd "unknown-icd-version/ " coding (with a trailing space) has no code: keep its system.
      codings(dx.diagnosisCodeableConcept)[0];
    const poa = arr(dx.extension).find((e) => /\/clm_e?_?poa_ind_sw\d+$/.test(str(e.url) ?? ''));
    rows.push({
      ...lineage,
      sequence,
      code: coding?.code ?? null,
      system: coding?.system?.trim() ?? null,
      display: coding?.display ?? null,
      diagnosis_type: arr(dx.type).flatMap((t) => codings(t))[0]?.code ?? null,
      present_on_admission: extensionCode(poa) ?? null,
    });
  });
  return rows;
}

export function mapProcedures(resource: JsonObject, lineage: Lineage, ctx: MapContext): ClaimProcedureRow[] {
  const rows: ClaimProcedureRow[] = [];
  const seen = new Set<number>();
  arr(resource.procedure).forEach((px, i) => {
    const path = `procedure[${i}]`;
    const sequence = ctx.int(px.sequence, `${path}.sequence`) ?? i + 1;
    if (seen.has(sequence)) ctx.fail(`procedure sequence ${sequence} appears twice`, `${path}.sequence`);
    seen.add(sequence);
    const coding = preferredCoding(px.procedureCodeableConcept, PROCEDURE_SYSTEM_PREFERENCE);
    rows.push({
      ...lineage,
      sequence,
      code: coding?.code ?? null,
      system: coding?.system ?? null,
      display: coding?.display ?? null,
      performed_on: px.date === undefined ? null : (dateOnly(px.date) ?? ctx.date(px.date, `${path}.date`)),
    });
  });
  return rows;
}
