/**
 * A beneficiary's data as v3 serves it, built from the emulator's v2 record (the same synthetic
 * people and claims) and cached per record version. Besides the NCH/DDPS claims, it holds what
 * only v3 has (../shared/reference/bb2-v3.md section 7):
 * - a not-final FISS version (phase 1, `NotFinalAction`, outcome partial, CLM-TYPE-CD 1013) of
 *   one outpatient claim in three, sharing the NCH claim's control number; BB2's default
 *   `_source=NCH,DDPS` hides it;
 * - the SAMHSA (42 CFR Part 2) label on one carrier claim in five (picked by control number, so
 *   all versions of a claim share it), which BB2 filters out for a beneficiary who did not tick
 *   the consent page's SAMHSA box.
 * Claim versions follow BFD: a non-PDE claim only in its latest version, PDE in every version;
 * v2's cancelled status becomes the `NotFinalAction` tag, and a PDE's adjstmt_dltn_cd becomes
 * CLM_ADJSTMT_TYPE_CD (toV3Eob).
 */
import type { FhirResource, PatientRecord } from '../data/types.ts';
import { claimTypeOfV2, toV3Eob, v2ControlNumber } from './eob.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
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

/**
 * The v2 versions v3 does not serve: BFD returns only the latest version of a non-PDE claim
 * (../shared/reference/bb2-v3.md section 3), so a cancelled version whose claim (same control
 * number) has an active version is left out. Every PDE version is served, a superseded one tagged
 * NotFinalAction (BFD test EobSearchIT.eobSearchNonLatestPartDIsReturned).
 */
function supersededVersions(eobs: readonly FhirResource[]): Set<string> {
  const activeControl = new Set<string>();
  for (const eob of eobs) {
    const control = v2ControlNumber(eob as Json);
    if (control && (eob as Json).status !== 'cancelled') activeControl.add(control);
  }
  const out = new Set<string>();
  for (const eob of eobs) {
    const control = v2ControlNumber(eob as Json);
    if (
      claimTypeOfV2(eob) !== 'pde' &&
      (eob as Json).status === 'cancelled' &&
      control &&
      activeControl.has(control)
    )
      out.add(eob.id);
  }
  return out;
}

export function v3Record(record: PatientRecord): V3Record {
  const hit = cache.get(record);
  if (hit && hit.version === record.version) return hit;
  const patientId = v3PatientId(record.patientId);
  const patient = toV3Patient(record.patient, patientId);
  const eobs: FhirResource[] = [];
  const superseded = supersededVersions(record.eobs);
  for (const eob of record.eobs) {
    if (superseded.has(eob.id)) continue;
    const type = claimTypeOfV2(eob);
    const id = v3ClaimId(eob.id);
    const source = type === 'pde' ? 'DDPS' : 'NCH';
    const finalAction = (eob as { status?: string }).status !== 'cancelled';
    // The label follows the claim's content, so every version of a claim carries it or none does.
    const samhsa = type === 'carrier' && picked(v2ControlNumber(eob as Json) ?? id, 5);
    eobs.push(toV3Eob(eob, patientId, { source, finalAction, samhsa }));
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
