/**
 * Job: bring one enrollment's claims up to date.
 *
 * For Patient (only when the demographic scope was granted), Coverage and ExplanationOfBenefit,
 * in that order, it walks BB2's search pages (`_count` = BB2_PAGE_SIZE, following `next` links):
 * - incremental by default: `_lastUpdated=gt<cursor>`, the cursor being the Bundle.meta.lastUpdated
 *   of the last complete walk (BB2's advice); the first sync, with no cursor, is a full pull;
 * - a full reconcile every SYNC_FULL_EVERY-th sync (or when asked) pulls everything and then
 *   removes the claims and coverages BB2 no longer returns (it has no feed of deletions).
 * Each page is normalized and written in one transaction together with the walk's position, so a
 * retry resumes at the next page without losing or repeating work; the cursor moves only when a
 * whole resource type is done.
 *
 * The payload holds ids only; everything else is read again here. The handler knows nothing of
 * BullMQ: src/workers maps its errors onto retries, rate limits and delays.
 */
import type { AccessGrant, TokenVault } from '../enrollment/vault.ts';
import { hasDemographicScope } from '../enrollment/vault.ts';
import {
  AccessTokenRejected,
  type FhirClient,
  type FhirPageText,
  type FhirResourceType,
} from '../bluebutton/fhir.ts';
import type { Pool } from '../db/client.ts';
import {
  addOutcome,
  emptyOutcome,
  ingestBatch,
  quarantineWrite,
  totalRowsWritten,
  type IngestOutcome,
} from '../db/ingest.ts';
import { finishSyncFailed, finishSyncSucceeded, startAttempt, type AttemptResult } from '../db/attempts.ts';
import { closeWalk, closeWalkSql, type CloseWalk } from '../db/reconcile.ts';
import { recordMemberOutcome } from '../db/runs.ts';
import { beginSync, endSync, pageProgressWrites, resetWalk, type WalkProgress } from '../db/walks.ts';
import { BbsyncError, classifyError, isTransient, RateLimitedError, ReauthRequiredError } from '../errors.ts';
import { noFailpoints, type Failpoint } from '../failpoints.ts';
import { NORMALIZER_VERSION } from '../fhir/normalize.ts';
import { readPage } from '../fhir/page.ts';
import { noGate, type Gate } from '../limit.ts';
import type { Logger } from '../logger.ts';

export const SYNC_JOB = 'sync-enrollment';

export interface SyncEnrollmentPayload {
  enrollmentId: string;
  /** The run this sync belongs to (its outcome is counted there). */
  runId?: string;
  /** Force a full reconcile. */
  full?: boolean;
}

export interface SyncDeps {
  pool: Pool;
  vault: TokenVault;
  fhir: FhirClient;
  log: Logger;
  /** Every Nth completed sync of an enrollment is a full reconcile. */
  fullEvery: number;
  failpoint?: Failpoint;
  /**
   * Limits how many pages this process writes at once. Fetching overlaps freely, but Postgres on
   * a small machine spends more on contention than it gains from more concurrent writers
   * (measured: 8 writers cost 56% more Postgres CPU per EOB than 2).
   */
  writeGate?: Gate;
}

export interface SyncJobContext {
  jobId: string;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  /** Aborted when the worker shuts down: the sync stops between pages, its progress saved. */
  signal?: AbortSignal;
}

export interface SyncResult {
  status: 'ok' | 'skipped';
  enrollmentId: string;
  full: boolean;
  requests: number;
  rowsWritten: number;
  removed: number;
  counts: Record<string, IngestOutcome & { quarantined: number; pages: number }>;
}

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

const RESOURCE_TYPES: readonly FhirResourceType[] = ['Patient', 'Coverage', 'ExplanationOfBenefit'];

export async function syncEnrollment(
  deps: SyncDeps,
  payload: SyncEnrollmentPayload,
  ctx: SyncJobContext,
): Promise<SyncResult> {
  const failpoint = deps.failpoint ?? noFailpoints;
  const writeGate = deps.writeGate ?? noGate;
  const { enrollmentId, runId } = payload;
  const log = deps.log.child({ job: SYNC_JOB, jobId: ctx.jobId, enrollmentId, attempt: ctx.attempt });
  const started = performance.now();

  // One sync per enrollment at a time, across all workers: a session lock held by this
  // connection for the job. It goes away with the connection if this process dies.
  const session = await deps.pool.connect();
  let attemptId: number | undefined;
  let requests = 0;
  let retries = 0;
  let full = false;
  const counts: SyncResult['counts'] = {};
  const totals = emptyOutcome();
  let removed = 0;
  let quarantined = 0;
  const attemptTotals = (): Omit<AttemptResult, 'status'> => ({
    requests,
    retries,
    resourcesChanged: totals.inserted + totals.updated,
    rowsWritten: totalRowsWritten(totals),
    resourcesRemoved: removed,
    resourcesQuarantined: quarantined,
    counts,
  });
  try {
    const start = await beginSync(session, enrollmentId);
    if (!start.locked) throw new EnrollmentBusyError(enrollmentId);
    const enrollment = start.enrollment;
    if (!enrollment || enrollment.status !== 'active') {
      log.info({ status: enrollment?.status ?? 'missing' }, 'sync skipped: enrollment is not active');
      if (runId && enrollment) {
        await recordMemberOutcome(deps.pool, runId, enrollmentId, 'skipped', {
          requests: 0,
          resourcesChanged: 0,
          rowsWritten: 0,
          resourcesRemoved: 0,
        });
      }
      return {
        status: 'skipped',
        enrollmentId,
        full: false,
        requests: 0,
        rowsWritten: 0,
        removed: 0,
        counts,
      };
    }

    full = Boolean(payload.full) || start.syncsCompleted % deps.fullEvery === 0;
    attemptId = await startAttempt(deps.pool, { enrollmentId, runId: runId ?? null, jobId: ctx.jobId, full });

    let grant: AccessGrant | undefined;
    const token = async (rejected?: string): Promise<AccessGrant> => {
      // Ask the vault again only when needed: near expiry, or after BB2 rejected the token.
      if (!grant || rejected || Date.parse(grant.expiresAt) - Date.now() < 60_000) {
        grant = await deps.vault.getAccessToken(enrollmentId, rejected ? { rejectedToken: rejected } : {});
      }
      return grant;
    };
    const types = RESOURCE_TYPES.filter((t) => t !== 'Patient' || hasDemographicScope(enrollment.scope));
    const walkEnd = (type: FhirResourceType, cursor: string | null): CloseWalk => ({
      enrollmentId,
      patientId: enrollment.patient_id,
      resourceType: type,
      full,
      cursor,
    });

    for (const type of types) {
      const typeCounts = { ...emptyOutcome(), quarantined: 0, pages: 0 };
      counts[type] = typeCounts;
      let progress: WalkProgress | undefined = start.progress[type];
      // Resume only this job's own walk (a retry); anything older starts over.
      if (progress && (progress.job_id !== ctx.jobId || Boolean(progress.full_sync) !== full)) {
        await resetWalk(deps.pool, enrollmentId, type);
        progress = undefined;
      }
      if (progress && progress.next_url === null) {
        // The last page was written but the walk was not closed: close it now.
        removed += await closeWalk(deps.pool, walkEnd(type, progress.bundle_last_updated));
        continue;
      }
      const since = progress ? progress.since : full ? null : (start.cursors[type] ?? null);
      let url: string | null = progress?.next_url ?? deps.fhir.searchUrl(type, since);
      let bundleLastUpdated = progress?.bundle_last_updated ?? null;

      while (url) {
        if (ctx.signal?.aborted) throw new SyncInterruptedError();
        let page: FhirPageText | undefined;
        const current = await token();
        try {
          requests++;
          page = await deps.fhir.getPageText(url, current.accessToken);
        } catch (err) {
          if (!(err instanceof AccessTokenRejected)) throw err;
          // One reactive refresh; a second 401 with a fresh token means the grant is gone.
          retries++;
          const renewed = await token(current.accessToken);
          try {
            requests++;
            page = await deps.fhir.getPageText(url, renewed.accessToken);
          } catch (again) {
            if (again instanceof AccessTokenRejected) {
              const reauth = new ReauthRequiredError('BB2 rejected a freshly refreshed access token (401)');
              await deps.vault.markReauthRequired(enrollmentId, reauth);
              throw reauth;
            }
            throw again;
          }
        }
        typeCounts.pages++;
        const { lastUpdated, next, seen, batch, rejects } = readPage(page.text, {
          patientId: enrollment.patient_id,
          source: new URL(url).pathname,
        });
        // The page's text is no longer needed: let it go before the write, which is where a sync
        // waits longest (memory per running sync stays at about one page of rows).
        page = undefined;
        bundleLastUpdated ??= lastUpdated;
        const outcome = await writeGate(() =>
          ingestBatch(deps.pool, batch, {
            normalizerVersion: NORMALIZER_VERSION,
            asyncCommit: true,
            alsoWrite: (w) => {
              quarantineWrite(w, rejects);
              pageProgressWrites(
                w,
                enrollmentId,
                type,
                {
                  job_id: ctx.jobId,
                  full_sync: full ? 1 : 0,
                  since,
                  next_url: next,
                  bundle_last_updated: bundleLastUpdated,
                },
                full ? seen : undefined,
              );
            },
            // The last page closes the walk in its own transaction: no state between the two.
            ...(next === null
              ? {
                  finalStatement: {
                    sql: closeWalkSql(walkEnd(type, bundleLastUpdated)),
                    onRows: (rows: (string | null)[][]) => (removed += Number(rows[0]?.[0] ?? 0)),
                  },
                }
              : {}),
          }),
        );
        // Only where the walk goes on (a last page closes its walk in the same commit).
        if (next !== null) failpoint('sync.after-page-commit');
        addOutcome(typeCounts, outcome);
        addOutcome(totals, outcome);
        typeCounts.quarantined += rejects.length;
        quarantined += rejects.length;
        if (rejects.length)
          log.warn({ resourceType: type, quarantined: rejects.length }, 'resources quarantined');
        url = next;
      }
    }

    const result: AttemptResult = { status: 'ok', ...attemptTotals() };
    await finishSyncSucceeded(deps.pool, {
      enrollmentId,
      patientId: enrollment.patient_id,
      attemptId,
      runId,
      full,
      result,
    });
    log.info(
      {
        outcome: 'ok',
        full,
        requests,
        retries,
        resources: Object.fromEntries(
          Object.entries(counts).map(([t, c]) => [
            t,
            { inserted: c.inserted, updated: c.updated, unchanged: c.unchanged, quarantined: c.quarantined },
          ]),
        ),
        rowsWritten: result.rowsWritten,
        removed,
        ms: Math.round(performance.now() - started),
      },
      'sync finished',
    );
    return { status: 'ok', enrollmentId, full, requests, rowsWritten: result.rowsWritten, removed, counts };
  } catch (err) {
    const { category, message } = classifyError(err);
    const handedBack = err instanceof EnrollmentBusyError || err instanceof SyncInterruptedError;
    const comesBack = handedBack || err instanceof RateLimitedError;
    const final = !comesBack && (!isTransient(err) || ctx.attempt >= ctx.maxAttempts);
    await finishSyncFailed(deps.pool, {
      enrollmentId,
      attemptId,
      runId,
      final,
      recordError: !handedBack,
      result: {
        status: final ? 'failed' : 'retrying',
        ...attemptTotals(),
        errorCategory: category,
        errorMessage: message,
      },
    }).catch(() => {});
    log[final ? 'error' : 'warn'](
      {
        outcome: final ? 'failed' : 'will retry',
        category,
        error: message,
        requests,
        retries,
        ms: Math.round(performance.now() - started),
      },
      'sync stopped',
    );
    throw err;
  } finally {
    await endSync(session).catch(() => {});
    session.release();
  }
}
