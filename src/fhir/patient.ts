import {
  arr,
  CMS_CODESYSTEM,
  CMS_VARIABLES,
  extension,
  extensionCode,
  obj,
  str,
  type JsonObject,
} from './read.ts';
import type { PatientRow } from '../model/analytics-rows.ts';
import type { MapContext } from './map-context.ts';
import { dateOnly, year } from './values.ts';

const MBI_SYSTEM = 'http://hl7.org/fhir/sid/us-mbi';
const CURRENCY_EXTENSION = `${CMS_CODESYSTEM}identifier-currency`;

export function mapPatient(resource: JsonObject, ctx: MapContext): PatientRow {
  const race = obj(extension(resource, `${CMS_VARIABLES}race`)?.valueCoding);
  return {
    ...patientBasics(resource, ctx),
    race_code: str(race?.code) ?? null,
    race_display: str(race?.display) ?? null,
    mbi: currentMbi(resource),
    reference_year: year(extensionCode(extension(resource, `${CMS_VARIABLES}rfrnc_yr`))) ?? null,
  };
}

/** What v2 and v3 Patients say alike: birth, gender, address, names, death, last update. */
export function patientBasics(
  resource: JsonObject,
  ctx: MapContext,
): Omit<PatientRow, 'race_code' | 'race_display' | 'mbi' | 'reference_year'> {
  const address = arr(resource.address)[0];
  const name = arr(resource.name)[0];
  const given = Array.isArray(name?.given)
    ? name.given.filter((g): g is string => typeof g === 'string')
    : [];
  return {
    patient_id: ctx.resourceId,
    birth_date: ctx.date(resource.birthDate, 'birthDate'),
    gender: str(resource.gender) ?? null,
    state: str(address?.state) ?? null,
    postal_code: str(address?.postalCode) ?? null,
    // BB2 sends deceasedDateTime even for living synthetic patients, sometimes before the birth
    // date: stored as sent, never "corrected".
    deceased_at: dateOnly(resource.deceasedDateTime) ?? null,
    family_name: str(name?.family) ?? null,
    given_name: given[0] ?? null,
    middle_initial: given[1] ?? null,
    last_updated: ctx.lastUpdated,
  };
}

/**
 * The current MBI: the us-mbi identifier flagged `current` by BB2's currency extension; when no
 * flag is present (older data), the only MBI, or none.
 */
function currentMbi(resource: JsonObject): string | null {
  const mbis = arr(resource.identifier).filter((i) => i.system === MBI_SYSTEM && str(i.value));
  const flagged = mbis.find((i) =>
    arr(obj(i.type)?.coding).some((c) => extensionCode(extension(c, CURRENCY_EXTENSION)) === 'current'),
  );
  const chosen = flagged ?? (mbis.length === 1 ? mbis[0] : undefined);
  return str(chosen?.value) ?? null;
}
