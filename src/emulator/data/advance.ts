/** What both stores' `advance()` share: option handling, the load's clock and its result. */
import { compareEobIds } from './claims.ts';
import type { AdvanceOptions, AdvanceResult } from './types.ts';

/** Defaults for {@link AdvanceOptions}, per weekly load. */
export const DEFAULT_ADVANCE = {
  newClaimsFraction: 0.2,
  changedFraction: 0.02,
  removedFraction: 0.005,
  adjustedFraction: 0.01,
  cancelledFraction: 0.002,
} as const;

export interface ResolvedAdvance {
  readonly newClaimsFraction: number;
  readonly changedFraction: number;
  readonly removedFraction: number;
  readonly adjustedFraction: number;
  readonly cancelledFraction: number;
  /** Sorted, deduplicated user indexes. */
  readonly indexes: readonly number[];
}

function fraction(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new RangeError(`${name} must be a number between 0 and 1 (got ${String(value)})`);
  }
  return value;
}

/** Validates options; throws RangeError for a fraction outside 0..1 or an unknown user index. */
export function resolveAdvance(options: AdvanceOptions, userCount: number): ResolvedAdvance {
  const newClaimsFraction = fraction(
    'newClaimsFraction',
    options.newClaimsFraction,
    DEFAULT_ADVANCE.newClaimsFraction,
  );
  const changedFraction = fraction(
    'changedFraction',
    options.changedFraction,
    DEFAULT_ADVANCE.changedFraction,
  );
  const removedFraction = fraction(
    'removedFraction',
    options.removedFraction,
    DEFAULT_ADVANCE.removedFraction,
  );
  // Defaults give way to explicit fractions: changedFraction 1 alone is still valid.
  const left = Math.max(0, 1 - changedFraction - removedFraction);
  const adjustedFraction = fraction(
    'adjustedFraction',
    options.adjustedFraction,
    Math.min(DEFAULT_ADVANCE.adjustedFraction, left),
  );
  const cancelledFraction = fraction(
    'cancelledFraction',
    options.cancelledFraction,
    Math.min(DEFAULT_ADVANCE.cancelledFraction, Math.max(0, left - adjustedFraction)),
  );
  if (changedFraction + removedFraction + adjustedFraction + cancelledFraction > 1) {
    throw new RangeError(
      'changedFraction + removedFraction + adjustedFraction + cancelledFraction must not exceed 1',
    );
  }
  let indexes: number[];
  if (options.userIndexes) {
    for (const i of options.userIndexes) {
      if (!Number.isInteger(i) || i < 0 || i >= userCount) {
        throw new RangeError(`unknown user index ${String(i)}`);
      }
    }
    indexes = [...new Set(options.userIndexes)].sort((a, b) => a - b);
  } else {
    indexes = Array.from({ length: userCount }, (_, i) => i);
  }
  return {
    newClaimsFraction,
    changedFraction,
    removedFraction,
    adjustedFraction,
    cancelledFraction,
    indexes,
  };
}

/** The next transaction time: max(now, previous + 1 s). */
export function nextTransactionMs(now: () => Date, previousMs: number): number {
  const nowMs = now().getTime();
  return Math.max(Number.isFinite(nowMs) ? nowMs : 0, previousMs + 1000);
}

/** The EOB ids one load added, changed, removed, versioned and cancelled for one user. */
export interface UserChanges {
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
  /** New versions of existing claims (adjustments, PDE deletion records). */
  readonly versioned: string[];
  readonly cancelled: string[];
}

export function emptyChanges(): UserChanges {
  return { added: [], changed: [], removed: [], versioned: [], cancelled: [] };
}

export function hasChanges(c: UserChanges): boolean {
  return c.added.length + c.changed.length + c.removed.length + c.versioned.length + c.cancelled.length > 0;
}

/** A load's {@link AdvanceResult}, filled in user by user. */
export class LoadResult {
  private readonly added: Record<string, string[]> = {};
  private readonly changed: Record<string, string[]> = {};
  private readonly removed: Record<string, string[]> = {};
  private readonly versioned: Record<string, string[]> = {};
  private readonly cancelled: Record<string, string[]> = {};

  /** Records one user's changes (new ids in BB2's order); users with no change of a kind are left out. */
  note(patientId: string, c: UserChanges): void {
    if (c.added.length) this.added[patientId] = c.added.sort(compareEobIds);
    if (c.changed.length) this.changed[patientId] = c.changed;
    if (c.removed.length) this.removed[patientId] = c.removed;
    if (c.versioned.length) this.versioned[patientId] = c.versioned.sort(compareEobIds);
    if (c.cancelled.length) this.cancelled[patientId] = c.cancelled;
  }

  result(transactionTime: string): AdvanceResult {
    const { added, changed, removed, versioned, cancelled } = this;
    return { transactionTime, added, changed, removed, versioned, cancelled };
  }
}
