/**
 * Finding 5 of issue 12, end to end (real worker, emulator, Postgres, Redis, the real CLI): a
 * purge serializes with page writes and leaves no row naming the beneficiary, an unenroll
 * survives a crash, retention deletes what stayed inactive too long, and a full reconcile that
 * would wipe a patient waits for a second full walk to confirm.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createPool } from '../../src/db/client.ts';
import { lockEnrollmentForDelete, purgePatient } from '../../src/db/purge.ts';
import { retentionOverview } from '../../src/db/revocations.ts';
import { waitForRun } from '../../src/db/runs.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { capturingLogger, startTestEmulator } from '../helpers/bb2.ts';
import { createSyncWorld, type Enrolled, type SyncWorld } from '../helpers/sync-world.ts';
import { poll } from '../helpers/poll.ts';
import { runBbsync } from '../helpers/bbsync-cli.ts';

const client = {
  clientId: 'deletes',
  clientSecret: 'deletes-secret',
  redirectUris: ['http://127.0.0.1:3000/d/cb'],
};
let emulator: RunningEmulator;
let world: SyncWorld;
const captured = capturingLogger('info');

beforeAll(async () => {
  emulator = await startTestEmulator({ users: 12, seed: 23, clients: [client] });
  world = await createSyncWorld({
    emulator,
    clientId: 'deletes',
    users: [0, 1, 2, 3, 4, 5, 6],
    log: captured.log,
    label: 'safe_deletes',
    env: { RETENTION_DAYS_AFTER_REVOKE: '30' },
  });
  await world.startWorkers(2);
});

afterAll(async () => {
  await world?.close();
  await emulator?.close();
});

const user = (i: number): Enrolled => world.enrolled.find((e) => e.index === i)!;

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await world.tdb.pool.query<{ n: number }>(sql, params);
  return rows[0]!.n;
}

/** Every row that names the beneficiary (by patient id or enrollment id), by table. */
async function rowsNaming(e: Enrolled): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['claims', 'coverages', 'patients', 'fhir_resources', 'quarantined_resources']) {
    out[table] = await count(`SELECT count(*)::int AS n FROM ${table} WHERE patient_id = $1`, [e.patientId]);
  }
  for (const table of ['sync_state', 'sync_cursors', 'sync_progress', 'sync_seen', 'sync_run_members']) {
    out[table] = await count(`SELECT count(*)::int AS n FROM ${table} WHERE enrollment_id = $1`, [
      e.enrollmentId,
    ]);
  }
  out.sync_attempts_error_text = await count(
    'SELECT count(*)::int AS n FROM sync_attempts WHERE enrollment_id = $1 AND error_message IS NOT NULL',
    [e.enrollmentId],
  );
  out.enrollments = await count('SELECT count(*)::int AS n FROM enrollments WHERE patient_id = $1', [
    e.patientId,
  ]);
  return out;
}

const NOTHING = Object.fromEntries(
  [
    'claims',
    'coverages',
    'patients',
    'fhir_resources',
    'quarantined_resources',
    'sync_state',
    'sync_cursors',
    'sync_progress',
    'sync_seen',
    'sync_run_members',
    'sync_attempts_error_text',
    'enrollments',
  ].map((t) => [t, 0]),
);

function bbsync(args: string[], env: Record<string, string> = {}) {
  return runBbsync(args, { ...world.env, ...env });
}

describe('purge', () => {
  it('unenroll --purge leaves no row naming the beneficiary, and one audit entry', async () => {
    const e = user(0);
    await world.run({ enrollmentIds: [e.enrollmentId] });
    // An attempt with error text, as a failed sync leaves it.
    await world.tdb.pool.query(
      `UPDATE sync_attempts SET error_message = 'BB2 said 500 for patient ' || $2 WHERE enrollment_id = $1`,
      [e.enrollmentId, e.patientId],
    );
    expect((await rowsNaming(e)).claims).toBeGreaterThan(0);

    const result = await bbsync(['unenroll', e.enrollmentId, '--purge']);
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
    expect(await rowsNaming(e)).toEqual(NOTHING);
    const { rows } = await world.tdb.pool.query(
      `SELECT status, patient_id, data_purged_at IS NOT NULL AS purged FROM enrollments WHERE enrollment_id = $1`,
      [e.enrollmentId],
    );
    expect(rows[0]).toEqual({ status: 'revoked', patient_id: `purged:${e.enrollmentId}`, purged: true });
    expect(
      await count(`SELECT count(*)::int AS n FROM audit_log WHERE target = $1 AND action = 'revoke'`, [
        e.enrollmentId,
      ]),
    ).toBe(1);
  }, 180_000);

  it('a sync whose page write waits on a purge writes nothing once the purge commits', async () => {
    const e = user(1);
    // Connections of the test's own: the workers' pool is small and busy.
    const own = createPool(world.tdb.url, { max: 2 });
    const session = await own.connect();
    try {
      await session.query('BEGIN');
      // The purge holds the locks page writes take...
      await lockEnrollmentForDelete(session, e.enrollmentId);
      const run = await world.start({ enrollmentIds: [e.enrollmentId] });
      // ...until the sync's first page write is waiting on them.
      await poll(
        () =>
          count(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`, []),
        (n) => n > 0,
        'a page write waiting on the purge',
      );
      await session.query(
        `UPDATE enrollments SET status = 'revoked', revoked_at = now() WHERE enrollment_id = $1`,
        [e.enrollmentId],
      );
      await purgePatient(session, e.patientId, e.enrollmentId);
      await session.query('COMMIT');
      const finished = await waitForRun(world.tdb.pool, run.run_id, { timeoutMs: 60_000 });
      expect(finished).toMatchObject({ status: 'finished', enrollments_skipped: 1, enrollments_failed: 0 });
    } finally {
      session.release();
      await own.end();
    }
    const left = await rowsNaming(e);
    expect({ ...left, sync_attempts_error_text: 0 }).toEqual(NOTHING);
  });
});

describe('unenroll', () => {
  it('a crash between BB2 and the local purge leaves it revoking, and the next unenroll finishes it', async () => {
    const e = user(2);
    await world.run({ enrollmentIds: [e.enrollmentId] });
    const crashed = await bbsync(['unenroll', e.enrollmentId, '--purge'], {
      BBSYNC_FAILPOINTS: 'unenroll.after-bb2-revoke',
    });
    expect(crashed.signal).toBe('SIGKILL');
    const { rows } = await world.tdb.pool.query('SELECT status FROM enrollments WHERE enrollment_id = $1', [
      e.enrollmentId,
    ]);
    expect(rows[0].status).toBe('revoking');
    expect((await rowsNaming(e)).claims).toBeGreaterThan(0);

    const resumed = await bbsync(['unenroll', e.enrollmentId]);
    expect(resumed.code).toBe(0);
    expect(await rowsNaming(e)).toEqual(NOTHING);
    const audit = await world.tdb.pool.query(
      `SELECT details FROM audit_log WHERE target = $1 AND action = 'revoke'`,
      [e.enrollmentId],
    );
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].details).toMatchObject({ purged: true });
    // Two CLI processes: generous on a loaded machine.
  }, 180_000);
});

describe('retention', () => {
  it('deletes the data of an enrollment reauth_required for longer than RETENTION_DAYS_AFTER_REVOKE', async () => {
    const old = user(3);
    const recent = user(4);
    await world.run({ enrollmentIds: [old.enrollmentId, recent.enrollmentId] });
    await world.tdb.pool.query(
      `UPDATE enrollments SET status = 'reauth_required' WHERE enrollment_id = ANY($1)`,
      [[old.enrollmentId, recent.enrollmentId]],
    );
    // 31 days ago for one (the trigger set it to now; time is moved, not waited for).
    await world.tdb.pool.query(
      `ALTER TABLE enrollments DISABLE TRIGGER enrollments_status_changed;
       UPDATE enrollments SET status_changed_at = now() - interval '31 days' WHERE enrollment_id = '${old.enrollmentId}';
       ALTER TABLE enrollments ENABLE TRIGGER enrollments_status_changed;`,
    );
    // What the dashboard's retention tile shows, before and after.
    const before = await retentionOverview(world.tdb.pool, 30);
    expect(before.dueNow).toBe(1);
    await world.queues.maintenance.add('retention', {});
    await poll(
      () =>
        count(
          'SELECT count(*)::int AS n FROM enrollments WHERE enrollment_id = $1 AND data_purged_at IS NOT NULL',
          [old.enrollmentId],
        ),
      (n) => n === 1,
      'retention to purge',
    );
    expect(await rowsNaming(old)).toEqual(NOTHING);
    expect((await rowsNaming(recent)).claims).toBeGreaterThan(0);
    expect(await retentionOverview(world.tdb.pool, 30)).toEqual({
      days: 30,
      dueNow: 0,
      purged: before.purged + 1,
      heldInactive: before.heldInactive - 1,
    });
    expect(
      await count(`SELECT count(*)::int AS n FROM audit_log WHERE target = $1 AND actor = 'retention'`, [
        old.enrollmentId,
      ]),
    ).toBe(1);
  });
});

describe('reconcile', () => {
  it('a full walk that would remove all of a patient claims removes nothing until a second full walk confirms', async () => {
    const e = user(5);
    await world.run({ enrollmentIds: [e.enrollmentId] });
    const held = await count('SELECT count(*)::int AS n FROM claims WHERE patient_id = $1', [e.patientId]);
    expect(held).toBeGreaterThan(0);
    emulator.store.advance({
      userIndexes: [5],
      removedFraction: 1,
      changedFraction: 0,
      newClaimsFraction: 0,
    });

    const first = await world.run({ enrollmentIds: [e.enrollmentId], full: true });
    expect(first).toMatchObject({ enrollments_ok: 1, resources_removed: 0 });
    expect(await count('SELECT count(*)::int AS n FROM claims WHERE patient_id = $1', [e.patientId])).toBe(
      held,
    );
    const { rows } = await world.tdb.pool.query(
      `SELECT a.error_category, s.reconcile_suspect -> 'ExplanationOfBenefit' ->> 'unseen' AS unseen, e.last_error_category
         FROM sync_attempts a JOIN sync_state s USING (enrollment_id) JOIN enrollments e USING (enrollment_id)
        WHERE a.run_id = $1`,
      [first.run_id],
    );
    expect(rows[0]).toEqual({
      error_category: 'reconcile_suspect',
      unseen: String(held),
      last_error_category: 'reconcile_suspect',
    });

    // The next sync (not asked to be full) is full, finds the same, and confirms.
    const second = await world.run({ enrollmentIds: [e.enrollmentId] });
    expect(second).toMatchObject({ enrollments_ok: 1, resources_removed: held });
    expect(await count('SELECT count(*)::int AS n FROM claims WHERE patient_id = $1', [e.patientId])).toBe(0);
    expect(
      await count(
        'SELECT count(*)::int AS n FROM sync_state WHERE enrollment_id = $1 AND reconcile_suspect IS NOT NULL',
        [e.enrollmentId],
      ),
    ).toBe(0);
  });

  it('a full walk that finds nothing to remove clears a removal held back for its type and removes nothing', async () => {
    const e = user(6);
    await world.run({ enrollmentIds: [e.enrollmentId] });
    const claims = () => count('SELECT count(*)::int AS n FROM claims WHERE patient_id = $1', [e.patientId]);
    const held = await claims();
    expect(held).toBeGreaterThan(0);
    // As a full walk that found every claim gone would have left it (the one before found them all).
    await world.tdb.pool.query(
      `UPDATE sync_state SET reconcile_suspect = jsonb_build_object('ExplanationOfBenefit',
         jsonb_build_object('unseen', $2::int, 'held', $2::int, 'at', now()))
        WHERE enrollment_id = $1`,
      [e.enrollmentId, held],
    );

    // Held back, so this sync is full; BB2 returns every claim again: nothing is unseen.
    const run = await world.run({ enrollmentIds: [e.enrollmentId] });
    expect(run).toMatchObject({ enrollments_ok: 1, resources_removed: 0 });
    expect(await claims()).toBe(held);
    const { rows } = await world.tdb.pool.query(
      'SELECT a.full_sync, s.reconcile_suspect FROM sync_attempts a JOIN sync_state s USING (enrollment_id) WHERE a.run_id = $1',
      [run.run_id],
    );
    expect(rows).toEqual([{ full_sync: 1, reconcile_suspect: null }]);
  });
});
