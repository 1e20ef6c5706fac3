/** A v3 Patient (C4BB-Patient 2.2.0, US Core 7.0.0) -> the same patients row as v2. */
import type { MapContext } from '../map-context.ts';
import { arr, extension, obj, str, type JsonObject } from '../read.ts';
import type { PatientRow } from '../../model/analytics-rows.ts';
import { patientBasics } from '../patient.ts';
import { MBI_SYSTEM } from './codes.ts';

const US_CORE_RACE = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race';

export function mapV3Patient(resource: JsonObject, ctx: MapContext): PatientRow {
  // v3 codes race with US Core's OMB categories, not the CCW race code of race_code: only the
  // text is kept, so race_code keeps one vocabulary.
  const race = arr(extension(resource, US_CORE_RACE)?.extension);
  const raceText = str(race.find((e) => e.url === 'text')?.valueString);
  return {
    ...patientBasics(resource, ctx),
    race_code: null,
    race_display:
      raceText ?? str(obj(race.find((e) => e.url === 'ombCategory')?.valueCoding)?.display) ?? null,
    mbi: currentV3Mbi(resource),
    reference_year: null,
  };
}

/**
 * The current MBI. v3 lists every MBI a beneficiary has had, each with a `period`; a retired one
 * has `period.end` (FX patient-two-mbis-replaces.json). The current one has no end; failing
 * that (synthetic data has ends before starts), the only one.
 */
export function currentV3Mbi(resource: JsonObject): string | null {
  const mbis = arr(resource.identifier).filter((i) => i.system === MBI_SYSTEM && str(i.value));
  const open = mbis.filter((i) => obj(i.period)?.end === undefined);
  const chosen = open.length === 1 ? open[0] : mbis.length === 1 ? mbis[0] : open[open.length - 1];
  return str(chosen?.value) ?? null;
}

/** Every MBI the Patient lists, current or retired (for linking a v2 patient). */
export function allMbis(resource: JsonObject): string[] {
  return arr(resource.identifier)
    .filter((i) => i.system === MBI_SYSTEM)
    .map((i) => str(i.value))
    .filter((v): v is string => Boolean(v));
}
