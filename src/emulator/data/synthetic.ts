/**
 * The synthetic data store: `users` BB2-style synthetic beneficiaries, generated lazily and
 * deterministically from (seed, user index).
 *
 * Two layers:
 * - A per-user *plan* (which claims exist: type, id, dates, load time, revision). It is a few
 *   hundred bytes, cheap to derive from the seed, and is the only state `advance()` changes.
 *   Plans of users a load has changed are kept (pinned) for the life of the store; plans of
 *   untouched users are re-derived on demand.
 * - The FHIR content, built from a plan on `record()` and kept in an LRU of recent records.
 *   Evicting a record is always safe: rebuilding from the (possibly pinned) plan gives the same
 *   JSON, because every random choice is seeded by (seed, user, claim sequence, revision).
 */
import { LoadResult, nextTransactionMs, resolveAdvance } from './advance.ts';
import { buildEob } from './eob.ts';
import {
  MAX_USERS,
  claimIdScrambler,
  indexForUsername,
  passwordForIndex,
  patientIdForUser,
  userIndexForPatientId,
  usernameForIndex,
} from './ids.ts';
import { Lru } from './lru.ts';
import { PARTS, buildCoverage, coverageId } from './coverage.ts';
import { buildPatient } from './patient.ts';
import { makePerson } from './person.ts';
import { Rng } from './prng.ts';
import { ANCHOR_MS, LEGACY_LAST_UPDATED, isoTime } from './time.ts';
import type {
  AdvanceOptions,
  AdvanceResult,
  DataStore,
  FhirResource,
  PatientRecord,
  SyntheticUser,
} from './types.ts';
import { initialPlan, type UserPlan } from './user-plan.ts';
import { loadUser } from './weekly-load.ts';

export interface SyntheticStoreOptions {
  /** Number of users: BBUser00000 .. BBUser{users-1}. */
  users: number;
  seed: number;
  /** Clock for `advance()` (default: the wall clock). Initial data never depends on it. */
  now?: () => Date;
  /** Generated records kept in memory (LRU). Default 500 (a record is ~170 KB of heap, so ~90 MB). */
  cacheSize?: number;
}

export function makeUser(index: number): SyntheticUser {
  return Object.freeze({
    username: usernameForIndex(index),
    password: passwordForIndex(index),
    index,
    patientId: patientIdForUser(index),
  });
}

export class SyntheticStore implements DataStore {
  readonly userCount: number;
  private readonly seed: number;
  private readonly now: () => Date;
  private readonly claimId: (userIndex: number, seq: number) => string;
  private readonly pinned = new Map<number, UserPlan>();
  private readonly cache: Lru<number, PatientRecord>;
  private txMs = ANCHOR_MS;
  private loads = 0;

  constructor(options: SyntheticStoreOptions) {
    const { users, seed } = options;
    if (!Number.isInteger(users) || users < 0 || users > MAX_USERS) {
      throw new RangeError(`users must be an integer in 0..${MAX_USERS}`);
    }
    if (!Number.isFinite(seed)) throw new RangeError('seed must be a finite number');
    this.userCount = users;
    this.seed = seed;
    this.now = options.now ?? (() => new Date());
    this.claimId = claimIdScrambler(seed);
    this.cache = new Lru(options.cacheSize ?? 500);
  }

  transactionTime(): string {
    return isoTime(this.txMs);
  }

  userByIndex(index: number): SyntheticUser | undefined {
    return Number.isInteger(index) && index >= 0 && index < this.userCount ? makeUser(index) : undefined;
  }

  userByUsername(username: string): SyntheticUser | undefined {
    const index = indexForUsername(username);
    return index === undefined ? undefined : this.userByIndex(index);
  }

  userByPatientId(patientId: string): SyntheticUser | undefined {
    const index = userIndexForPatientId(patientId);
    return index === undefined ? undefined : this.userByIndex(index);
  }

  record(patientId: string): PatientRecord | undefined {
    const user = this.userByPatientId(patientId);
    if (!user) return undefined;
    const cached = this.cache.get(user.index);
    if (cached) return cached;
    const record = this.build(this.plan(user.index));
    this.cache.set(user.index, record);
    return record;
  }

  advance(options: AdvanceOptions = {}): AdvanceResult {
    const load = resolveAdvance(options, this.userCount);
    this.txMs = nextTransactionMs(this.now, this.txMs);
    this.loads++;
    const result = new LoadResult();
    for (const index of load.indexes) {
      // One stream per (load, user): the outcome for a user never depends on which other users
      // this load covers, or on what was read before.
      const rng = new Rng(this.seed, 'load', this.loads, index);
      const plan = this.plan(index);
      const loaded = loadUser(plan, rng, load, this.txMs, (seq) => this.claimId(index, seq));
      if (!loaded) continue;
      this.pinned.set(index, loaded.plan);
      this.cache.delete(index);
      result.note(plan.patientId, loaded.changes);
    }
    return result.result(isoTime(this.txMs));
  }

  // -------------------------------------------------------------------------------------------

  private plan(index: number): UserPlan {
    return this.pinned.get(index) ?? initialPlan(this.seed, index, (seq) => this.claimId(index, seq));
  }

  private build(plan: UserPlan): PatientRecord {
    const person = makePerson(this.seed, plan.index, plan.patientId, plan.legacyUser);
    const legacyIds = new Set<string>();
    if (plan.patientLegacy) {
      legacyIds.add(plan.patientId);
      for (const part of PARTS) legacyIds.add(coverageId(part, plan.patientId));
    }
    const patient = buildPatient(person, plan.patientLastUpdated, plan.referenceYear);
    const coverages: FhirResource[] = PARTS.map((part) =>
      buildCoverage(person, part, plan.patientLastUpdated, plan.referenceYear),
    );
    const eobs: FhirResource[] = plan.claims.map((claim) => {
      if (claim.legacy) legacyIds.add(claim.id);
      return buildEob({
        seed: this.seed,
        plan: claim,
        person,
        lastUpdated: claim.legacy ? LEGACY_LAST_UPDATED : isoTime(claim.lastUpdatedMs),
      });
    });
    return Object.freeze({
      patientId: plan.patientId,
      patient,
      coverages: Object.freeze(coverages),
      eobs: Object.freeze(eobs),
      legacyIds,
      version: plan.version,
    });
  }
}

export function createSyntheticStore(options: SyntheticStoreOptions): DataStore {
  return new SyntheticStore(options);
}
