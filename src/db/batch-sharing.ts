/**
 * Which batches may be written in one transaction (ingest.ts `ingestBatches`): the rules the write
 * queue groups pages by (write-queue.ts) and `ingestBatches` checks again.
 */
import type { NormalizedResource } from '../model/resources.ts';
import type { BatchWrite, IngestOptions } from './ingest.ts';

/**
 * The batches of one transaction agree on what they share, and hold no patient twice unless they
 * are different walks of one sync.
 */
export function checkCombinable(writes: readonly BatchWrite[]): void {
  if (writes.length === 1) return;
  const first = writes[0]!.options;
  const patients: Set<string>[] = [];
  for (let i = 0; i < writes.length; i++) {
    const { batch, options } = writes[i]!;
    if (!sharedOptionsAgree(first, options)) {
      throw new Error(
        'batches written together must agree on normalizerVersion, asyncCommit and rewriteOnly',
      );
    }
    patients.push(batchPatients(batch, options));
    for (let j = 0; j < i; j++) {
      if (!mayShareTransaction(writes[j]!.options, patients[j]!, options, patients[i]!)) {
        throw new Error(
          'batches written together must not share a patient, unless they are different walks of one sync',
        );
      }
    }
  }
}

/**
 * Whether two batches may be written in one transaction: no patient in common, or pages of one
 * sync's different walks (a beneficiary's Patient, Coverage and EOB pages). Two batches that
 * share a patient otherwise could hold the same resource or write the same walk's progress.
 */
export function mayShareTransaction(
  a: IngestOptions,
  aPatients: ReadonlySet<string>,
  b: IngestOptions,
  bPatients: ReadonlySet<string>,
): boolean {
  if (
    a.walk !== undefined &&
    b.walk !== undefined &&
    a.walk !== b.walk &&
    a.activeEnrollment !== undefined &&
    a.activeEnrollment === b.activeEnrollment
  ) {
    return true;
  }
  for (const p of bPatients) if (aPatients.has(p)) return false;
  return true;
}

/** Whether two batches agree on the options that `ingestBatches` applies to all of its batches. */
export function sharedOptionsAgree(a: IngestOptions, b: IngestOptions): boolean {
  return (
    a.normalizerVersion === b.normalizerVersion &&
    Boolean(a.asyncCommit) === Boolean(b.asyncCommit) &&
    Boolean(a.rewriteOnly) === Boolean(b.rewriteOnly)
  );
}

/** The patients a batch locks: its resources' and `alsoLock`. */
export function batchPatients(batch: readonly NormalizedResource[], options: IngestOptions): Set<string> {
  const patients = new Set(options.alsoLock);
  for (const r of batch) patients.add(r.patientId);
  return patients;
}
