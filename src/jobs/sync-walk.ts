/**
 * One walk of a sync: the search pages of one resource type, from the cursor (incremental) or from
 * scratch (full), each page written in one transaction with the walk's position so a retry resumes
 * at the next page.
 */
import { samhsaSharedFromLinks } from '../bluebutton/api-version.ts';
import type { FhirResourceType } from '../bluebutton/fhir-reads.ts';
import { walkPages, type AccessTokenSource } from '../bluebutton/walk.ts';
import { supersededClaimsWrite } from '../db/claim-supersede.ts';
import {
  addOutcome,
  emptyOutcome,
  ingestBatches,
  type BatchWrite,
  type FinalStatement,
  type IngestOptions,
  type IngestOutcome,
} from '../db/ingest.ts';
import { quarantineWrite } from '../db/quarantine.ts';
import {
  closeWalk,
  closeWalkStatement,
  unseenCountSql,
  walkClosed,
  type CloseWalk,
  type WalkClosed,
} from '../db/reconcile.ts';
import { pageProgressWrites, resetWalk, type SyncStart, type WalkProgress } from '../db/walks.ts';
import type { TokenRow } from '../enrollment/token-rows.ts';
import type { AccessGrant, TokenVault } from '../enrollment/tokens.ts';
import { noFailpoints } from '../failpoints.ts';
import { NORMALIZER_VERSION } from '../fhir/normalize.ts';
import { readPage, type NormalizedPage } from '../fhir/page.ts';
import type { Logger } from '../logger.ts';
import type { SyncDeps, SyncJobContext } from './sync-enrollment.ts';
import { SyncInterruptedError } from './sync-errors.ts';
import type { Tally } from './sync-tally.ts';

type ActiveEnrollment = NonNullable<SyncStart['enrollment']>;

/** Everything the walks of one sync share. */
export interface SyncScope {
  deps: SyncDeps;
  ctx: SyncJobContext;
  enrollmentId: string;
  enrollment: ActiveEnrollment;
  start: SyncStart;
  tokens: AccessTokenSource;
  tally: Tally;
  log: Logger;
  /**
   * Walks' last pages not written yet. Each goes with the sync's next page write, or is written
   * when the walks end (`writeHeldPages`): a beneficiary's Patient, Coverage and first EOB pages
   * then commit in one transaction instead of three, and nothing waits for a walk's close before
   * the next walk (another resource type's) begins. Lost in a crash, a held page is fetched again:
   * its walk had not closed.
   */
  held: PageWrite[];
}

/** A page's write, and what to do with its outcome once committed. */
interface PageWrite extends BatchWrite {
  committed: (outcome: IngestOutcome) => void;
}

/**
 * Access tokens for a walk from the vault, asked again only when needed: near expiry, or after
 * BB2 rejected the token (a reactive refresh, counted as a retry). The first comes from `stored`,
 * the token columns the sync read with its lock, when given.
 */
export function accessTokens(
  vault: TokenVault,
  enrollmentId: string,
  tally: Tally,
  stored?: TokenRow,
): AccessTokenSource {
  let grant: AccessGrant | undefined;
  let first = stored;
  return {
    async current() {
      if (!grant || Date.parse(grant.expiresAt) - Date.now() < 60_000) {
        grant = await vault.getAccessToken(enrollmentId, first ? { stored: first } : {});
        first = undefined;
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
export async function syncResourceType(scope: SyncScope, type: FhirResourceType): Promise<void> {
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
    countClosed(scope, type, await closeWalk(deps.pool, walkEnd(scope, type, progress.bundle_last_updated)));
    return;
  }
  const since = progress ? progress.since : tally.full ? null : (scope.start.cursors[type] ?? null);
  const resumed = progress !== undefined;
  let bundleLastUpdated = progress?.bundle_last_updated ?? null;

  const pages = walkPages({
    fhir: deps.fhir,
    firstUrl: progress?.next_url ?? deps.fhir.searchUrl(type, since, scope.enrollment.api_version),
    tokens: scope.tokens,
    read: (body, url) => {
      const pageCtx = { patientId: scope.enrollment.patient_id, source: new URL(url).pathname };
      return deps.readPage ? deps.readPage(body, pageCtx) : readPage(body, pageCtx);
    },
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
    const write: PageWrite = {
      ...pageWrite(scope, type, page, {
        since,
        bundleLastUpdated,
        // Every page before the last wrote progress, and a resumed walk has some stored.
        nothingToForget: !resumed && typeCounts.pages === 1,
      }),
      committed: (outcome) => {
        // Committed, so Postgres has read every byte of its rows: their memory goes back to the
        // thread that read the page. (A page whose write failed keeps it: the socket may not be
        // done with it.)
        deps.releasePage?.(page);
        addOutcome(typeCounts, outcome);
        addOutcome(tally.totals, outcome);
        typeCounts.quarantined += page.rejects.length;
        tally.quarantined += page.rejects.length;
        if (page.rejects.length)
          scope.log.warn({ resourceType: type, quarantined: page.rejects.length }, 'resources quarantined');
      },
    };
    if (page.next === null) {
      // The walk's last page (it closes the walk): written with the sync's next page.
      scope.held.push(write);
      continue;
    }
    await writePages(scope, [...scope.held.splice(0), write]);
    (deps.failpoint ?? noFailpoints)('sync.after-page-commit');
  }
}

/** Writes the walks' last pages still held (see SyncScope `held`). */
export async function writeHeldPages(scope: SyncScope): Promise<void> {
  if (scope.held.length > 0) await writePages(scope, scope.held.splice(0));
}

/**
 * Pages of one sync's different walks, in one transaction where the writer allows: the worker's
 * write queue groups them (and may add other beneficiaries' pages); without it, ingestBatches.
 * Every page settles before the first failure is thrown, each committed page counted.
 */
async function writePages(scope: SyncScope, writes: readonly PageWrite[]): Promise<void> {
  const { deps } = scope;
  if (!deps.writeBatch) {
    const outcomes = await ingestBatches(deps.pool, writes);
    for (let i = 0; i < writes.length; i++) writes[i]!.committed(outcomes[i]!);
    return;
  }
  const write = deps.writeBatch;
  const settled = await Promise.allSettled(
    write.many ? write.many(writes) : writes.map((w) => write(w.batch, w.options)),
  );
  let failure: { reason: unknown } | undefined;
  for (let i = 0; i < writes.length; i++) {
    const result = settled[i]!;
    if (result.status === 'fulfilled') writes[i]!.committed(result.value);
    else failure ??= result;
  }
  if (failure) throw failure.reason;
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
    maxDeleteShare: scope.deps.reconcileMaxDeleteShare,
  };
}

function countClosed(scope: SyncScope, type: FhirResourceType, closed: WalkClosed): void {
  scope.tally.removed += closed.removed;
  if (closed.suspect) {
    scope.tally.suspects[type] = closed.suspect;
    scope.log.warn(
      { resourceType: type, category: 'reconcile_suspect', ...closed.suspect },
      'full reconcile held back: it would have removed too much; the next full sync confirms',
    );
  }
}

/**
 * The walk's close, for its last page's transaction. A reconciling close first counts, once the
 * page holds the patient's lock, what it would find unseen; with nothing unseen (every first
 * sync, most full ones) it leaves its deletes out.
 */
function lastPageClose(
  scope: SyncScope,
  type: FhirResourceType,
  walk: { cursor: string | null; nothingToForget: boolean },
  seen: readonly string[],
): Pick<IngestOptions, 'finalStatement' | 'lockedRead' | 'alsoLock' | 'cursor'> {
  // The cursor goes with the page's batch (IngestOptions `cursor`), the close leaves it alone.
  const close: CloseWalk = {
    ...walkEnd(scope, type, null),
    ...(scope.tally.full ? { lastPageSeen: seen } : {}),
    nothingToForget: walk.nothingToForget,
    noneHeld: !scope.start.reconcileSuspect,
  };
  const cursor = { enrollmentId: scope.enrollmentId, resourceType: type, cursor: walk.cursor };
  const onRows = (rows: (string | null)[][]) => countClosed(scope, type, walkClosed(rows[0] ?? []));
  const final = (sql: string | undefined): FinalStatement | undefined =>
    sql === undefined ? undefined : { sql, onRows };
  const lockedRead = unseenCountSql(close);
  if (lockedRead === undefined) {
    const statement = final(closeWalkStatement(close));
    return statement ? { cursor, finalStatement: statement } : { cursor };
  }
  return {
    cursor,
    lockedRead,
    // The count must run under the patient's lock even when the page holds no resources.
    alsoLock: [scope.enrollment.patient_id],
    finalStatement: (read) => final(closeWalkStatement(close, { nothingUnseen: read?.unseen === 0 })),
  };
}

/** One page's rows, its quarantined entries and the walk's position (or close), for one transaction. */
function pageWrite(
  scope: SyncScope,
  type: FhirResourceType,
  page: NormalizedPage,
  walk: {
    since: string | null;
    bundleLastUpdated: string | null;
    /** The walk has no progress or seen ids stored (see CloseWalk `nothingToForget`). */
    nothingToForget: boolean;
  },
): BatchWrite {
  const { ctx, tally } = scope;
  const { next, seen, batch, rejects } = page;
  return {
    batch,
    options: {
      normalizerVersion: NORMALIZER_VERSION,
      asyncCommit: true,
      activeEnrollment: scope.enrollmentId,
      walk: type,
      alsoWrite: (w) => {
        quarantineWrite(w, rejects);
        // v3: a new claim version takes the old one out of the counts now, not at the next reconcile.
        supersededClaimsWrite(w, batch);
        // The last page closes the walk in its transaction, which forgets the walk's progress and
        // seen ids: it writes neither, and its ids go to the close as they are.
        if (next === null) return;
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
        ? lastPageClose(
            scope,
            type,
            { cursor: walk.bundleLastUpdated, nothingToForget: walk.nothingToForget },
            seen,
          )
        : {}),
    },
  };
}
