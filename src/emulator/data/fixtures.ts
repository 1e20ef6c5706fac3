/**
 * Fixture mode (`bbsync emulator --fixtures DIR`): serve real BB2/BFD responses instead of
 * synthetic data.
 *
 * Every `.json` and `.ndjson` file under DIR (recursively, in sorted path order) is read. A file
 * holds a Bundle (its `entry[].resource` are taken) or a single resource; an ndjson line holds
 * one resource or Bundle. Only Patient, Coverage and ExplanationOfBenefit are kept; everything
 * else (CapabilityStatement, userinfo, OperationOutcome, ...) is ignored. Resources are grouped
 * by patient id (Patient.id, `Coverage.beneficiary.reference` and `EOB.patient.reference`, both
 * `Patient/<id>`) and deduplicated by (resourceType, id), keeping the newest `meta.lastUpdated`
 * (the first one read on a tie). BFD's `"IGNORED_FIELD"` placeholders in `meta.lastUpdated` and
 * `created` become the anchor time. Resources whose lastUpdated is BFD's fallback
 * (2020-01-01T00:00:00Z) or missing count as loaded before 2020-02-12 (`legacyIds`).
 *
 * Users: `BBUserNNNNN` logs in as the N-th patient id in sorted (string) order.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { nextTransactionMs, resolveAdvance } from './advance.ts';
import { compareEobIds } from './claims.ts';
import { indexForUsername, passwordForIndex, usernameForIndex } from './ids.ts';
import { Rng, hash32 } from './prng.ts';
import { ANCHOR_ISO, ANCHOR_MS, DAY_MS, LEGACY_LAST_UPDATED, dayOf, isoTime, ymd } from './time.ts';
import type {
  AdvanceOptions,
  AdvanceResult,
  DataStore,
  FhirResource,
  PatientRecord,
  SyntheticUser,
} from './types.ts';

export interface FixtureStoreOptions {
  dir: string;
  now?: () => Date;
  /** Seeds `advance()` (default 0). */
  seed?: number;
}

const KEPT = new Set(['Patient', 'Coverage', 'ExplanationOfBenefit']);
const IGNORED = 'IGNORED_FIELD';
const LEGACY_MS = Date.parse(LEGACY_LAST_UPDATED);
const PART_ORDER = ['part-a', 'part-b', 'part-c', 'part-d'];

interface PatientData {
  readonly patientId: string;
  patient: FhirResource | undefined;
  readonly coverages: Map<string, FhirResource>;
  eobs: Map<string, FhirResource>;
  readonly legacyIds: Set<string>;
  version: number;
  record: PatientRecord | undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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

function sortedEobs(eobs: Map<string, FhirResource>): FhirResource[] {
  return [...eobs.values()].sort((a, b) => compareEobIds(a.id, b.id));
}

function coverageOrder(id: string): number {
  const i = PART_ORDER.findIndex((p) => id.startsWith(`${p}-`));
  return i < 0 ? PART_ORDER.length : i;
}

export class FixtureStore implements DataStore {
  readonly userCount: number;
  private readonly patientIds: string[];
  private readonly byPatient = new Map<string, PatientData>();
  private readonly now: () => Date;
  private readonly seed: number;
  private readonly claimIds = new Set<string>();
  private txMs: number;
  private loads = 0;

  constructor(options: FixtureStoreOptions) {
    this.now = options.now ?? (() => new Date());
    this.seed = options.seed ?? 0;
    const best = new Map<string, { resource: FhirResource; ms: number; patientId: string }>();
    for (const file of listFiles(options.dir)) {
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
    let newest = ANCHOR_MS;
    for (const { resource, ms, patientId } of best.values()) {
      newest = Math.max(newest, ms);
      let data = this.byPatient.get(patientId);
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
        this.byPatient.set(patientId, data);
      }
      const { resource: normalized, legacy } = normalize(resource);
      if (legacy) data.legacyIds.add(normalized.id);
      if (normalized.resourceType === 'Patient') data.patient = normalized;
      else if (normalized.resourceType === 'Coverage') data.coverages.set(normalized.id, normalized);
      else {
        data.eobs.set(normalized.id, normalized);
        this.claimIds.add(normalized.id.slice(normalized.id.indexOf('-') + 1));
      }
    }
    for (const data of this.byPatient.values()) {
      // A patient with Coverage/EOBs but no Patient resource in the fixtures gets a minimal
      // synthesized Patient (id, meta and the bene_id identifier) so that login and
      // /Patient reads work; nothing else about the person is invented.
      if (!data.patient) {
        data.patient = {
          resourceType: 'Patient',
          id: data.patientId,
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
              value: data.patientId,
            },
          ],
        };
      }
    }
    this.patientIds = [...this.byPatient.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.userCount = this.patientIds.length;
    this.txMs = newest;
  }

  transactionTime(): string {
    return isoTime(this.txMs);
  }

  userByIndex(index: number): SyntheticUser | undefined {
    const patientId = Number.isInteger(index) ? this.patientIds[index] : undefined;
    if (patientId === undefined) return undefined;
    return Object.freeze({
      username: usernameForIndex(index),
      password: passwordForIndex(index),
      index,
      patientId,
    });
  }

  userByUsername(username: string): SyntheticUser | undefined {
    const index = indexForUsername(username);
    return index === undefined ? undefined : this.userByIndex(index);
  }

  userByPatientId(patientId: string): SyntheticUser | undefined {
    if (!this.byPatient.has(patientId)) return undefined;
    return this.userByIndex(this.patientIds.indexOf(patientId));
  }

  record(patientId: string): PatientRecord | undefined {
    const data = this.byPatient.get(patientId);
    if (!data || !data.patient) return undefined;
    if (!data.record) {
      data.record = Object.freeze({
        patientId,
        patient: data.patient,
        coverages: Object.freeze(
          [...data.coverages.values()].sort(
            (a, b) => coverageOrder(a.id) - coverageOrder(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
          ),
        ),
        eobs: Object.freeze(sortedEobs(data.eobs)),
        legacyIds: new Set(data.legacyIds),
        version: data.version,
      });
    }
    return data.record;
  }

  advance(options: AdvanceOptions = {}): AdvanceResult {
    const { newClaimsFraction, changedFraction, removedFraction, indexes } = resolveAdvance(
      options,
      this.userCount,
    );
    this.txMs = nextTransactionMs(this.now, this.txMs);
    this.loads++;
    const tx = isoTime(this.txMs);
    const txDay = dayOf(this.txMs);
    const added: Record<string, string[]> = {};
    const changed: Record<string, string[]> = {};
    const removed: Record<string, string[]> = {};

    for (const index of indexes) {
      const patientId = this.patientIds[index];
      const data = patientId === undefined ? undefined : this.byPatient.get(patientId);
      if (!data || patientId === undefined) continue;
      const rng = new Rng(this.seed, 'fixture-load', this.loads, patientId);
      const addCount = rng.chance(newClaimsFraction) ? rng.int(1, 3) : 0;
      const existing = sortedEobs(data.eobs);
      const next = new Map<string, FhirResource>();
      const changedIds: string[] = [];
      const removedIds: string[] = [];
      for (const eob of existing) {
        const r = rng.next();
        if (r < removedFraction) {
          removedIds.push(eob.id);
          data.legacyIds.delete(eob.id);
        } else if (r < removedFraction + changedFraction) {
          next.set(eob.id, changeAmounts(eob, rng, tx));
          data.legacyIds.delete(eob.id);
          changedIds.push(eob.id);
        } else {
          next.set(eob.id, eob);
        }
      }
      const addedIds: string[] = [];
      for (let k = 0; k < addCount && existing.length > 0; k++) {
        const template = rng.pick(existing);
        const clone = this.cloneClaim(template, rng, tx, txDay);
        next.set(clone.id, clone);
        addedIds.push(clone.id);
      }
      if (addedIds.length + changedIds.length + removedIds.length === 0) continue;
      data.eobs = next;
      data.version++;
      data.record = undefined;
      if (addedIds.length) added[patientId] = addedIds.sort(compareEobIds);
      if (changedIds.length) changed[patientId] = changedIds;
      if (removedIds.length) removed[patientId] = removedIds;
    }
    // Real fixtures are not versioned by this store: their versions are what BB2 sent.
    return { transactionTime: tx, added, changed, removed, versioned: {}, cancelled: {} };
  }

  /** A new claim cloned from one of the patient's claims: new id, dates in the last two weeks. */
  private cloneClaim(template: FhirResource, rng: Rng, tx: string, txDay: number): FhirResource {
    const type = template.id.slice(0, template.id.indexOf('-'));
    const oldClaimId = template.id.slice(template.id.indexOf('-') + 1);
    // Same sign as the template's id (synthetic data is negative, BFD's golden data positive).
    const sign = oldClaimId.startsWith('-') ? -1 : 1;
    let claimId: string;
    do {
      claimId = String(
        sign * (9_000_000_000 + (hash32(this.seed, 'fixture-claim', this.loads, rng.u32()) % 900_000_000)),
      );
    } while (this.claimIds.has(claimId));
    this.claimIds.add(claimId);
    const clone = structuredClone(template) as Record<string, unknown>;
    clone['id'] = `${type}-${claimId}`;
    clone['meta'] = { ...(isObject(clone['meta']) ? clone['meta'] : {}), lastUpdated: tx };
    if ('created' in clone) clone['created'] = tx;
    if (Array.isArray(clone['identifier'])) {
      for (const ident of clone['identifier']) {
        if (
          isObject(ident) &&
          ident['value'] === oldClaimId &&
          typeof ident['system'] === 'string' &&
          /\/(clm_id|pde_id)$/.test(ident['system'])
        ) {
          ident['value'] = claimId;
        }
      }
    }
    // Move the service dates into the two weeks before the load, keeping the period's length.
    const period = isObject(clone['billablePeriod']) ? clone['billablePeriod'] : undefined;
    const start = typeof period?.['start'] === 'string' ? Date.parse(period['start']) : NaN;
    const end = typeof period?.['end'] === 'string' ? Date.parse(period['end']) : start;
    const newEnd = txDay - rng.int(1, 13);
    const length =
      Number.isFinite(start) && Number.isFinite(end)
        ? Math.min(13, Math.max(0, Math.round((end - start) / DAY_MS)))
        : 0;
    const shift = Number.isFinite(end) ? newEnd - dayOf(end) : 0;
    if (period) {
      period['start'] = ymd(newEnd - length);
      period['end'] = ymd(newEnd);
    }
    shiftLineDates(clone, shift, newEnd - length, newEnd);
    return clone as FhirResource;
  }
}

/** Re-dates item serviced dates into [from, thru] after a shift of `shift` days. */
function shiftLineDates(eob: Record<string, unknown>, shift: number, from: number, thru: number): void {
  const move = (value: unknown): string | undefined => {
    if (typeof value !== 'string') return undefined;
    const ms = Date.parse(value);
    if (!Number.isFinite(ms)) return undefined;
    return ymd(Math.min(thru, Math.max(from, dayOf(ms) + shift)));
  };
  const items = eob['item'];
  if (!Array.isArray(items)) return;
  for (const item of items) {
    if (!isObject(item)) continue;
    const d = move(item['servicedDate']);
    if (d) item['servicedDate'] = d;
    const p = item['servicedPeriod'];
    if (isObject(p)) {
      const s = move(p['start']);
      const e = move(p['end']);
      if (s) p['start'] = s;
      if (e) p['end'] = e;
    }
  }
}

const MONEY_KEYS = new Set(['amount', 'usedMoney', 'valueMoney']);

/**
 * A changed claim: every money value is scaled by one factor (at least 3% away from 1) and
 * rounded to cents, and meta.lastUpdated is the new load time. Zero amounts stay zero.
 */
function changeAmounts(eob: FhirResource, rng: Rng, tx: string): FhirResource {
  const delta = 0.03 + rng.next() * 0.22;
  const factor = rng.chance(0.5) ? 1 + delta : 1 - delta;
  const copy = structuredClone(eob) as Record<string, unknown>;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const v of node) walk(v);
    } else if (isObject(node)) {
      for (const [key, v] of Object.entries(node)) {
        if (MONEY_KEYS.has(key) && isObject(v) && typeof v['value'] === 'number') {
          v['value'] = Math.round(v['value'] * factor * 100) / 100;
        } else {
          walk(v);
        }
      }
    }
  };
  walk(copy);
  copy['meta'] = { ...(isObject(copy['meta']) ? copy['meta'] : {}), lastUpdated: tx };
  if ('created' in copy) copy['created'] = tx;
  return copy as FhirResource;
}

export function createFixtureStore(options: FixtureStoreOptions): DataStore {
  return new FixtureStore(options);
}
