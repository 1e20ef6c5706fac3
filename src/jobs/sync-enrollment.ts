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
import type { AccessGrant, TokenVault } from '../enrollment/tokens.ts';
import { hasDemographicScope } from '../enrollment/tokens.ts';
import type { FhirClient, FhirResourceType } from '../bluebutton/fhir.ts';
import { walkPages, type AccessTokenSource } from '../bluebutton/walk.ts';
import { samhsaSharedFromLinks } from '../bluebutton/api-version.ts';
import type { Pool } from '../db/client.ts';
import { foldV2CopyIntoV3 } from '../db/v2-to-v3.ts';
import { addOutcome, emptyOutcome, ingestBatch, quarantineWrite, type IngestOutcome } from '../db/ingest.ts';
import { finishSyncFailed, finishSyncSucceeded, startAttempt, type AttemptResult } from '../db/attempts.ts';
import { closeWalk, closeWalkSql, type CloseWalk } from '../db/reconcile.ts';
import { recordMemberOutcome } from '../db/runs.ts';
import {
  beginSync,
  endSync,
  pageProgressWrites,
  resetWalk,
  type SyncStart,
  type WalkProgress,
} from '../db/walks.ts';
import { BbsyncError, classifyError, isTransient, RateLimitedError } from '../errors.ts';
import { noFailpoints, type Failpoint } from '../failpoints.ts';
import { NORMALIZER_VERSION } from '../fhir/normalize.ts';
import { readPage, type NormalizedPage } from '../fhir/page.ts';
import { noGate, type Gate } from '../limit.ts';
import type { Logger } from '../logger.ts';
import { attemptTotals, logFinished, newTally, type Tally, type TypeCounts } from './sync-tally.ts';

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
  /** BB2_MAX_PAGES_PER_WALK: a walk with more pages fails as `paging_error`. */
  maxPagesPerWalk: number;
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
  counts: Record<string, TypeCounts>;
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

type ActiveEnrollment = NonNullable<SyncStart['enrollment']>;

/** Everything the walks of one sync share. */
interface SyncScope {
  deps: SyncDeps;
  ctx: SyncJobContext;
  enrollmentId: string;
  enrollment: ActiveEnrollment;
  start: SyncStart;
  tokens: AccessTokenSource;
  tally: Tally;
  log: Logger;
}

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
  try {
    const start = await beginSync(session, enrollmentId);
    if (!start.locked) throw new EnrollmentBusyError(enrollmentId);
    const enrollment = start.enrollment;
    if (!enrollment || enrollment.status !== 'active') {
      return await skipInactive(deps, payload, enrollment, log);
    }

    tally.full = Boolean(payload.full) || start.syncsCompleted === 0;
    attemptId = await startAttempt(deps.pool, {
      enrollmentId,
      runId: runId ?? null,
      jobId: ctx.jobId,
      full: tally.full,
    });
    const scope: SyncScope = {
      deps,
      ctx,
      enrollmentId,
      enrollment,
      start,
      tokens: accessTokens(deps.vault, enrollmentId, tally),
      tally,
      log,
    };
    for (const type of RESOURCE_TYPES) {
      if (type === 'Patient' && !hasDemographicScope(enrollment.scope)) continue;
      await syncResourceType(scope, type);
    }
    if (enrollment.api_version === 'v3') await foldV2Copy(deps, enrollmentId, enrollment.patient_id, log);

    const result: AttemptResult = { status: 'ok', ...attemptTotals(tally) };
    await finishSyncSucceeded(deps.pool, {
      enrollmentId,
      patientId: enrollment.patient_id,
      attemptId,
      runId,
      full: tally.full,
      result,
    });
    logFinished(log, tally, result, started);
    return {
      status: 'ok',
      enrollmentId,
      full: tally.full,
      requests: tally.requests,
      rowsWritten: result.rowsWritten,
      removed: tally.removed,
      counts: tally.counts,
    };
  } catch (caught) {
    // A request cut off by the shutdown signal is an interruption, whatever error it surfaced as.
    const err =
      ctx.signal?.aborted && !(caught instanceof SyncInterruptedError) ? new SyncInterruptedError() : caught;
    await recordStop(deps, { payload, ctx, attemptId, tally, log, started }, err);
    throw err;
  } finally {
    await endSync(session).catch(() => {});
    session.release();
  }
}

/** A beneficiary who moved from v2 to v3 is held once (src/db/v2-to-v3.ts). */
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

/** The enrollment is revoked or waits for re-consent (or is gone): nothing to sync. */
async function skipInactive(
  deps: SyncDeps,
  payload: SyncEnrollmentPayload,
  enrollment: SyncStart['enrollment'],
  log: Logger,
): Promise<SyncResult> {
  const { enrollmentId, runId } = payload;
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
    counts: {},
  };
}

/**
 * Access tokens for a walk from the vault, asked again only when needed: near expiry, or after
 * BB2 rejected the token (a reactive refresh, counted as a retry).
 */
function accessTokens(vault: TokenVault, enrollmentId: string, tally: Tally): AccessTokenSource {
  let grant: AccessGrant | undefined;
  return {
    async current() {
      if (!grant || Date.parse(grant.expiresAt) - Date.now() < 60_000) {
        grant = await vault.getAccessToken(enrollmentId);
      }
      return grant.accessToken;
    },
    async renew(rejected) {
      tally.retries++;
      grant = await vault.getAccessToken(enrollmentId, { rejectedToken: rejected });
      return grant.accessToken;
    },
    lost: (err) => vault.markReauthRequired(enrollmentId, err),
  };
}

/**
 * Walks one resource type: resumes this job's own walk where it stopped (a retry), else starts
 * from the cursor (incremental) or from scratch (full), writing each page with the walk's position.
 */
async function syncResourceType(scope: SyncScope, type: FhirResourceType): Promise<void> {
  const { deps, ctx, enrollmentId, tally } = scope;
  const typeCounts = { ...emptyOutcome(), quarantined: 0, pages: 0 };
  tally.counts[type] = typeCounts;
  let progress: WalkProgress | undefined = scope.start.progress[type];
  // Resume only this job's own walk (a retry); anything older starts over.
  if (progress && (progress.job_id !== ctx.jobId || Boolean(progress.full_sync) !== tally.full)) {
    await resetWalk(deps.pool, enrollmentId, type);
    progress = undefined;
  }
  if (progress && progress.next_url === null) {
    // The last page was written but the walk was not closed: close it now.
    tally.removed += await closeWalk(deps.pool, walkEnd(scope, type, progress.bundle_last_updated));
    return;
  }
  const since = progress ? progress.since : tally.full ? null : (scope.start.cursors[type] ?? null);
  let bundleLastUpdated = progress?.bundle_last_updated ?? null;

  const pages = walkPages({
    fhir: deps.fhir,
    firstUrl: progress?.next_url ?? deps.fhir.searchUrl(type, since, scope.enrollment.api_version),
    tokens: scope.tokens,
    read: (text, url) =>
      readPage(text, { patientId: scope.enrollment.patient_id, source: new URL(url).pathname }),
    beforePage: () => {
      if (ctx.signal?.aborted) throw new SyncInterruptedError();
    },
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    maxPages: deps.maxPagesPerWalk,
    onRequest: () => tally.requests++,
  });
  for await (const { page } of pages) {
    typeCounts.pages++;
    bundleLastUpdated ??= page.lastUpdated;
    if (type === 'ExplanationOfBenefit') await noteSamhsaChoice(scope, page);
    const outcome = await writePage(scope, type, page, { since, bundleLastUpdated });
    addOutcome(typeCounts, outcome);
    addOutcome(tally.totals, outcome);
    typeCounts.quarantined += page.rejects.length;
    tally.quarantined += page.rejects.length;
    if (page.rejects.length)
      scope.log.warn({ resourceType: type, quarantined: page.rejects.length }, 'resources quarantined');
  }
}

/** v3: what the EOB Bundle's links say about the beneficiary's SAMHSA choice, recorded when it changes. */
async function noteSamhsaChoice(scope: SyncScope, page: NormalizedPage): Promise<void> {
  if (scope.enrollment.api_version !== 'v3') return;
  const shared = samhsaSharedFromLinks(page.links);
  if (shared === undefined || shared === scope.enrollment.samhsa_shared) return;
  await scope.deps.vault.recordSamhsaShared(scope.enrollmentId, shared);
  scope.enrollment.samhsa_shared = shared;
}

function walkEnd(scope: SyncScope, type: FhirResourceType, cursor: string | null): CloseWalk {
  return {
    enrollmentId: scope.enrollmentId,
    patientId: scope.enrollment.patient_id,
    resourceType: type,
    full: scope.tally.full,
    cursor,
  };
}

/** One page's rows, its quarantined entries and the walk's position, in one transaction. */
async function writePage(
  scope: SyncScope,
  type: FhirResourceType,
  page: NormalizedPage,
  walk: { since: string | null; bundleLastUpdated: string | null },
): Promise<IngestOutcome> {
  const { deps, ctx, tally } = scope;
  const writeGate = deps.writeGate ?? noGate;
  const { next, seen, batch, rejects } = page;
  const outcome = await writeGate(() =>
    ingestBatch(deps.pool, batch, {
      normalizerVersion: NORMALIZER_VERSION,
      asyncCommit: true,
      alsoWrite: (w) => {
        quarantineWrite(w, rejects);
        pageProgressWrites(
          w,
          scope.enrollmentId,
          type,
          {
            job_id: ctx.jobId,
            full_sync: tally.full ? 1 : 0,
            since: walk.since,
            next_url: next,
            bundle_last_updated: walk.bundleLastUpdated,
          },
          tally.full ? seen : undefined,
        );
      },
      // The last page closes the walk in its own transaction: no state between the two.
      ...(next === null
        ? {
            finalStatement: {
              sql: closeWalkSql(walkEnd(scope, type, walk.bundleLastUpdated)),
              onRows: (rows: (string | null)[][]) => (tally.removed += Number(rows[0]?.[0] ?? 0)),
            },
          }
        : {}),
    }),
  );
  // Only where the walk goes on (a last page closes its walk in the same commit).
  if (next !== null) (deps.failpoint ?? noFailpoints)('sync.after-page-commit');
  return outcome;
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
  },
  err: unknown,
): Promise<void> {
  const { category, message } = classifyError(err);
  const handedBack = err instanceof EnrollmentBusyError || err instanceof SyncInterruptedError;
  const comesBack = handedBack || err instanceof RateLimitedError;
  const final = !comesBack && (!isTransient(err) || s.ctx.attempt >= s.ctx.maxAttempts);
  await finishSyncFailed(deps.pool, {
    enrollmentId: s.payload.enrollmentId,
    attemptId: s.attemptId,
    runId: s.payload.runId,
    final,
    recordError: !handedBack,
    result: {
      status: final ? 'failed' : 'retrying',
      ...attemptTotals(s.tally),
      errorCategory: category,
      errorMessage: message,
    },
  }).catch(() => {});
  s.log[final ? 'error' : 'warn'](
    {
      outcome: final ? 'failed' : 'will retry',
      category,
      error: message,
      requests: s.tally.requests,
      retries: s.tally.retries,
      ms: Math.round(performance.now() - s.started),
    },
    'sync stopped',
  );
}
