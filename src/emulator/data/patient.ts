/** The Patient resource of a synthetic beneficiary (modelled on bfd/patient.json and sandbox/patient-bbuser29999.json). */
import * as fb from './fhir-builders.ts';
import { dualExtensions, type Person } from './person.ts';
import { ymd } from './time.ts';
import type { FhirResource } from './types.ts';

export function buildPatient(p: Person, lastUpdated: string, referenceYear: number): FhirResource {
  const sex = p.gender === 'female' ? '248152002' : '248153007';
  const identifier: fb.Obj[] = [
    {
      type: fb.sharedCodeable(`${fb.THO}v2-0203`, 'MB', 'Member Number'),
      system: `${fb.VAR}bene_id`,
      value: p.patientId,
    },
    {
      type: mbiType('current'),
      system: fb.MBI,
      value: p.mbi,
      period: { start: ymd(p.mbiStartDay) },
    },
  ];
  if (p.historicMbi !== undefined) {
    identifier.push({ type: mbiType('historic'), system: fb.MBI, value: p.historicMbi });
  }
  const patient: FhirResource = {
    resourceType: 'Patient',
    id: p.patientId,
    meta: fb.meta(lastUpdated, fb.PROFILE.patient),
    extension: [
      { url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex', valueCode: sex },
      fb.extCoding('race', p.race[0], p.race[1]),
      fb.shared('us-core-race|UNK', () => ({
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
        extension: [
          { url: 'ombCategory', valueCoding: fb.coding(`${fb.THO}v3-NullFlavor`, 'UNK', 'Unknown') },
          { url: 'text', valueString: 'Unknown' },
        ],
      })),
      fb.extDate('rfrnc_yr', String(referenceYear)),
      ...dualExtensions(p),
    ],
    identifier,
    name: [{ use: 'usual', family: p.family, given: [p.given, p.middle] }],
    gender: p.gender,
    birthDate: ymd(p.birthDay),
  };
  if (p.deceasedDay !== undefined) patient['deceasedDateTime'] = ymd(p.deceasedDay);
  patient['address'] = [{ state: p.stateSsa, postalCode: p.zip5 }];
  return patient;
}

const MBI_TYPE = new fb.Memo<fb.Obj>();
function mbiType(currency: 'current' | 'historic'): fb.Obj {
  return MBI_TYPE.get(currency, '', '', () => ({
    coding: [
      {
        extension: [
          {
            url: fb.CS_IDENTIFIER_CURRENCY,
            valueCoding: fb.coding(
              fb.CS_IDENTIFIER_CURRENCY,
              currency,
              currency === 'current' ? 'Current' : 'Historic',
            ),
          },
        ],
        system: `${fb.THO}v2-0203`,
        code: 'MC',
        display: "Patient's Medicare number",
      },
    ],
  }));
}
