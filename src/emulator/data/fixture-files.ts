/**
 * Reading a fixture folder (`bbsync emulator --fixtures DIR`): every `.json` and `.ndjson` file
 * under DIR (recursively, in sorted path order). A file holds a Bundle (its `entry[].resource` are
 * taken) or a single resource; an ndjson line holds one resource or Bundle. Only Patient, Coverage
 * and ExplanationOfBenefit are kept; everything else (CapabilityStatement, userinfo,
 * OperationOutcome, ...) is ignored. Resources are grouped by patient id (Patient.id,
 * `Coverage.beneficiary.reference` and `EOB.patient.reference`, both `Patient/<id>`) and
 * deduplicated by (resourceType, id), keeping the newest `meta.lastUpdated` (the first one read on
 * a tie). BFD's `"IGNORED_FIELD"` placeholders in `meta.lastUpdated` and `created` become the
 * anchor time. Resources whose lastUpdated is BFD's fallback (2020-01-01T00:00:00Z) or missing
 * count as loaded before 2020-02-12 (`legacyIds`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ANCHOR_ISO, ANCHOR_MS, LEGACY_LAST_UPDATED } from './time.ts';
import type { FhirResource, PatientRecord } from './types.ts';

const KEPT = new Set(['Patient', 'Coverage', 'ExplanationOfBenefit']);
const IGNORED = 'IGNORED_FIELD';
const LEGACY_MS = Date.parse(LEGACY_LAST_UPDATED);

/** One patient's fixture resources, as the store holds and changes them. */
export interface PatientData {
  readonly patientId: string;
  patient: FhirResource | undefined;
  readonly coverages: Map<string, FhirResource>;
  eobs: Map<string, FhirResource>;
  readonly legacyIds: Set<string>;
  version: number;
  record: PatientRecord | undefined;
}

/** What a fixture folder holds. */
export interface FixtureData {
  readonly byPatient: Map<string, PatientData>;
  /** The unprefixed claim ids of every EOB (new claims must not reuse one). */
  readonly claimIds: Set<string>;
  /** The newest lastUpdated read, and never before the anchor: the store's first transaction time. */
  readonly newestMs: number;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads DIR: the newest version of each resource, grouped by patient, BFD's placeholders made real. */
export function readFixtureDir(dir: string): FixtureData {
  const byPatient = new Map<string, PatientData>();
  const claimIds = new Set<string>();
  let newestMs = ANCHOR_MS;
  for (const { resource, ms, patientId } of newestVersions(dir).values()) {
    newestMs = Math.max(newestMs, ms);
    let data = byPatient.get(patientId);
    if (!data) {
      data = {
        patientId,
        patient: undefined,
        coverages: new Map(),
        eobs: new Map(),
        legacyIds: new Set(),
        version: 1,
        record: undefined,
      };
      byPatient.set(patientId, data);
    }
    const { resource: normalized, legacy } = normalize(resource);
    if (legacy) data.legacyIds.add(normalized.id);
    if (normalized.resourceType === 'Patient') data.patient = normalized;
    else if (normalized.resourceType === 'Coverage') data.coverages.set(normalized.id, normalized);
    else {
      data.eobs.set(normalized.id, normalized);
      claimIds.add(normalized.id.slice(normalized.id.indexOf('-') + 1));
    }
  }
  // A patient with Coverage/EOBs but no Patient resource in the fixtures gets a minimal
  // synthesized Patient (id, meta and the bene_id identifier) so that login and /Patient reads
  // work; nothing else about the person is invented.
  for (const data of byPatient.values()) data.patient ??= minimalPatient(data.patientId);
  return { byPatient, claimIds, newestMs };
}

/** The kept resources of every file, by (resourceType, id): the newest, the first read on a tie. */
function newestVersions(dir: string): Map<string, { resource: FhirResource; ms: number; patientId: string }> {
  const best = new Map<string, { resource: FhirResource; ms: number; patientId: string }>();
  for (const file of listFiles(dir)) {
    for (const raw of parseFile(file)) {
      if (!isObject(raw) || typeof raw['resourceType'] !== 'string' || typeof raw['id'] !== 'string') {
        continue;
      }
      const r = raw as FhirResource;
      if (!KEPT.has(r.resourceType)) continue;
      const patientId = patientIdOf(r);
      if (patientId === undefined) continue;
      const key = `${r.resourceType}/${r.id}`;
      const ms = lastUpdatedMs(r);
      const prev = best.get(key);
      if (!prev || ms > prev.ms) best.set(key, { resource: r, ms, patientId });
    }
  }
  return best;
}

function minimalPatient(patientId: string): FhirResource {
  return {
    resourceType: 'Patient',
    id: patientId,
    meta: { lastUpdated: ANCHOR_ISO },
    identifier: [
      {
        type: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/v2-0203',
              code: 'MB',
              display: 'Member Number',
            },
          ],
        },
        system: 'https://bluebutton.cms.gov/resources/variables/bene_id',
        value: patientId,
      },
    ],
  };
}
function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  )) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else if (entry.isFile() && (entry.name.endsWith('.json') || entry.name.endsWith('.ndjson'))) {
      out.push(path);
    }
  }
  return out;
}

function resourcesOf(doc: unknown): unknown[] {
  if (!isObject(doc)) return [];
  if (doc['resourceType'] === 'Bundle') {
    const entries = doc['entry'];
    return Array.isArray(entries)
      ? entries.flatMap((e) => (isObject(e) && e['resource'] !== undefined ? resourcesOf(e['resource']) : []))
      : [];
  }
  return [doc];
}

function parseFile(path: string): unknown[] {
  const text = readFileSync(path, 'utf8');
  try {
    if (path.endsWith('.ndjson')) {
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .flatMap((line) => resourcesOf(JSON.parse(line)));
    }
    return resourcesOf(JSON.parse(text));
  } catch (err) {
    throw new Error(`cannot parse fixture ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function patientIdOf(r: FhirResource): string | undefined {
  const ref = (field: string): string | undefined => {
    const v = r[field];
    const reference = isObject(v) ? v['reference'] : undefined;
    return typeof reference === 'string' && reference.startsWith('Patient/')
      ? reference.slice('Patient/'.length)
      : undefined;
  };
  switch (r.resourceType) {
    case 'Patient':
      return r.id;
    case 'Coverage':
      return ref('beneficiary');
    default:
      return ref('patient');
  }
}

function lastUpdatedMs(r: FhirResource): number {
  const v = r.meta?.lastUpdated;
  if (v === undefined || v === IGNORED) return v === IGNORED ? ANCHOR_MS : LEGACY_MS;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? ms : ANCHOR_MS;
}

/** Copy with BFD's masked fields made real; records whether the resource is legacy. */
function normalize(r: FhirResource): { resource: FhirResource; legacy: boolean } {
  const copy = structuredClone(r);
  const metaValue = isObject(copy['meta']) ? (copy['meta'] as Record<string, unknown>) : undefined;
  const lu = metaValue?.['lastUpdated'];
  let legacy = false;
  if (lu === IGNORED) {
    (metaValue as Record<string, unknown>)['lastUpdated'] = ANCHOR_ISO;
  } else if (typeof lu !== 'string') {
    legacy = true;
    copy['meta'] = { ...(metaValue ?? {}), lastUpdated: LEGACY_LAST_UPDATED };
  } else if (Date.parse(lu) === LEGACY_MS) {
    legacy = true;
  }
  if (copy['created'] === IGNORED) copy['created'] = ANCHOR_ISO;
  return { resource: copy, legacy };
}
