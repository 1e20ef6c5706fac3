/**
 * Job: bring one enrollment's claims up to date.
 *
 * For Patient (only when the demographic scope was granted), Coverage and ExplanationOfBenefit,
 * in that order, it walks BB2's search pages (`_count` = BB2_PAGE_SIZE, following `next` links):
 * - incremental by default: `_lastUpdated=gt<cursor>`, the cursor being the Bundle.meta.lastUpdated
 *   of the last complete walk (BB2's advice); the first sync, with no cursor, is a full pull;
 * - a full reconcile (when the run asks for it: its turn after a load, or an operator's `--full`)
 *   pulls everything and then removes the claims and coverages BB2 no longer returns (it has no
 *   feed of deletions).
 * Each page is normalized and written in one transaction together with the walk's position, so a
 * retry resumes at the next page without losing or repeating work; the cursor moves only when a
 * whole resource type is done.
 *
 * The payload holds ids only; everything else is read again here. The handler knows nothing of
 * BullMQ: src/workers maps its errors onto retries, rate limits and delays.
 */
import type { TokenVault } from '../enrollment/tokens.ts';
import { hasDemographicScope } from '../enrollment/tokens.ts';
import type { FhirClient, FhirResourceType } from '../bluebutton/fhir-reads.ts';
import type { Pool } from '../db/client.ts';
import { foldV2CopyIntoV3 } from '../db/v2-to-v3.ts';
import { syncInsuranceCard } from './sync-insurance-card.ts';
import { finishSyncFailed, finishSyncSucceeded, type AttemptResult } from '../db/attempts.ts';
import { markEobForbidden, recordMemberOutcome } from '../db/runs.ts';
import { beginSync, endSync } from '../db/walks.ts';
import {
  AppInactiveError,
  classifyError,
  EnrollmentNotActiveError,
  EobForbiddenError,
  GrantExpiredError,
  isTransient,
  RateLimitedError,
  ReauthRequiredError,
} from '../errors.ts';
import type { Failpoint } from '../failpoints.ts';
import type { NormalizedPage, PageContext } from '../fhir/page.ts';
import type { BatchWriter } from '../db/write-queue.ts';
import type { Logger } from '../logger.ts';
import { EnrollmentBusyError, SyncInterruptedError } from './sync-errors.ts';
import { attemptTotals, logFinished, newTally, type Tally, type TypeCounts } from './sync-tally.ts';
import { accessTokens, syncResourceType, writeHeldPages, type SyncScope } from './sync-walk.ts';

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
  /** A full reconcile removing more than this share of a patient's claims waits for confirmation. */
  reconcileMaxDeleteShare?: number;
  /** BB2_MAX_PAGES_PER_WALK: a walk with more pages fails as `paging_error`. */
  maxPagesPerWalk: number;
  failpoint?: Failpoint;
  /**
   * Writes a page (db/ingest.ts `ingestBatches` on `pool` when absent). The worker passes its write
   * queue (db/write-queue.ts): fetching overlaps freely, but at most SYNC_DB_WRITERS pages' transactions
   * run at once (Postgres on a small machine spends more on contention than it gains from more
   * concurrent writers), and pages that wait for one are written together
   * (docs/performance.md#figures-behind-the-code).
   */
  writeBatch?: BatchWriter;
  /**
   * Reads a page's body into rows (fhir/page.ts `readPage`); the worker passes one that runs on
   * worker threads (SYNC_PARSE_THREADS), to which the body's memory moves. Without it, pages are
   * read on this thread.
   */
  readPage?: (body: Uint8Array, ctx: PageContext) => Promise<NormalizedPage>;
  /** Told when a page read by `readPage` is committed (page-threads.ts `release`). */
  releasePage?: (page: NormalizedPage) => void;
  /** A ONE_TIME application (BB2_DATA_ACCESS_TYPE): a successful sync leaves the enrollment `completed`. */
  oneTime?: boolean;
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
  counts: Record<string, TypeCounts>;
}

const RESOURCE_TYPES: readonly FhirResourceType[] = ['Patient', 'Coverage', 'ExplanationOfBenefit'];

export async function syncEnrollment(
  deps: SyncDeps,
  payload: SyncEnrollmentPayload,
  ctx: SyncJobContext,
): Promise<SyncResult> {
  const { enrollmentId, runId } = payload;
  const log = deps.log.child({ job: SYNC_JOB, jobId: ctx.jobId, enrollmentId, attempt: ctx.attempt });
  const started = performance.now();
  const tally = newTally();

  // One sync per enrollment at a time, across all workers: a session lock held by this
  // connection for the job. It goes away with the connection if this process dies.
  const session = await deps.pool.connect();
  let attemptId: number | undefined;
  let scope: SyncScope | undefined;
  try {
    // The lock, the state, and the attempt when the sync goes ahead: one round trip. The attempt
    // is full when asked, on a first sync, or to confirm a reconcile held back last time.
    const start = await beginSync(session, enrollmentId, {
      runId: runId ?? null,
      jobId: ctx.jobId,
      full: Boolean(payload.full),
    });
    if (!start.locked) throw new EnrollmentBusyError(enrollmentId);
    const enrollment = start.enrollment;
    if (
      !enrollment ||
      enrollment.status !== 'active' ||
      enrollment.grant_ended ||
      start.attemptId === undefined
    ) {
      return await skipInactive(deps, payload, enrollment, log);
    }
    attemptId = start.attemptId;
    tally.full = start.full === true;
    scope = {
      deps,
      ctx,
      enrollmentId,
      enrollment,
      start,
      tokens: accessTokens(deps.vault, enrollmentId, tally, start.tokens),
      tally,
      log,
      held: [],
    };
    for (const type of RESOURCE_TYPES) await syncType(scope, type);
    await writeHeldPages(scope);
    if (enrollment.api_version === 'v3') await syncV3Extras(scope);

    const result: AttemptResult = { status: 'ok', ...attemptTotals(tally), ...suspectNote(tally) };
    await finishSyncSucceeded(deps.pool, {
      enrollmentId,
      patientId: enrollment.patient_id,
      attemptId,
      runId,
      full: tally.full,
      result,
      completed: deps.oneTime,
    });
    logFinished(log, tally, result, started);
    return okResult(enrollmentId, tally, result);
  } catch (caught) {
    // A request cut off by the shutdown signal is an interruption, whatever error it surfaced as.
    const err =
      ctx.signal?.aborted && !(caught instanceof SyncInterruptedError) ? new SyncInterruptedError() : caught;
    // Walks that finished before the failure keep their work: their last pages are written now.
    if (scope) await writeHeldPagesAfter(scope, err);
    if (err instanceof EnrollmentNotActiveError) {
      // Revoked or purged while this sync was running: it stops, and counts as skipped.
      await recordStop(deps, { payload, ctx, attemptId, tally, log, started, skipped: true }, err);
      return await skipInactive(deps, payload, { status: err.status }, log);
    }
    await recordStop(deps, { payload, ctx, attemptId, tally, log, started }, err);
    throw err;
  } finally {
    // A lock that cannot be released dies with its connection: destroy it instead of pooling it.
    const unlocked = await endSync(session).then(
      () => undefined,
      (err: unknown) => {
        log.warn({ ...classifyError(err) }, 'could not release the sync lock; closing its connection');
        return err instanceof Error ? err : new Error(String(err));
      },
    );
    session.release(unlocked);
  }
}

/**
 * One resource type's walk, when this enrollment may read it: Patient only with the demographic
 * scope, ExplanationOfBenefit not once BB2 refused it for good (the rest of the sync goes on).
 */
async function syncType(scope: SyncScope, type: FhirResourceType): Promise<void> {
  const { enrollment } = scope;
  if (type === 'Patient' && !hasDemographicScope(enrollment.scope)) return;
  if (type === 'ExplanationOfBenefit' && enrollment.eob_forbidden) return;
  try {
    await syncResourceType(scope, type);
  } catch (err) {
    if (!(err instanceof EobForbiddenError)) throw err;
    await markEobForbidden(scope.deps.pool, scope.enrollmentId);
    scope.log.warn(
      { condition: 'eob_forbidden', error: err.message },
      'BB2 refuses ExplanationOfBenefit to this enrollment: not asked again until it reconnects or an operator clears it',
    );
  }
}

function okResult(enrollmentId: string, tally: Tally, result: AttemptResult): SyncResult {
  return {
    status: 'ok',
    enrollmentId,
    full: tally.full,
    requests: tally.requests,
    rowsWritten: result.rowsWritten,
    removed: tally.removed,
    counts: tally.counts,
  };
}

/** A beneficiary who moved from v2 to v3 is held once (src/db/v2-to-v3.ts). */
/** v3 only: the Digital Insurance Card, then folding any v2 copy of this beneficiary into this one. */
async function syncV3Extras(scope: SyncScope): Promise<void> {
  const { deps, ctx, enrollmentId, enrollment, tally, log } = scope;
  tally.insuranceCard = await syncInsuranceCard(
    deps,
    { enrollmentId, patientId: enrollment.patient_id, scope: enrollment.scope },
    {
      tokens: scope.tokens,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
      onRequest: () => tally.requests++,
      interrupted: () => {
        if (ctx.signal?.aborted) throw new SyncInterruptedError();
      },
    },
  );
  await foldV2Copy(deps, enrollmentId, enrollment.patient_id, log);
}

async function foldV2Copy(
  deps: SyncDeps,
  enrollmentId: string,
  patientId: string,
  log: Logger,
): Promise<void> {
  const folded = await foldV2CopyIntoV3(deps.pool, { enrollmentId, patientId });
  if (folded.busy) log.info('a sync of this beneficiary’s v2 enrollment is running: the next sync folds it');
  else if (folded.v2Enrollments.length > 0) {
    log.info(
      {
        v2Enrollments: folded.v2Enrollments,
        duplicatesRemoved: folded.duplicatesRemoved,
        claimsMoved: folded.claimsMoved,
      },
      'folded the v2 copy of this beneficiary into its v3 enrollment',
    );
  }
}

/**
 * The enrollment is revoked, waits for re-consent, or is gone; or its data access grant has ended
 * (it becomes `expired` without a request to BB2): nothing to sync.
 */
async function skipInactive(
  deps: SyncDeps,
  payload: SyncEnrollmentPayload,
  enrollment: { status: string; grant_ended?: boolean } | undefined,
  log: Logger,
): Promise<SyncResult> {
  const { enrollmentId, runId } = payload;
  if (enrollment?.status === 'active' && enrollment.grant_ended) {
    await deps.vault.markReauthRequired(
      enrollmentId,
      new GrantExpiredError(
        'the data access grant has ended (access_grant_expiration): the beneficiary must connect again',
      ),
    );
    log.info({ status: 'expired' }, 'sync skipped: the data access grant has ended');
  } else log.info({ status: enrollment?.status ?? 'missing' }, 'sync skipped: enrollment is not active');
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
    counts: {},
  };
}

/**
 * Records why a sync stopped: its attempt, the enrollment's last error and (when it will not be
 * retried) its outcome in the run. A sync handed back (busy, shutdown) records no error.
 */
async function recordStop(
  deps: SyncDeps,
  s: {
    payload: SyncEnrollmentPayload;
    ctx: SyncJobContext;
    attemptId: number | undefined;
    tally: Tally;
    log: Logger;
    started: number;
    /** The enrollment stopped being active: the attempt is skipped, no error recorded. */
    skipped?: boolean;
  },
  err: unknown,
): Promise<void> {
  const { category, message } = classifyError(err);
  // BB2 refusing the whole application is the deployment's condition (the worker pauses the
  // queue): the job goes back unspent, and the enrollment records nothing.
  const appInactive = err instanceof AppInactiveError;
  const handedBack =
    s.skipped === true ||
    appInactive ||
    err instanceof EnrollmentBusyError ||
    err instanceof SyncInterruptedError;
  const comesBack = handedBack || err instanceof RateLimitedError;
  const final = !comesBack && (!isTransient(err) || s.ctx.attempt >= s.ctx.maxAttempts);
  // A lost grant leaves `active` whichever request found out (README "How the sync works").
  if (err instanceof ReauthRequiredError) {
    await deps.vault.markReauthRequired(s.payload.enrollmentId, err).catch(() => {});
  }
  await finishSyncFailed(deps.pool, {
    enrollmentId: s.payload.enrollmentId,
    attemptId: s.attemptId,
    runId: s.payload.runId,
    final,
    recordError: !handedBack,
    outcome: err instanceof GrantExpiredError ? 'skipped' : 'failed',
    result: {
      status: s.skipped ? 'skipped' : final ? 'failed' : 'retrying',
      ...attemptTotals(s.tally),
      errorCategory: category,
      errorMessage: message,
    },
  }).catch((recordErr: unknown) =>
    // The job's own error goes on to BullMQ; this one is only reported (the janitor closes the attempt).
    s.log.error(
      { ...classifyError(recordErr), attemptId: s.attemptId },
      'could not record why a sync stopped',
    ),
  );
  // One warn line for the whole deployment comes from the worker, not one per sync.
  s.log[final ? 'error' : appInactive ? 'debug' : 'warn'](
    {
      outcome: s.skipped ? 'skipped' : final ? 'failed' : 'will retry',
      category,
      error: message,
      requests: s.tally.requests,
      retries: s.tally.retries,
      ms: Math.round(performance.now() - s.started),
    },
    'sync stopped',
  );
}

/**
 * The held last pages of the walks that finished before `err` stopped the sync. Their failure
 * (the enrollment revoked meanwhile, Postgres gone) is only logged: the sync's own error is the
 * one reported, and the pages are fetched again by the next sync.
 */
async function writeHeldPagesAfter(scope: SyncScope, err: unknown): Promise<void> {
  try {
    await writeHeldPages(scope);
  } catch (writeErr) {
    scope.log.debug(
      { ...classifyError(writeErr), after: classifyError(err).category },
      'the last pages of the walks done before the sync stopped could not be written',
    );
  }
}

/** A sync that held back a reconcile succeeds, with the reason shown to operators. */
function suspectNote(tally: Tally): Pick<AttemptResult, 'errorCategory' | 'errorMessage'> {
  const held = Object.entries(tally.suspects);
  if (held.length === 0) return {};
  return {
    errorCategory: 'reconcile_suspect',
    errorMessage: `a full reconcile would have removed ${held
      .map(([type, s]) => `${s.unseen} of ${s.held} ${type}`)
      .join(', ')}; nothing was removed until a later full sync confirms`,
  };
}
