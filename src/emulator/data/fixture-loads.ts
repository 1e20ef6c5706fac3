/**
 * A simulated weekly load over real fixtures: each EOB is kept, removed or changed (its amounts
 * scaled), and new claims are cloned from the patient's own claims with new ids and dates in the
 * two weeks before the load. Real fixtures are not versioned here: their versions are what BB2 sent.
 */
import { emptyChanges, type ResolvedAdvance, type UserChanges } from './advance.ts';
import { compareEobIds } from './claims.ts';
import { isObject, type PatientData } from './fixture-files.ts';
import { Rng, hash32 } from './prng.ts';
import { DAY_MS, dayOf, isoTime, ymd } from './time.ts';
import type { FhirResource } from './types.ts';

/** The load being applied: its time, and what new claim ids are drawn from. */
export interface FixtureLoad {
  readonly options: ResolvedAdvance;
  readonly txMs: number;
  readonly seed: number;
  /** The load's number (seeds its random streams). */
  readonly load: number;
  /** Unprefixed claim ids in use; new ones are added. */
  readonly claimIds: Set<string>;
}

export function sortedEobs(eobs: Map<string, FhirResource>): FhirResource[] {
  return [...eobs.values()].sort((a, b) => compareEobIds(a.id, b.id));
}

/** Applies the load to one patient's data (a new version when anything changed). */
export function loadPatient(data: PatientData, load: FixtureLoad): UserChanges {
  const rng = new Rng(load.seed, 'fixture-load', load.load, data.patientId);
  const { newClaimsFraction, changedFraction, removedFraction } = load.options;
  const tx = isoTime(load.txMs);
  const addCount = rng.chance(newClaimsFraction) ? rng.int(1, 3) : 0;
  const existing = sortedEobs(data.eobs);
  const next = new Map<string, FhirResource>();
  const changes = emptyChanges();
  for (const eob of existing) {
    const r = rng.next();
    if (r < removedFraction) {
      changes.removed.push(eob.id);
      data.legacyIds.delete(eob.id);
    } else if (r < removedFraction + changedFraction) {
      next.set(eob.id, changeAmounts(eob, rng, tx));
      data.legacyIds.delete(eob.id);
      changes.changed.push(eob.id);
    } else {
      next.set(eob.id, eob);
    }
  }
  for (let k = 0; k < addCount && existing.length > 0; k++) {
    const clone = cloneClaim(rng.pick(existing), rng, load);
    next.set(clone.id, clone);
    changes.added.push(clone.id);
  }
  if (changes.added.length + changes.changed.length + changes.removed.length > 0) {
    data.eobs = next;
    data.version++;
    data.record = undefined;
  }
  return changes;
}

/** A claim id no fixture claim has, with the template's sign (synthetic data is negative, BFD's golden data positive). */
function newClaimId(rng: Rng, load: FixtureLoad, sign: number): string {
  let claimId: string;
  do {
    claimId = String(
      sign * (9_000_000_000 + (hash32(load.seed, 'fixture-claim', load.load, rng.u32()) % 900_000_000)),
    );
  } while (load.claimIds.has(claimId));
  load.claimIds.add(claimId);
  return claimId;
}

/** A new claim cloned from one of the patient's claims: new id, dates in the last two weeks. */
function cloneClaim(template: FhirResource, rng: Rng, load: FixtureLoad): FhirResource {
  const tx = isoTime(load.txMs);
  const type = template.id.slice(0, template.id.indexOf('-'));
  const oldClaimId = template.id.slice(template.id.indexOf('-') + 1);
  const claimId = newClaimId(rng, load, oldClaimId.startsWith('-') ? -1 : 1);
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
  redate(clone, rng, dayOf(load.txMs));
  return clone as FhirResource;
}

/** Moves the service dates into the two weeks before the load, keeping the period's length. */
function redate(clone: Record<string, unknown>, rng: Rng, txDay: number): void {
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
