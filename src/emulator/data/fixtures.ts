/**
 * Fixture mode (`bbsync emulator --fixtures DIR`): serve real BB2/BFD responses instead of
 * synthetic data. How DIR is read is in fixture-files.ts; what a simulated load does to the
 * fixtures is in fixture-loads.ts.
 *
 * Users: `BBUserNNNNN` logs in as the N-th patient id in sorted (string) order.
 */
import { LoadResult, resolveAdvance } from './advance.ts';
import { readFixtureDir, type PatientData } from './fixture-files.ts';
import { loadPatient, sortedEobs } from './fixture-loads.ts';
import { StoreBase, userRecord } from './store-base.ts';
import { isoTime } from './time.ts';
import type { AdvanceOptions, AdvanceResult, FhirResource, PatientRecord, SyntheticUser } from './types.ts';

export interface FixtureStoreOptions {
  dir: string;
  now?: () => Date;
  /** Seeds `advance()` (default 0). */
  seed?: number;
}

const PART_ORDER = ['part-a', 'part-b', 'part-c', 'part-d'];

function coverageOrder(id: string): number {
  const i = PART_ORDER.findIndex((p) => id.startsWith(`${p}-`));
  return i < 0 ? PART_ORDER.length : i;
}

function byCoveragePart(a: FhirResource, b: FhirResource): number {
  return coverageOrder(a.id) - coverageOrder(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class FixtureStore extends StoreBase {
  readonly userCount: number;
  private readonly patientIds: string[];
  private readonly byPatient: Map<string, PatientData>;
  private readonly seed: number;
  private readonly claimIds: Set<string>;

  constructor(options: FixtureStoreOptions) {
    const fixtures = readFixtureDir(options.dir);
    super(options.now ?? (() => new Date()), fixtures.newestMs);
    this.seed = options.seed ?? 0;
    this.byPatient = fixtures.byPatient;
    this.claimIds = fixtures.claimIds;
    this.patientIds = [...this.byPatient.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.userCount = this.patientIds.length;
  }

  userByIndex(index: number): SyntheticUser | undefined {
    const patientId = Number.isInteger(index) ? this.patientIds[index] : undefined;
    return patientId === undefined ? undefined : userRecord(index, patientId);
  }

  userByPatientId(patientId: string): SyntheticUser | undefined {
    if (!this.byPatient.has(patientId)) return undefined;
    return this.userByIndex(this.patientIds.indexOf(patientId));
  }

  record(patientId: string): PatientRecord | undefined {
    const data = this.byPatient.get(patientId);
    if (!data || !data.patient) return undefined;
    data.record ??= Object.freeze({
      patientId,
      patient: data.patient,
      coverages: Object.freeze([...data.coverages.values()].sort(byCoveragePart)),
      eobs: Object.freeze(sortedEobs(data.eobs)),
      legacyIds: new Set(data.legacyIds),
      version: data.version,
    });
    return data.record;
  }

  advance(options: AdvanceOptions = {}): AdvanceResult {
    const resolved = resolveAdvance(options, this.userCount);
    const txMs = this.nextLoad();
    const load = { options: resolved, txMs, seed: this.seed, load: this.loads, claimIds: this.claimIds };
    const result = new LoadResult();
    for (const index of resolved.indexes) {
      const patientId = this.patientIds[index];
      const data = patientId === undefined ? undefined : this.byPatient.get(patientId);
      if (!data || patientId === undefined) continue;
      result.note(patientId, loadPatient(data, load));
    }
    return result.result(isoTime(txMs));
  }
}

export function createFixtureStore(options: FixtureStoreOptions): FixtureStore {
  return new FixtureStore(options);
}
