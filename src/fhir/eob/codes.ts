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
import { sequenceReader } from './sequence.ts';

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

/** A coded row's code, system and display, from the coding kept (NULLs when there is none). */
export function codeColumns(
  coding: Coding | undefined,
): Pick<ClaimProcedureRow, 'code' | 'system' | 'display'> {
  return { code: coding?.code ?? null, system: coding?.system ?? null, display: coding?.display ?? null };
}

export function mapDiagnoses(resource: JsonObject, lineage: Lineage, ctx: MapContext): ClaimDiagnosisRow[] {
  const rows: ClaimDiagnosisRow[] = [];
  const sequenceOf = sequenceReader(ctx, { list: 'diagnosis', noun: 'diagnosis' });
  arr(resource.diagnosis).forEach((dx, i) => {
    // 2020-era data carries the DRG as a "diagnosis" holding only a packageCode: it is read as
    // the claim's DRG (drgFromDiagnosis) and is not a diagnosis.
    if (dx.diagnosisCodeableConcept === undefined && dx.packageCode !== undefined) return;
    const sequence = sequenceOf(dx, i);
    const coding =
      preferredCoding(dx.diagnosisCodeableConcept, DIAGNOSIS_SYSTEM_PREFERENCE) ??
      // BB2's odd "unknown-icd-version/ " coding (with a trailing space) has no code: keep its system.
      codings(dx.diagnosisCodeableConcept)[0];
    const poa = arr(dx.extension).find((e) => /\/clm_e?_?poa_ind_sw\d+$/.test(str(e.url) ?? ''));
    rows.push({
      ...lineage,
      sequence,
      ...codeColumns(coding),
      system: coding?.system?.trim() ?? null,
      diagnosis_type: arr(dx.type).flatMap((t) => codings(t))[0]?.code ?? null,
      present_on_admission: extensionCode(poa) ?? null,
    });
  });
  return rows;
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
  const sequenceOf = sequenceReader(ctx, { list: 'procedure', noun: 'procedure', orPosition: true });
  return arr(resource.procedure).map((px, i) => ({
    ...lineage,
    sequence: sequenceOf(px, i),
    ...codeColumns(codingOf(px.procedureCodeableConcept)),
    // A date-time counts by its date; what is no date at all is NULL and a warning.
    performed_on:
      px.date === undefined ? null : (dateOnly(px.date) ?? ctx.date(px.date, `procedure[${i}].date`)),
  }));
}
