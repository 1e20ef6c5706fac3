/**
 * Synthetic v3 Patient, Coverage and Digital Insurance Card, made from the emulator's v2 ones and
 * shaped like BFD server-ng's (../shared/fixtures/bb2/v3 patient.json, coverage-part-*.json,
 * insurance-card-bundle.json): C4BB 2.2.0 / US Core 7.0.0 profiles, MBIs with periods, composite
 * Coverage ids, IDR extensions.
 */

import type { FhirResource, PatientRecord } from '../data/types.ts';
import { v3CoverageId } from './ids.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const STRUCTURE = 'https://bluebutton.cms.gov/fhir/StructureDefinition/';
const CS = 'https://bluebutton.cms.gov/fhir/CodeSystem/';
const CCW = 'https://bluebutton.cms.gov/resources/variables/';
const MBI = 'http://hl7.org/fhir/sid/us-mbi';
const C4DIC = 'http://hl7.org/fhir/us/insurance-card/StructureDefinition/';

export function mbiOf(patient: Json): string | undefined {
  return ((patient.identifier ?? []) as Json[]).find((i) => i.system === MBI)?.value;
}

export function toV3Patient(v2: FhirResource, v3Id: string): FhirResource {
  const p = v2 as Json;
  const mbi = mbiOf(p);
  return {
    resourceType: 'Patient',
    id: v3Id,
    meta: {
      lastUpdated: p.meta?.lastUpdated,
      profile: [
        'http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Patient|2.2.0',
        'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient|7.0.0',
      ],
    },
    ...(mbi
      ? {
          identifier: [
            {
              period: { start: '2020-01-01T00:00:00+00:00' },
              system: MBI,
              type: { coding: [{ code: 'MB', system: 'http://terminology.hl7.org/CodeSystem/v2-0203' }] },
              value: mbi,
            },
          ],
        }
      : {}),
    extension: ((p.extension ?? []) as Json[]).filter((e) => String(e.url).includes('/us/core/')),
    ...(p.name ? { name: p.name } : {}),
    ...(p.gender ? { gender: p.gender } : {}),
    ...(p.birthDate ? { birthDate: p.birthDate } : {}),
    ...(p.address
      ? { address: (p.address as Json[]).map((a) => ({ state: a.state, postalCode: a.postalCode })) }
      : {}),
  } as FhirResource;
}

function monthly(c: Json, prefix: string): string | undefined {
  for (let m = 12; m >= 1; m--) {
    const e = ((c.extension ?? []) as Json[]).find(
      (x) => x.url === `${CCW}${prefix}${String(m).padStart(2, '0')}`,
    );
    const code = e?.valueCoding?.code as string | undefined;
    if (code && !['0', 'N', 'X', '*'].includes(code)) return code;
  }
  return undefined;
}

/** The v3 Coverages of a beneficiary: one per Medicare part of the v2 record. */
export function toV3Coverages(record: PatientRecord, v3Id: string, mbi: string | undefined): FhirResource[] {
  return record.coverages.map((cov) => {
    const c = cov as Json;
    const part = (/part-([a-d])-/.exec(cov.id)?.[1] ?? 'a').toUpperCase();
    const contract =
      part === 'C' ? monthly(c, 'ptc_cntrct_id_') : part === 'D' ? monthly(c, 'ptdcntrct') : undefined;
    const plan = contract ? (part === 'C' ? 'H001' : '001') : undefined;
    const extension: Json[] = [];
    if (contract) {
      extension.push({ url: `${STRUCTURE}BENE-CNTRCT-NUM`, valueString: contract });
      extension.push({ url: `${STRUCTURE}BENE-PBP-NUM`, valueString: plan });
    } else if (part === 'A' || part === 'B') {
      extension.push({
        url: `${STRUCTURE}BENE-MDCR-STUS-CD`,
        valueCoding: { code: '10', system: `${CS}BENE-MDCR-STUS-CD` },
      });
    }
    return {
      resourceType: 'Coverage',
      id: v3CoverageId(part, v3Id, contract, plan),
      meta: {
        lastUpdated: c.meta?.lastUpdated,
        profile: [
          'http://hl7.org/fhir/us/carin-bb/StructureDefinition/C4BB-Coverage|2.2.0',
          'http://hl7.org/fhir/us/core/StructureDefinition/us-core-coverage|7.0.0',
        ],
      },
      extension,
      beneficiary: { reference: `Patient/${v3Id}` },
      class: [
        {
          type: {
            coding: [{ code: 'plan', system: 'http://terminology.hl7.org/CodeSystem/coverage-class' }],
          },
          value: `Part ${part}`,
        },
      ],
      payor: [{ reference: '#insurer-org' }],
      contained: [
        {
          id: 'insurer-org',
          name: 'Centers for Medicare and Medicaid Services',
          resourceType: 'Organization',
        },
      ],
      ...(c.period ? { period: c.period } : {}),
      relationship: {
        coding: [{ code: 'self', system: 'http://terminology.hl7.org/CodeSystem/subscriber-relationship' }],
      },
      status: c.status ?? 'active',
      ...(mbi ? { subscriberId: mbi } : {}),
    } as FhirResource;
  });
}

/** BFD's card uses an all-zero uuid for every entry but Part C/D, whose fullUrl is the coverage id (FX). */
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Source-of-payment typology on the card's Coverages, as in FX insurance-card-bundle.json. */
const PAYER_TYPE: Record<string, [string, string]> = {
  'Part A': ['1', 'MEDICARE'],
  'Part B': ['121', 'MEDICARE FFS'],
  'Part C': ['11', 'MEDICARE MANAGED CARE (Includes Medicare Advantage Plans)'],
  'Part D': ['122', 'Medicare Drug Benefit'],
};

/**
 * `Patient/$generate-insurance-card`: a collection Bundle with a C4DIC Patient, the CMS
 * Organization (its Medicare contact numbers) and one C4DIC Coverage per part; no ids, `urn:uuid`
 * fullUrls, all-zero except Part C/D, whose fullUrl embeds the coverage id (BFD
 * PatientCoverageC4DICSearchIT; FX insurance-card-bundle.json). The same data gives the same card.
 */
export function insuranceCard(
  patient: FhirResource,
  coverages: readonly FhirResource[],
  lastUpdated: string,
): Json {
  const p = patient as Json;
  const mbi = mbiOf(p);
  const patientRef = { reference: `Patient/${ZERO_UUID}` };
  const orgRef = { reference: `Organization/${ZERO_UUID}` };
  return {
    resourceType: 'Bundle',
    meta: { lastUpdated },
    type: 'collection',
    entry: [
      {
        fullUrl: `urn:uuid:${ZERO_UUID}`,
        resource: {
          resourceType: 'Patient',
          meta: { profile: [`${C4DIC}C4DIC-Patient`] },
          ...(p.name ? { name: p.name } : {}),
          ...(p.birthDate ? { birthDate: p.birthDate } : {}),
          ...(p.gender ? { gender: p.gender } : {}),
        },
      },
      {
        fullUrl: `urn:uuid:${ZERO_UUID}`,
        resource: {
          resourceType: 'Organization',
          meta: { profile: [`${C4DIC}C4DIC-Organization`] },
          active: true,
          name: 'Centers for Medicare and Medicaid Services',
          contact: [
            {
              purpose: {
                coding: [
                  {
                    code: 'PATINF',
                    display: 'Patient',
                    system: 'http://terminology.hl7.org/CodeSystem/contactentity-type',
                  },
                ],
              },
              telecom: [
                { system: 'phone', value: '1-800-633-4227' },
                { system: 'phone', value: 'TTY: 1-877-486-2048' },
                { system: 'url', value: 'www.medicare.gov' },
              ],
            },
          ],
        },
      },
      ...coverages.map((c) => {
        const cov = c as Json;
        const plan = ((cov.class ?? []) as Json[])[0]?.value as string | undefined;
        const payer = plan ? PAYER_TYPE[plan] : undefined;
        return {
          fullUrl: `urn:uuid:${/^part-[cd]-/.test(c.id) ? c.id : ZERO_UUID}`,
          resource: {
            resourceType: 'Coverage',
            meta: { profile: [`${C4DIC}C4DIC-Coverage`] },
            status: cov.status,
            class: cov.class,
            period: cov.period,
            ...(payer
              ? {
                  type: { coding: [{ code: payer[0], display: payer[1], system: 'https://nahdo.org/sopt' }] },
                }
              : {}),
            subscriberId: mbi,
            ...(mbi ? { identifier: [{ system: MBI, value: mbi, assigner: orgRef }] } : {}),
            beneficiary: patientRef,
            subscriber: patientRef,
            payor: [orgRef],
          },
        };
      }),
    ],
  };
}
