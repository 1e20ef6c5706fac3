/**
 * A beneficiary's data as v3 serves it, built from the emulator's v2 record (the same synthetic
 * people and claims) and cached per record version. Besides the NCH/DDPS claims, it holds what
 * only v3 has (../shared/reference/bb2-v3.md section 7):
 * - a not-final FISS version (phase 1, `NotFinalAction`, outcome partial, CLM-TYPE-CD 1013) of
 *   one outpatient claim in three, sharing the NCH claim's control number; BB2's default
 *   `_source=NCH,DDPS` hides it;
 * - the SAMHSA (42 CFR Part 2) label on one carrier claim in five, which BB2 filters out for a
 *   beneficiary who did not tick the consent page's SAMHSA box.
 */
import type { FhirResource, PatientRecord } from '../data/types.ts';
import { claimTypeOfV2, toV3Eob } from './eob.ts';
import { v3ClaimId, v3PatientId } from './ids.ts';
import { mbiOf, toV3Coverages, toV3Patient } from './patient.ts';

export interface V3Record {
  readonly patientId: string;
  readonly patient: FhirResource;
  readonly coverages: readonly FhirResource[];
  /** Sorted by claim id, as BFD returns them. */
  readonly eobs: readonly FhirResource[];
  readonly version: number;
}

const cache = new WeakMap<PatientRecord, V3Record>();

/** Deterministic picks from the claim id's digits. */
const picked = (id: string, every: number) => Number(id.slice(-3)) % every === 0;

export function v3Record(record: PatientRecord): V3Record {
  const hit = cache.get(record);
  if (hit && hit.version === record.version) return hit;
  const patientId = v3PatientId(record.patientId);
  const patient = toV3Patient(record.patient, patientId);
  const eobs: FhirResource[] = [];
  for (const eob of record.eobs) {
    const type = claimTypeOfV2(eob);
    const id = v3ClaimId(eob.id);
    const source = type === 'pde' ? 'DDPS' : 'NCH';
    eobs.push(
      toV3Eob(eob, patientId, { source, finalAction: true, samhsa: type === 'carrier' && picked(id, 5) }),
    );
    if (type === 'outpatient' && picked(id, 3)) {
      eobs.push(
        toV3Eob(eob, patientId, { source: 'FISS', finalAction: false, typeCode: '1013', id: `9${id}` }),
      );
    }
  }
  eobs.sort((a, b) => a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const built: V3Record = {
    patientId,
    patient,
    coverages: toV3Coverages(record, patientId, mbiOf(record.patient)),
    eobs,
    version: record.version,
  };
  cache.set(record, built);
  return built;
}
