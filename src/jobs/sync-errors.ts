/** How a sync hands its job back without failing it: the worker retries these later, no attempt spent. */
import { BbsyncError } from '../errors.ts';

/** Another worker is syncing this enrollment right now: try again a little later. */
export class EnrollmentBusyError extends BbsyncError {
  constructor(enrollmentId: string) {
    super(`enrollment ${enrollmentId} is being synced by another worker`, 'rate_limited');
  }
}

/** The worker is shutting down; the sync stopped between pages with its progress saved. */
export class SyncInterruptedError extends BbsyncError {
  constructor() {
    super('the sync was interrupted by a shutdown; it resumes where it stopped', 'internal');
  }
}
