/**
 * Sync state (src/jobs): runs, attempts, cursors and resumable progress.
 */
import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
} from 'drizzle-orm/pg-core';

import { tstz, tstzDefaultNow } from './columns.ts';
import { enrollments } from './enrollments.ts';

/** The enrollment a row belongs to: the row is deleted with it. */
const enrollmentIdColumn = () =>
  text('enrollment_id')
    .notNull()
    .references(() => enrollments.enrollment_id, { onDelete: 'cascade' });

/** Per enrollment: what operators need to see at a glance. */
export const syncState = pgTable(
  'sync_state',
  {
    enrollment_id: text('enrollment_id')
      .primaryKey()
      .references(() => enrollments.enrollment_id, { onDelete: 'cascade' }),
    last_success_at: tstz('last_success_at'),
    last_attempt_at: tstz('last_attempt_at'),
    consecutive_failures: integer('consecutive_failures').notNull().default(0),
    /** Completed syncs. */
    syncs_completed: integer('syncs_completed').notNull().default(0),
    last_full_sync_at: tstz('last_full_sync_at'),
    /** Analytics rows written by the last successful sync. */
    last_rows_written: integer('last_rows_written'),
    /** Resources held for this enrollment's patient, by type, after the last success. */
    resources_held: jsonb('resources_held'),
    /**
     * Full walks that would have removed too much (see RECONCILE_MAX_DELETE_SHARE), by resource
     * type: `{ unseen, held, at }`. Nothing was removed; the next sync is full, and removes only if
     * it finds the same.
     */
    reconcile_suspect: jsonb('reconcile_suspect'),
    /**
     * The oldest of the enrollment's cursors as an instant ('-infinity' when one is not an
     * instant); NULL while it has no ExplanationOfBenefit cursor, unless BB2 refuses it EOB
     * (`eob_forbidden_at`: its Patient and Coverage cursors are then all it syncs). Kept by
     * triggers on sync_cursors and enrollments.eob_forbidden_at (migrations 0028, 0029), so a
     * scheduled run finds who is behind BFD's transaction time with one index range scan
     * instead of reading everyone's cursors.
     */
    cursor_floor: tstz('cursor_floor'),
  },
  (t) => [index('sync_state_cursor_floor_idx').on(t.cursor_floor)],
);

/**
 * Incremental cursor per enrollment and resource type: the `Bundle.meta.lastUpdated` of the last
 * complete walk (BB2's advice), used as `_lastUpdated=gt<cursor>` next time.
 */
export const syncCursors = pgTable(
  'sync_cursors',
  {
    enrollment_id: enrollmentIdColumn(),
    resource_type: text('resource_type').notNull(),
    cursor: text('cursor').notNull(),
    updated_at: tstzDefaultNow('updated_at'),
  },
  (t) => [primaryKey({ columns: [t.enrollment_id, t.resource_type] })],
);

/**
 * A walk through one resource type in progress, committed with each page so a retry resumes at
 * the next page instead of starting over.
 */
export const syncProgress = pgTable(
  'sync_progress',
  {
    enrollment_id: enrollmentIdColumn(),
    resource_type: text('resource_type').notNull(),
    /** The attempt's job id: progress left by an older job is not resumed. */
    job_id: text('job_id').notNull(),
    full_sync: smallint('full_sync').notNull(),
    /** The `_lastUpdated` lower bound of this walk (NULL on a full pull). */
    since: text('since'),
    next_url: text('next_url'),
    pages_done: integer('pages_done').notNull().default(0),
    /** The newest Bundle.meta.lastUpdated seen so far in this walk. */
    bundle_last_updated: text('bundle_last_updated'),
    started_at: tstzDefaultNow('started_at'),
    updated_at: tstzDefaultNow('updated_at'),
  },
  (t) => [primaryKey({ columns: [t.enrollment_id, t.resource_type] })],
);

/** Ids returned during a full walk, to find what BB2 no longer returns (reconcile). */
export const syncSeen = pgTable(
  'sync_seen',
  {
    enrollment_id: enrollmentIdColumn(),
    resource_type: text('resource_type').notNull(),
    resource_id: text('resource_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.enrollment_id, t.resource_type, t.resource_id] })],
);

export const syncRuns = pgTable(
  'sync_runs',
  {
    run_id: text('run_id').primaryKey(),
    /** 'scheduled' | 'manual' | 'retry' */
    trigger: text('trigger').notNull(),
    requested_by: text('requested_by'),
    full_sync: smallint('full_sync').notNull().default(0),
    /** 'fanning_out' | 'running' | 'finished' */
    status: text('status').notNull(),
    started_at: tstzDefaultNow('started_at'),
    finished_at: tstz('finished_at'),
    enrollments_total: integer('enrollments_total').notNull().default(0),
    enrollments_ok: integer('enrollments_ok').notNull().default(0),
    enrollments_failed: integer('enrollments_failed').notNull().default(0),
    enrollments_skipped: integer('enrollments_skipped').notNull().default(0),
    resources_changed: integer('resources_changed').notNull().default(0),
    rows_written: integer('rows_written').notNull().default(0),
    resources_removed: integer('resources_removed').notNull().default(0),
    requests: integer('requests').notNull().default(0),
    /** BFD's transaction time the scheduled run planned against (NULL: not probed). */
    transaction_time: tstz('transaction_time'),
    /** Why enrollments were or were not included: counts by reason ({"new_load": 40, "up_to_date": 9}). */
    decisions: jsonb('decisions'),
    /** When the feeder expects the run's work to be done at the current budget and pace. */
    forecast_finish_at: tstz('forecast_finish_at'),
    /** Whether that forecast is before the next scheduled run (NULL: no schedule known). */
    forecast_fits: boolean('forecast_fits'),
  },
  (t) => [index('sync_runs_started_idx').on(t.started_at)],
);

/**
 * A run's counters while it runs, in shards: each outcome adds to the shard of its database
 * session (pg_backend_pid() % RUN_TALLY_SHARDS) instead of the run's one row, so concurrent syncs
 * do not queue on that row's lock. The run's own counters are set from these sums by the feeder
 * each tick and, exactly, when the run finishes (src/db/runs.ts). Tallies only grow while the run
 * runs, and go with their run (history retention). No foreign key, for the same reason as above.
 */
export const syncRunTallies = pgTable(
  'sync_run_tallies',
  {
    run_id: text('run_id').notNull(),
    shard: smallint('shard').notNull(),
    enrollments_ok: integer('enrollments_ok').notNull().default(0),
    enrollments_failed: integer('enrollments_failed').notNull().default(0),
    enrollments_skipped: integer('enrollments_skipped').notNull().default(0),
    resources_changed: integer('resources_changed').notNull().default(0),
    rows_written: integer('rows_written').notNull().default(0),
    resources_removed: integer('resources_removed').notNull().default(0),
    requests: integer('requests').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.run_id, t.shard] })],
);

/**
 * BFD's transaction times as learned from BB2 (Bundle.meta.lastUpdated of a probe search): one
 * row per distinct value, so the table is also the history of BFD's loads as we saw them.
 */
export const bfdTransactionTimes = pgTable('bfd_transaction_times', {
  transaction_time: tstz('transaction_time').primaryKey(),
  first_seen_at: tstzDefaultNow('first_seen_at'),
  last_seen_at: tstzDefaultNow('last_seen_at'),
});

/**
 * The enrollments a run covers, each with its final outcome once known. Setting an outcome is
 * idempotent (only a NULL outcome is set), so a job that runs twice counts once in its run.
 */
export const syncRunMembers = pgTable(
  'sync_run_members',
  {
    /**
     * No foreign keys here (migration 0028): a run's members are inserted in one statement that
     * selects them from `enrollments` after its run row was written, and per-row key checks were
     * a third of a million-member fan-out. Members go with their run (history retention) or their
     * enrollment's data (purge), deleted explicitly.
     */
    run_id: text('run_id').notNull(),
    enrollment_id: text('enrollment_id').notNull(),
    /** NULL while pending; then 'ok' | 'failed' | 'skipped'. */
    outcome: text('outcome'),
    finished_at: tstz('finished_at'),
    /** Why it is in the run: 'requested' | 'first_sync' | 'new_load' | 'reconcile' | 'all'. */
    reason: text('reason').notNull().default('all'),
    /** Feeding order, 1 first: requested, first syncs, new loads, reconciles. */
    priority: smallint('priority').notNull().default(3),
    /** 1: this member's sync is a full reconcile. */
    full_sync: smallint('full_sync').notNull().default(0),
    /** When the feeder handed its job to the queue (NULL: still held in Postgres). */
    queued_at: tstz('queued_at'),
  },
  (t) => [
    primaryKey({ columns: [t.run_id, t.enrollment_id] }),
    // Finished members only (failures, outcome counts): a fan-out writes none of it.
    index('sync_run_members_outcome_idx')
      .on(t.run_id, t.outcome)
      .where(sql`outcome IS NOT NULL`),
    // Members held in Postgres, in feeding order (the feeder).
    index('sync_run_members_unfed_idx')
      .on(t.priority, t.run_id, t.enrollment_id)
      .where(sql`queued_at IS NULL`),
    // Members handed to the queue and not finished yet (the janitor): about one feed window.
    index('sync_run_members_in_flight_idx')
      .on(t.queued_at)
      .where(sql`queued_at IS NOT NULL AND outcome IS NULL`),
  ],
);

/** One row per sync of one enrollment (per job attempt), with its outcome. */
export const syncAttempts = pgTable(
  'sync_attempts',
  {
    attempt_id: bigserial('attempt_id', { mode: 'number' }).primaryKey(),
    enrollment_id: enrollmentIdColumn(),
    /**
     * No foreign key (migration 0031): its check took a key-share lock on the run's row for every
     * attempt begun, so at hundreds of syncs a second each new lock needed a MultiXact with the
     * others. History retention deletes a run's attempts before the run.
     */
    run_id: text('run_id'),
    job_id: text('job_id').notNull(),
    /** 'running' | 'ok' | 'failed' | 'retrying' | 'skipped' */
    status: text('status').notNull(),
    full_sync: smallint('full_sync').notNull().default(0),
    started_at: tstzDefaultNow('started_at'),
    finished_at: tstz('finished_at'),
    duration_ms: integer('duration_ms'),
    requests: integer('requests').notNull().default(0),
    retries: integer('retries').notNull().default(0),
    resources_changed: integer('resources_changed').notNull().default(0),
    rows_written: integer('rows_written').notNull().default(0),
    resources_removed: integer('resources_removed').notNull().default(0),
    resources_quarantined: integer('resources_quarantined').notNull().default(0),
    /** Counts by resource type: {"ExplanationOfBenefit": {"inserted": 3, "unchanged": 40, ...}}. */
    counts: jsonb('counts'),
    error_category: text('error_category'),
    error_message: text('error_message'),
  },
  (t) => [
    index('sync_attempts_enrollment_idx').on(t.enrollment_id, t.started_at),
    index('sync_attempts_run_idx').on(t.run_id, t.status),
  ],
);
