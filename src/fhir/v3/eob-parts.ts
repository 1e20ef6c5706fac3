/** v3 EOB parts that are not money: the supportingInfo index, diagnoses, procedures, care team, provider. */
import type { MapContext } from '../map-context.ts';
import { arr, codings, obj, str, type Coding, type JsonObject } from '../read.ts';
import type { ClaimCareTeamRow, ClaimDiagnosisRow, ClaimProcedureRow } from '../../model/analytics-rows.ts';
import { codeColumns, mapProcedures } from '../eob/codes.ts';
import { mapCareTeam } from '../eob/parties.ts';
import { SequenceReader } from '../eob/sequence.ts';
import type { Lineage } from '../eob/money.ts';
import { DIAGNOSIS_SYSTEMS, NPI_SYSTEM, PROCEDURE_SYSTEMS } from './codes.ts';

/**
 * supportingInfo by what it is: the CARIN code (clmrecvddate, admissionperiod, typeofbill, drg,
 * dayssupply, ...) or the IDR name of an `info` entry (CLM_ADJSTMT_TYPE_CD, CLM_LINE_RX_NUM, ...).
 */
export function supportingInfoIndex(resource: JsonObject): Map<string, JsonObject> {
  const index = new Map<string, JsonObject>();
  for (const info of arr(resource.supportingInfo)) {
    for (const c of codings(info.category)) {
      if (c.code && c.code !== 'info' && !index.has(c.code)) index.set(c.code, info);
    }
  }
  return index;
}

function preferred(concept: unknown, systems: readonly string[]): Coding | undefined {
  const all = codings(concept).filter((c) => c.code);
  for (const system of systems) {
    const hit = all.find((c) => c.system === system);
    if (hit) return hit;
  }
  return all[0];
}

export function mapV3Diagnoses(resource: JsonObject, lineage: Lineage, ctx: MapContext): ClaimDiagnosisRow[] {
  const sequences = new SequenceReader(ctx, { list: 'diagnosis', noun: 'diagnosis' });
  return arr(resource.diagnosis).map((dx, i) => ({
    ...lineage,
    sequence: sequences.read(dx, i),
    ...codeColumns(preferred(dx.diagnosisCodeableConcept, DIAGNOSIS_SYSTEMS)),
    diagnosis_type: arr(dx.type).flatMap((t) => codings(t))[0]?.code ?? null,
    // v3 moves present-on-admission from a CCW extension to the standard onAdmission element.
    present_on_admission: codings(dx.onAdmission)[0]?.code ?? null,
  }));
}

export function mapV3Procedures(
  resource: JsonObject,
  lineage: Lineage,
  ctx: MapContext,
): ClaimProcedureRow[] {
  return mapProcedures(resource, lineage, ctx, (concept) => preferred(concept, PROCEDURE_SYSTEMS));
}

export function mapV3CareTeam(resource: JsonObject, lineage: Lineage, ctx: MapContext): ClaimCareTeamRow[] {
  return mapCareTeam(resource, lineage, ctx, v3IdentifierType);
}

/** v2 wrote the type code `npi`; v3 codes NPIs with the us-npi system and type `NPI`. */
function v3IdentifierType(identifier: JsonObject | undefined): string | null {
  return identifier?.system === NPI_SYSTEM ? 'npi' : (codings(identifier?.type)[0]?.code ?? null);
}

/**
 * The billing provider: `provider` points to a contained Practitioner or Organization carrying
 * the NPI (or holds only a data-absent-reason extension, then nothing is known).
 */
export function v3ProviderOf(resource: JsonObject): { npi?: string; name?: string } {
  const reference = str(obj(resource.provider)?.reference);
  if (!reference?.startsWith('#')) return {};
  const found = arr(resource.contained).find((c) => c.id === reference.slice(1));
  if (!found) return {};
  const npi = str(arr(found.identifier).find((id) => id.system === NPI_SYSTEM)?.value);
  let name = str(found.name);
  if (name === undefined) {
    const human = arr(found.name)[0];
    const given = Array.isArray(human?.given) ? human.given.filter((g) => typeof g === 'string') : [];
    const parts = [...given, str(human?.family)].filter(Boolean);
    name = parts.length ? parts.join(' ') : undefined;
  }
  return { npi, name };
}
