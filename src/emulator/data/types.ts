/**
 * The contract between the emulator's HTTP layer (src/emulator/server) and its data
 * (src/emulator/data). The HTTP layer never builds FHIR content; the data layer never speaks HTTP.
 *
 * Terminology:
 * - user: a synthetic login, `BBUser00000`..; `index` is its number.
 * - load: one simulated BFD data load (CCW -> BFD). Every resource carries the time of the load that
 *   last wrote it as `meta.lastUpdated`; the newest load's time is the "transaction time" that BB2
 *   puts in `Bundle.meta.lastUpdated`.
 */

/** A FHIR resource as JSON. The data layer owns its exact shape. */
export type FhirResource = { resourceType: string; id: string; meta?: { lastUpdated?: string } } & Record<
  string,
  unknown
>;

export interface SyntheticUser {
  /** `BBUser00000` .. */
  readonly username: string;
  /** `PW00000!` .. */
  readonly password: string;
  readonly index: number;
  /** BB2's id for the user's Patient, e.g. BBUser00000 -> `-19990000000001`. */
  readonly patientId: string;
}

/** Everything BB2 would serve for one patient, as of the newest load. */
export interface PatientRecord {
  readonly patientId: string;
  readonly patient: FhirResource;
  /** Coverage resources, in BB2's order (part-a, part-b, part-c, part-d). */
  readonly coverages: readonly FhirResource[];
  /** ExplanationOfBenefit resources, in BB2's order: by the unprefixed claim id compared as a string, then by claim type. */
  readonly eobs: readonly FhirResource[];
  /**
   * Ids of resources loaded before 2020-02-12: BFD stored no lastUpdated for them. They show
   * `meta.lastUpdated = 2020-01-01T00:00:00Z` but never match a `_lastUpdated` lower bound (gt/ge);
   * they do match a search that has only upper bounds (lt/le).
   */
  readonly legacyIds: ReadonlySet<string>;
  /** Bumped each time a load changes this patient's data, so the HTTP layer can cache pages per version. */
  readonly version: number;
}

export interface AdvanceOptions {
  /** Fraction of users (0..1) who receive 1-3 new claims. */
  newClaimsFraction?: number;
  /** Fraction of existing claims (0..1) that change: new amounts and a newer meta.lastUpdated. */
  changedFraction?: number;
  /** Fraction of existing claims (0..1) that disappear. */
  removedFraction?: number;
  /**
   * Fraction of existing final claims (0..1) adjusted: a new version (new id, same claim group,
   * new amounts; PDE: adjustment A or deletion D) and the old one turns `cancelled`.
   */
  adjustedFraction?: number;
  /** Fraction of existing final claims (0..1) cancelled without a replacement. */
  cancelledFraction?: number;
  /**
   * Restrict the load to these user indexes (default: all users the store knows). Users that were
   * never looked at are materialised first, so the result is the same whether or not they were read.
   */
  userIndexes?: readonly number[];
}

export interface AdvanceResult {
  /** The new load's time, ISO-8601 with milliseconds and `Z`. */
  readonly transactionTime: string;
  /** EOB ids, grouped by patient id. */
  readonly added: Readonly<Record<string, readonly string[]>>;
  readonly changed: Readonly<Record<string, readonly string[]>>;
  readonly removed: Readonly<Record<string, readonly string[]>>;
  /** New versions of existing claims (adjustments, PDE deletion records). */
  readonly versioned: Readonly<Record<string, readonly string[]>>;
  /** Claims whose status turned `cancelled` (superseded by a new version, or cancelled). */
  readonly cancelled: Readonly<Record<string, readonly string[]>>;
}

export interface DataStore {
  /** How many users can log in: BBUser00000 .. BBUser{count-1}. */
  readonly userCount: number;
  /** The transaction time of the newest load (BB2's `Bundle.meta.lastUpdated`). */
  transactionTime(): string;
  userByIndex(index: number): SyntheticUser | undefined;
  userByUsername(username: string): SyntheticUser | undefined;
  userByPatientId(patientId: string): SyntheticUser | undefined;
  /** The patient's current data; generated on first use and cached. Undefined for an unknown id. */
  record(patientId: string): PatientRecord | undefined;
  /**
   * The version `record` would carry, without generating the record (undefined for an unknown
   * id): the HTTP layer keys its cached pages on it, so a cached page needs no record.
   */
  recordVersion(patientId: string): number | undefined;
  /** Simulates BB2's weekly data load. Deterministic for a given seed and call sequence. */
  advance(options: AdvanceOptions): AdvanceResult;
}
