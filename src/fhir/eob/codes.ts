/** Clinical codes: diagnoses, procedures, the DRG, and which of several codings to keep. */
import type { MapContext } from '../map-context.ts';
import {
  arr,
  CMS_CODESYSTEM,
  CMS_VARIABLES,
  codingBySystem,
  extensionCode,
  firstCoding,
  obj,
  str,
  toCoding,
  type Coding,
  type JsonObject,
} from '../read.ts';
import type { ClaimDiagnosisRow, ClaimProcedureRow } from '../../model/analytics-rows.ts';
import { dateOnly } from '../values.ts';
import type { Lineage } from './money.ts';
import { SequenceReader } from './sequence.ts';

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
  const list = arr(obj(concept)?.coding);
  for (const system of preference) {
    for (const c of list) if (isReal(c) && str(c.system) === system) return toCoding(c);
  }
  for (const c of list) if (isReal(c)) return toCoding(c);
  return undefined;
}

/** A coding with a code, neither a data-absent placeholder nor the literal code `NULL`. */
function isReal(c: JsonObject): boolean {
  const code = str(c.code);
  return Boolean(code) && str(c.system) !== DATA_ABSENT && code !== 'NULL';
}

export function drgFromDiagnosis(resource: JsonObject): string | null {
  for (const dx of arr(resource.diagnosis)) {
    const drg = codingBySystem(dx.packageCode, `${CMS_VARIABLES}clm_drg_cd`);
    if (drg?.code) return drg.code;
  }
  return null;
}

/** A coded row's code, system and display, from the coding kept (NULLs when there is none). */
export function codeColumns(
  coding: Coding | undefined,
): Pick<ClaimProcedureRow, 'code' | 'system' | 'display'> {
  return { code: coding?.code ?? null, system: coding?.system ?? null, display: coding?.display ?? null };
}

/** A diagnosis's present-on-admission indicator extension (its URL ends with the CCW variable). */
const POA_URL = /\/clm_e?_?poa_ind_sw\d+$/;

export function mapDiagnoses(resource: JsonObject, lineage: Lineage, ctx: MapContext): ClaimDiagnosisRow[] {
  const rows: ClaimDiagnosisRow[] = [];
  const sequences = new SequenceReader(ctx, { list: 'diagnosis', noun: 'diagnosis' });
  const list = arr(resource.diagnosis);
  for (let i = 0; i < list.length; i++) {
    const dx = list[i]!;
    // 2020-era data carries the DRG as a "diagnosis" holding only a packageCode: it is read as
    // the claim's DRG (drgFromDiagnosis) and is not a diagnosis.
    if (dx.diagnosisCodeableConcept === undefined && dx.packageCode !== undefined) continue;
    const sequence = sequences.read(dx, i);
    const coding =
      preferredCoding(dx.diagnosisCodeableConcept, DIAGNOSIS_SYSTEM_PREFERENCE) ??
      // BB2's odd "unknown-icd-version/ " coding (with a trailing space) has no code: keep its system.
      firstCoding(dx.diagnosisCodeableConcept);
    const poa = presentOnAdmission(dx);
    rows.push({
      claim_id: lineage.claim_id,
      last_updated: lineage.last_updated,
      sequence,
      code: coding?.code ?? null,
      system: coding?.system?.trim() ?? null,
      display: coding?.display ?? null,
      diagnosis_type: firstTypeCode(dx.type),
      present_on_admission: extensionCode(poa) ?? null,
    });
  }
  return rows;
}

/** A diagnosis's present-on-admission extension, if it has one. */
function presentOnAdmission(dx: JsonObject): JsonObject | undefined {
  for (const e of arr(dx.extension)) if (POA_URL.test(str(e.url) ?? '')) return e;
  return undefined;
}

/** The code of the first coding of the first of `types` (CodeableConcepts) that has one. */
function firstTypeCode(types: unknown): string | null {
  for (const t of arr(types)) {
    const first = arr(t.coding)[0];
    if (first) return str(first.code) ?? null;
  }
  return null;
}

const v2ProcedureCoding = (concept: unknown) => preferredCoding(concept, PROCEDURE_SYSTEM_PREFERENCE);

/**
 * Procedures; one without a usable sequence number takes its position. `codingOf` picks the
 * coding to keep (v3 prefers other systems: ../v3/eob-parts.ts).
 */
export function mapProcedures(
  resource: JsonObject,
  lineage: Lineage,
  ctx: MapContext,
  codingOf: (concept: unknown) => Coding | undefined = v2ProcedureCoding,
): ClaimProcedureRow[] {
  const sequences = new SequenceReader(ctx, { list: 'procedure', noun: 'procedure', orPosition: true });
  const list = arr(resource.procedure);
  const rows: ClaimProcedureRow[] = [];
  for (let i = 0; i < list.length; i++) {
    const px = list[i]!;
    rows.push({
      ...lineage,
      sequence: sequences.read(px, i),
      ...codeColumns(codingOf(px.procedureCodeableConcept)),
      // A date-time counts by its date; what is no date at all is NULL and a warning.
      performed_on:
        px.date === undefined ? null : (dateOnly(px.date) ?? ctx.date(px.date, `procedure[${i}].date`)),
    });
  }
  return rows;
}
