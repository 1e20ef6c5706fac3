/**
 * The counters of one sync (requests, retries, rows, removals, quarantine, per resource type): what
 * its attempt record, its log line and its result report.
 */
import type { AttemptResult } from '../db/attempts.ts';
import { emptyOutcome, totalRowsWritten, type IngestOutcome } from '../db/ingest.ts';
import type { Logger } from '../logger.ts';
import type { InsuranceCardOutcome } from './sync-insurance-card.ts';

export type TypeCounts = IngestOutcome & { quarantined: number; pages: number };

/** What one sync has done so far, for its attempt record, its log line and its result. */
export interface Tally {
  full: boolean;
  requests: number;
  retries: number;
  removed: number;
  /** Full walks that held back their deletes, by resource type (see db/reconcile.ts). */
  suspects: Record<string, { unseen: number; held: number }>;
  quarantined: number;
  totals: IngestOutcome;
  counts: Record<string, TypeCounts>;
  /** v3: what became of the Digital Insurance Card (sync-insurance-card.ts). */
  insuranceCard?: InsuranceCardOutcome;
}

export function newTally(): Tally {
  return {
    full: false,
    requests: 0,
    retries: 0,
    removed: 0,
    suspects: {},
    quarantined: 0,
    totals: emptyOutcome(),
    counts: {},
  };
}

export function attemptTotals(tally: Tally): Omit<AttemptResult, 'status'> {
  return {
    requests: tally.requests,
    retries: tally.retries,
    resourcesChanged: tally.totals.inserted + tally.totals.updated,
    rowsWritten: totalRowsWritten(tally.totals),
    resourcesRemoved: tally.removed,
    resourcesQuarantined: tally.quarantined,
    counts: tally.counts,
  };
}

export function logFinished(log: Logger, tally: Tally, result: AttemptResult, started: number): void {
  log.info(
    {
      outcome: 'ok',
      full: tally.full,
      requests: tally.requests,
      retries: tally.retries,
      resources: Object.fromEntries(
        Object.entries(tally.counts).map(([t, c]) => [
          t,
          { inserted: c.inserted, updated: c.updated, unchanged: c.unchanged, quarantined: c.quarantined },
        ]),
      ),
      rowsWritten: result.rowsWritten,
      removed: tally.removed,
      ...(tally.insuranceCard ? { insuranceCard: tally.insuranceCard } : {}),
      ms: Math.round(performance.now() - started),
    },
    'sync finished',
  );
}
