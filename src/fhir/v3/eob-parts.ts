/** v3 EOB parts that are not money: supportingInfo, diagnoses, procedures, care team, provider. */
import type { MapContext } from '../map-context.ts';
import { arr, codingBySystem, codings, obj, str, type Coding, type JsonObject } from '../read.ts';
import type { ClaimCareTeamRow, ClaimDiagnosisRow, ClaimProcedureRow } from '../../model/analytics-rows.ts';
import { dateOnly } from '../values.ts';
import { DIAGNOSIS_SYSTEMS, NPI_SYSTEM, PROCEDURE_SYSTEMS } from './codes.ts';

type Lineage = { claim_id: string; last_updated: string | null };

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

/** The code of a supportingInfo entry: the coding of `system` when given, else the first. */
export function supportingCode(info: JsonObject | undefined, system?: string): string | null {
  if (!info) return null;
  const coding = system ? codingBySystem(info.code, system) : codings(info.code)[0];
  return coding?.code ?? null;
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
  const seen = new Set<number>();
  return arr(resource.diagnosis).map((dx, i) => {
    const path = `diagnosis[${i}]`;
    const sequence = ctx.int(dx.sequence, `${path}.sequence`);
    if (sequence === null) ctx.fail('a diagnosis has no usable sequence number', `${path}.sequence`);
    if (seen.has(sequence)) ctx.fail(`diagnosis sequence ${sequence} appears twice`, `${path}.sequence`);
    seen.add(sequence);
    const coding = preferred(dx.diagnosisCodeableConcept, DIAGNOSIS_SYSTEMS);
    return {
      ...lineage,
      sequence,
      code: coding?.code ?? null,
      system: coding?.system ?? null,
      display: coding?.display ?? null,
      diagnosis_type: arr(dx.type).flatMap((t) => codings(t))[0]?.code ?? null,
      // v3 moves present-on-admission from a CCW extension to the standard onAdmission element.
      present_on_admission: codings(dx.onAdmission)[0]?.code ?? null,
    };
  });
}

export function mapV3Procedures(
  resource: JsonObject,
  lineage: Lineage,
  ctx: MapContext,
): ClaimProcedureRow[] {
  const seen = new Set<number>();
  return arr(resource.procedure).map((px, i) => {
    const path = `procedure[${i}]`;
    const sequence = ctx.int(px.sequence, `${path}.sequence`) ?? i + 1;
    if (seen.has(sequence)) ctx.fail(`procedure sequence ${sequence} appears twice`, `${path}.sequence`);
    seen.add(sequence);
    const coding = preferred(px.procedureCodeableConcept, PROCEDURE_SYSTEMS);
    return {
      ...lineage,
      sequence,
      code: coding?.code ?? null,
      system: coding?.system ?? null,
      display: coding?.display ?? null,
      performed_on: px.date === undefined ? null : (dateOnly(px.date) ?? ctx.date(px.date, `${path}.date`)),
    };
  });
}

export function mapV3CareTeam(resource: JsonObject, lineage: Lineage, ctx: MapContext): ClaimCareTeamRow[] {
  const seen = new Set<number>();
  return arr(resource.careTeam).map((member, i) => {
    const sequence = ctx.int(member.sequence, `careTeam[${i}].sequence`) ?? i + 1;
    if (seen.has(sequence))
      ctx.fail(`careTeam sequence ${sequence} appears twice`, `careTeam[${i}].sequence`);
    seen.add(sequence);
    const provider = obj(member.provider);
    const identifier = obj(provider?.identifier);
    return {
      ...lineage,
      sequence,
      role: codings(member.role)[0]?.code ?? null,
      provider_id: str(identifier?.value) ?? null,
      // v2 wrote the type code `npi`; v3 codes NPIs with the us-npi system and type `NPI`.
      provider_id_type:
        identifier?.system === NPI_SYSTEM ? 'npi' : (codings(identifier?.type)[0]?.code ?? null),
      provider_name: str(provider?.display) ?? null,
      qualification_code: codings(member.qualification)[0]?.code ?? null,
    };
  });
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
