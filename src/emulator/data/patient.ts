/** The Patient resource of a synthetic beneficiary (modelled on bfd/patient.json and sandbox/patient-bbuser29999.json). */
import {
  CS_IDENTIFIER_CURRENCY,
  MBI,
  Memo,
  PROFILE,
  THO,
  VAR,
  coding,
  extCoding,
  extDate,
  meta,
  shared,
  sharedCodeable,
  type Obj,
} from './fhir-builders.ts';
import { dualExtensions, type Person } from './person.ts';
import { ymd } from './time.ts';
import type { FhirResource } from './types.ts';

export function buildPatient(p: Person, lastUpdated: string, referenceYear: number): FhirResource {
  const sex = p.gender === 'female' ? '248152002' : '248153007';
  const identifier: Obj[] = [
    {
      type: sharedCodeable(`${THO}v2-0203`, 'MB', 'Member Number'),
      system: `${VAR}bene_id`,
      value: p.patientId,
    },
    {
      type: mbiType('current'),
      system: MBI,
      value: p.mbi,
      period: { start: ymd(p.mbiStartDay) },
    },
  ];
  if (p.historicMbi !== undefined) {
    identifier.push({ type: mbiType('historic'), system: MBI, value: p.historicMbi });
  }
  const patient: FhirResource = {
    resourceType: 'Patient',
    id: p.patientId,
    meta: meta(lastUpdated, PROFILE.patient),
    extension: [
      { url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-sex', valueCode: sex },
      extCoding('race', p.race[0], p.race[1]),
      shared('us-core-race|UNK', () => ({
        url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
        extension: [
          { url: 'ombCategory', valueCoding: coding(`${THO}v3-NullFlavor`, 'UNK', 'Unknown') },
          { url: 'text', valueString: 'Unknown' },
        ],
      })),
      extDate('rfrnc_yr', String(referenceYear)),
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

const MBI_TYPE = new Memo<Obj>();
function mbiType(currency: 'current' | 'historic'): Obj {
  return MBI_TYPE.get(currency, '', '', () => ({
    coding: [
      {
        extension: [
          {
            url: CS_IDENTIFIER_CURRENCY,
            valueCoding: coding(
              CS_IDENTIFIER_CURRENCY,
              currency,
              currency === 'current' ? 'Current' : 'Historic',
            ),
          },
        ],
        system: `${THO}v2-0203`,
        code: 'MC',
        display: "Patient's Medicare number",
      },
    ],
  }));
}
