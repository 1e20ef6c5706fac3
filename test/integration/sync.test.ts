/**
 * The sync engine end to end: real Redis, real Postgres, real BullMQ workers (in this process and
 * as separate `bbsync worker` processes) against the emulator. Expected contents are computed from
 * what the emulator serves, never from our own tables.
 *
 * Every test builds its own emulator and deployment (database, queue prefix, enrollments), so each
 * runs alone (`npx vitest run test/integration/sync.test.ts -t '<name>'`) and in any order.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

import type { RunningEmulator } from '../../src/emulator/index.ts';
import type { FhirResource } from '../../src/emulator/data/types.ts';
import { getRun, waitForRun } from '../../src/db/runs.ts';
import { capturingLogger, leakedTokens, startTestEmulator } from '../helpers/bb2.ts';
import { createSyncWorld, exited, type SyncWorld } from '../helpers/sync-world.ts';
import { dumpAnalytics, rowVersions } from '../helpers/tables.ts';

const USERS = Array.from({ length: 20 }, (_, i) => i);
const CLIENTS = ['sync', 'reference'].map((clientId) => ({
  clientId,
  clientSecret: `${clientId}-secret`,
  redirectUris: [`http://127.0.0.1:3000/${clientId}/callback`],
}));

let emulator: RunningEmulator;
const toClose: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const close of toClose.splice(0).reverse()) await close();
});

/**
 * This test's own emulator (seed 11, 40 users) and a deployment with `users` enrolled through the
 * real forms; both are closed after the test. `workers` starts in-process workers.
 */
async function setUp(
  label: string,
  options: { users?: readonly number[]; env?: Record<string, string>; workers?: number } = {},
): Promise<{ world: SyncWorld; log: ReturnType<typeof capturingLogger> }> {
  emulator = await startTestEmulator({ users: 40, seed: 11, clients: CLIENTS });
  const em = emulator;
  toClose.push(() => em.close());
  const log = capturingLogger('info');
  const world = await createSyncWorld({
    emulator,
    clientId: 'sync',
    users: options.users ?? USERS,
    log: log.log,
    label,
    ...(options.env ? { env: options.env } : {}),
  });
  toClose.push(() => world.close());
  if (options.workers) await world.startWorkers(options.workers);
  return { world, log };
}

/** The tables a fault-free sync of the same users leaves: a second deployment, synced once. */
async function faultFreeTables(users: readonly number[] = USERS) {
  const reference = await createSyncWorld({
    emulator,
    clientId: 'reference',
    users,
    log: capturingLogger('info').log,
    label: 'sync_reference',
  });
  try {
    await reference.startWorkers(4);
    expect(await reference.run()).toMatchObject({ enrollments_ok: users.length, enrollments_failed: 0 });
    return await dumpAnalytics(reference.tdb.pool, { withoutRawJson: true });
  } finally {
    await reference.close();
  }
}

/** How many of the world's beneficiaries have more than ten EOBs (an EOB walk of several pages). */
function eobPagesOverOne(world: SyncWorld): number {
  return world.enrolled.filter((e) => emulator.store.record(e.patientId)!.eobs.length > 10).length;
}

/** What BB2 serves for a patient right now: claim ids, money and line counts, from the raw JSON. */
function served(patientId: string) {
  const record = emulator.store.record(patientId)!;
  const claims = new Map<string, { paymentCents: number; lines: number }>();
  for (const eob of record.eobs) {
    const items = (eob.item ?? []) as {
      adjudication?: { category?: { coding?: { code?: string }[] }; amount?: { value?: number } }[];
    }[];
    let cents: number;
    if (eob.id.startsWith('pde-')) {
      cents = 0;
      for (const item of items) {
        for (const adj of item.adjudication ?? []) {
          if (adj.category?.coding?.some((c) => c.code?.endsWith('/cvrd_d_plan_pd_amt')))
            cents += Math.round((adj.amount?.value ?? 0) * 100);
        }
      }
    } else {
      cents = Math.round(
        ((eob as FhirResource & { payment?: { amount?: { value?: number } } }).payment?.amount?.value ?? 0) *
          100,
      );
    }
    claims.set(eob.id, { paymentCents: cents, lines: items.length });
  }
  return { claims, coverages: record.coverages.map((c) => c.id).sort() };
}

async function stored(world: SyncWorld, patientId: string) {
  const { rows } = await world.tdb.pool.query<{
    claim_id: string;
    payment_amount: string | null;
    line_count: number;
  }>('SELECT claim_id, payment_amount, line_count FROM claims WHERE patient_id = $1', [patientId]);
  const claims = new Map(
    rows.map((r) => [
      r.claim_id,
      { paymentCents: Math.round(Number(r.payment_amount ?? 0) * 100), lines: r.line_count },
    ]),
  );
  const { rows: cov } = await world.tdb.pool.query<{ coverage_id: string }>(
    'SELECT coverage_id FROM coverages WHERE patient_id = $1 ORDER BY 1',
    [patientId],
  );
  return { claims, coverages: cov.map((c) => c.coverage_id) };
}

async function expectTablesMatchEmulator(world: SyncWorld): Promise<void> {
  for (const e of world.enrolled) {
    const want = served(e.patientId);
    const got = await stored(world, e.patientId);
    expect([...got.claims.keys()].sort()).toEqual([...want.claims.keys()].sort());
    for (const [id, claim] of want.claims) expect(got.claims.get(id), id).toEqual(claim);
    expect(got.coverages).toEqual(want.coverages);
  }
}

function fhirRequests(): Record<string, number> {
  return { ...emulator.stats().fhirRequestsByPatient };
}

describe('a full first sync', () => {
  it('loads exactly the claims, amounts, lines and coverages the emulator serves for 20 users', async () => {
    const { world } = await setUp('sync_first', { workers: 4 });
    const run = await world.run();
    expect(run).toMatchObject({
      status: 'finished',
      enrollments_total: 20,
      enrollments_ok: 20,
      enrollments_failed: 0,
    });
    await expectTablesMatchEmulator(world);
    const { rows } = await world.tdb.pool.query('SELECT count(*)::int AS n FROM patients');
    expect(rows[0].n).toBe(20);
    const { rows: state } = await world.tdb.pool.query(
      'SELECT count(*)::int AS n FROM sync_state WHERE last_success_at IS NOT NULL AND consecutive_failures = 0 AND last_full_sync_at IS NOT NULL',
    );
    expect(state[0].n).toBe(20);
  });

  it('writes its pages on at most SYNC_DB_WRITERS connections of their own', async () => {
    const { world } = await setUp('sync_writers', { users: [0, 1, 2, 3, 4, 5] });
    // Every COPY into the raw store notes the session that ran it (a statement trigger fires for
    // COPY too), so the test sees which connections wrote the pages, whatever their SQL.
    await world.tdb.pool.query(`
      CREATE TABLE test_page_writers (pid int, app text);
      CREATE FUNCTION test_note_page_writer() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO test_page_writers VALUES (pg_backend_pid(), current_setting('application_name'));
          RETURN NULL;
        END $$;
      CREATE TRIGGER test_note_page_writer AFTER INSERT ON fhir_resources
        FOR EACH STATEMENT EXECUTE FUNCTION test_note_page_writer();`);
    await world.startWorkers(4);
    expect(await world.run()).toMatchObject({ status: 'finished', enrollments_ok: 6 });
    const { rows } = await world.tdb.pool.query<{ app: string; pids: number; copies: number }>(
      'SELECT app, count(DISTINCT pid)::int AS pids, count(*)::int AS copies FROM test_page_writers GROUP BY app',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.app).toBe('bbsync-writer');
    expect(rows[0]!.copies).toBeGreaterThanOrEqual(1);
    expect(rows[0]!.pids).toBeGreaterThanOrEqual(1);
    expect(rows[0]!.pids).toBeLessThanOrEqual(world.config.sync.dbWriters);
  });

  it('commits each sync’s start and end without waiting for the WAL flush', async () => {
    const { world } = await setUp('sync_async_bookkeeping', { users: [0, 1] });
    // A deferred constraint trigger runs at commit, so it sees the commit's own setting.
    await world.tdb.pool.query(`
      CREATE TABLE test_attempt_commits (op text, synchronous_commit text);
      CREATE FUNCTION test_note_attempt_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO test_attempt_commits VALUES (TG_OP, current_setting('synchronous_commit'));
          RETURN NULL;
        END $$;
      CREATE CONSTRAINT TRIGGER test_note_attempt_commit AFTER INSERT OR UPDATE ON sync_attempts
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_note_attempt_commit();`);
    await world.startWorkers(2);
    expect(await world.run()).toMatchObject({ status: 'finished', enrollments_ok: 2 });
    const { rows } = await world.tdb.pool.query<{ op: string; synchronous_commit: string; n: number }>(
      'SELECT op, synchronous_commit, count(*)::int AS n FROM test_attempt_commits GROUP BY 1, 2 ORDER BY 1',
    );
    expect(rows).toEqual([
      { op: 'INSERT', synchronous_commit: 'off', n: 2 },
      { op: 'UPDATE', synchronous_commit: 'off', n: 2 },
    ]);
  });

  it('moves a beneficiary’s cursors in one statement when its walks close together, and leaves no walk state behind', async () => {
    const users = [0, 1, 2, 3, 4, 5];
    // Ten EOBs a page: most EOB walks take several pages (their progress and seen ids are written
    // and must be forgotten at the close); Patient and Coverage walks take one.
    const { world } = await setUp('sync_cursors_together', { users, env: { BB2_PAGE_SIZE: '10' } });
    await world.tdb.pool.query(`
      CREATE TABLE test_cursor_writes (enrollment_id text, resource_types text[]);
      CREATE FUNCTION test_note_cursor_write() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO test_cursor_writes
          SELECT enrollment_id, array_agg(resource_type ORDER BY resource_type) FROM written GROUP BY 1;
          RETURN NULL;
        END $$;
      CREATE TRIGGER test_note_cursor_write AFTER INSERT ON sync_cursors REFERENCING NEW TABLE AS written
        FOR EACH STATEMENT EXECUTE FUNCTION test_note_cursor_write();`);
    await world.startWorkers(4);
    expect(await world.run()).toMatchObject({ status: 'finished', enrollments_ok: users.length });
    const { rows } = await world.tdb.pool.query<{ enrollment_id: string; resource_types: string[] }>(
      'SELECT enrollment_id, resource_types FROM test_cursor_writes',
    );
    for (const e of world.enrolled) {
      const writes = rows.filter((r) => r.enrollment_id === e.enrollmentId).map((r) => r.resource_types);
      const eobPages = Math.ceil(emulator.store.record(e.patientId)!.eobs.length / 10);
      // Patient and Coverage close with the EOB walk's first page: with it when that is also its
      // last, else together, and the EOB walk's last page alone.
      expect(writes, e.patientId).toEqual(
        eobPages <= 1
          ? [['Coverage', 'ExplanationOfBenefit', 'Patient']]
          : [['Coverage', 'Patient'], ['ExplanationOfBenefit']],
      );
    }
    const left = await world.tdb.pool.query<{ progress: number; seen: number }>(
      'SELECT (SELECT count(*) FROM sync_progress)::int AS progress, (SELECT count(*) FROM sync_seen)::int AS seen',
    );
    expect(left.rows[0]).toEqual({ progress: 0, seen: 0 });
    expect(eobPagesOverOne(world)).toBeGreaterThan(0);
  });

  it('sends no statement to close a first sync’s walks when they have nothing to remove, forget or clear', async () => {
    const users = [0, 1, 2, 3];
    const { world } = await setUp('sync_idle_closes', { users });
    // The transactions of the statements that update sync_state themselves (a trigger's own
    // updates, the cursor floor's, are left out), and of the writes into the raw store.
    await world.tdb.pool.query(`
      CREATE TABLE test_state_updates (xid xid8);
      CREATE TABLE test_raw_writes (xid xid8, patient_id text);
      CREATE FUNCTION test_note_state_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF pg_trigger_depth() = 1 THEN INSERT INTO test_state_updates VALUES (pg_current_xact_id()); END IF;
          RETURN NULL;
        END $$;
      CREATE FUNCTION test_note_raw_write() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO test_raw_writes SELECT DISTINCT pg_current_xact_id(), patient_id FROM written;
          RETURN NULL;
        END $$;
      CREATE TRIGGER test_note_state_update AFTER UPDATE ON sync_state
        FOR EACH STATEMENT EXECUTE FUNCTION test_note_state_update();
      CREATE TRIGGER test_note_raw_write AFTER INSERT ON fhir_resources REFERENCING NEW TABLE AS written
        FOR EACH STATEMENT EXECUTE FUNCTION test_note_raw_write();`);
    // One enrollment held a removal back earlier: its full walks' closes must clear it.
    const held = world.enrolled[0]!;
    await world.tdb.pool.query(
      `INSERT INTO sync_state (enrollment_id, reconcile_suspect)
       VALUES ($1, jsonb_build_object('ExplanationOfBenefit', jsonb_build_object('unseen', 3, 'held', 3)))`,
      [held.enrollmentId],
    );
    await world.startWorkers(2);
    expect(await world.run()).toMatchObject({ status: 'finished', enrollments_ok: users.length });
    // Page transactions that updated sync_state: only those closing the held enrollment's walks
    // (the write queue may have put other beneficiaries' pages in them too).
    const { rows } = await world.tdb.pool.query<{ patients: string[] }>(
      `SELECT array_agg(DISTINCT w.patient_id) AS patients
         FROM test_state_updates u JOIN test_raw_writes w USING (xid) GROUP BY u.xid`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.patients).toContain(held.patientId);
    const state = await world.tdb.pool.query<{ reconcile_suspect: unknown }>(
      'SELECT reconcile_suspect FROM sync_state WHERE enrollment_id = $1',
      [held.enrollmentId],
    );
    expect(state.rows).toEqual([{ reconcile_suspect: null }]);
  });

  it('takes each sync’s access token from the row its start read, without reading the tokens again', async () => {
    const { world } = await setUp('sync_tokens_once', { users: [0, 1, 2] });
    // Every statement the deployment's pool runs outside a checked-out connection is noted: the
    // vault reads an enrollment's tokens that way when it is given none.
    const pool = world.tdb.pool;
    const texts: string[] = [];
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    vi.spyOn(pool, 'query').mockImplementation(((...args: unknown[]) => {
      const first = args[0];
      texts.push(typeof first === 'string' ? first : String((first as { text?: unknown }).text ?? ''));
      return query(...args);
    }) as never);
    await world.startWorkers(2);
    expect(await world.run()).toMatchObject({ status: 'finished', enrollments_ok: 3 });
    expect(texts.filter((t) => /SELECT[^;]*access_token_ciphertext[^;]*FROM enrollments/.test(t))).toEqual(
      [],
    );
    // The syncs did use the stored tokens: no refresh was needed.
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM enrollments WHERE last_refresh_at IS NOT NULL`,
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('commits each beneficiary’s Patient and Coverage pages in the transaction of its first EOB page', async () => {
    const users = [0, 1, 2, 3, 4, 5];
    const { world } = await setUp('sync_walks_together', { users });
    // Every write into the raw store notes its transaction and what it wrote, by patient and type.
    await world.tdb.pool.query(`
      CREATE TABLE test_raw_writes (xid xid8, patient_id text, resource_type text, resources int);
      CREATE FUNCTION test_note_raw_write() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO test_raw_writes
          SELECT pg_current_xact_id(), patient_id, resource_type, count(*) FROM written GROUP BY 2, 3;
          RETURN NULL;
        END $$;
      CREATE TRIGGER test_note_raw_write AFTER INSERT ON fhir_resources REFERENCING NEW TABLE AS written
        FOR EACH STATEMENT EXECUTE FUNCTION test_note_raw_write();`);
    await world.startWorkers(4);
    const run = await world.run();
    expect(run).toMatchObject({ status: 'finished', enrollments_ok: users.length });
    const { rows } = await world.tdb.pool.query<{
      patient_id: string;
      resource_type: string;
      xids: string[];
    }>(
      `SELECT patient_id, resource_type, array_agg(DISTINCT xid::text ORDER BY xid::text) AS xids
         FROM test_raw_writes GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    for (const e of world.enrolled) {
      const of = (type: string) => rows.find((r) => r.patient_id === e.patientId && r.resource_type === type);
      const [patient, coverage, eobs] = [of('Patient'), of('Coverage'), of('ExplanationOfBenefit')];
      expect(patient?.xids, e.patientId).toHaveLength(1);
      expect(coverage?.xids, e.patientId).toEqual(patient!.xids);
      // The EOB walk's first page went with them (its later pages, if any, in their own).
      expect(eobs?.xids, e.patientId).toContain(patient!.xids[0]);
    }
    // Every page's outcome still counts: the run saw each resource written once.
    const stored = await world.tdb.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM fhir_resources');
    const served = world.enrolled.reduce((n, e) => n + emulator.store.record(e.patientId)!.eobs.length, 0);
    expect(await world.tdb.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM claims')).toMatchObject({
      rows: [{ n: served }],
    });
    expect(run.resources_changed).toBe(stored.rows[0]!.n);
  });
});

describe('an unchanged second sync', () => {
  it('makes at most one search request per resource type per enrollment and writes no row', async () => {
    const { world } = await setUp('sync_unchanged', { workers: 4 });
    expect(await world.run()).toMatchObject({ enrollments_ok: 20 });
    const before = fhirRequests();
    const versions = await rowVersions(world.tdb.pool);
    const run = await world.run();
    expect(run).toMatchObject({ enrollments_ok: 20, rows_written: 0, resources_changed: 0 });
    const after = fhirRequests();
    for (const e of world.enrolled) {
      expect((after[e.patientId] ?? 0) - (before[e.patientId] ?? 0), e.patientId).toBeLessThanOrEqual(3);
    }
    expect(await rowVersions(world.tdb.pool)).toEqual(versions);
  });
});

describe('after a weekly data load', () => {
  const ids = (group: Record<string, readonly string[]>) => Object.values(group).flat().sort();
  /** A deployment synced once, then BB2's weekly load on its users. */
  async function syncedThenLoaded(label: string) {
    const { world } = await setUp(label, { workers: 4 });
    expect(await world.run()).toMatchObject({ enrollments_ok: 20 });
    const load = emulator.store.advance({
      newClaimsFraction: 0.4,
      changedFraction: 0.08,
      removedFraction: 0.05,
      userIndexes: USERS,
    });
    return { world, load };
  }

  it('an incremental sync picks up exactly the added and changed claims', async () => {
    const { world, load } = await syncedThenLoaded('sync_incremental');
    expect(ids(load.added).length).toBeGreaterThan(0);
    expect(ids(load.changed).length).toBeGreaterThan(0);
    const run = await world.run();
    expect(run.enrollments_ok).toBe(20);
    const { rows } = await world.tdb.pool.query<{
      counts: Record<string, { inserted: number; updated: number }>;
    }>('SELECT counts FROM sync_attempts WHERE run_id = $1', [run.run_id]);
    const eob = rows.map((r) => r.counts.ExplanationOfBenefit!);
    // A load's new claim versions are new resources; the versions they supersede (and cancelled
    // claims) change status, so they are rewritten.
    expect(eob.reduce((n, c) => n + c.inserted, 0)).toBe(ids(load.added).length + ids(load.versioned).length);
    expect(eob.reduce((n, c) => n + c.updated, 0)).toBe(
      ids(load.changed).length + ids(load.cancelled).length,
    );
    // Removed claims are still held: only a full reconcile can notice an absence.
    const { rows: still } = await world.tdb.pool.query(
      'SELECT count(*)::int AS n FROM claims WHERE claim_id = ANY($1)',
      [ids(load.removed)],
    );
    expect(still[0].n).toBe(ids(load.removed).length);
  });

  it('a full reconcile removes exactly the claims BB2 no longer returns', async () => {
    const { world, load } = await syncedThenLoaded('sync_reconcile');
    expect(ids(load.removed).length).toBeGreaterThan(0);
    const run = await world.run({ full: true });
    expect(run).toMatchObject({ enrollments_ok: 20, resources_removed: ids(load.removed).length });
    await expectTablesMatchEmulator(world);
  });
});

// Worker processes, faults and restarts: their waits run up to 120 s on a loaded machine, so the
// tests get room beyond them (the default 60 s would cut a slow but correct run short).
describe('resilience', { timeout: 300_000 }, () => {
  it('reaches the fault-free result with 10% 429s, 5% 5xx, malformed bodies and dropped connections', async () => {
    const { world: faulty } = await setUp('sync_faults', { workers: 4 });
    const reference = await faultFreeTables();
    emulator.setFaults({
      rate429: 0.1,
      retryAfterSeconds: 1,
      rate5xx: 0.05,
      malformedRate: 0.03,
      resetRate: 0.02,
    });
    try {
      const run = await faulty.run({ timeoutMs: 120_000 });
      expect(run).toMatchObject({ enrollments_ok: 20, enrollments_failed: 0 });
    } finally {
      emulator.setFaults({});
    }
    const { rows } = await faulty.tdb.pool.query(
      `SELECT count(*)::int AS n FROM sync_attempts WHERE status = 'retrying'`,
    );
    expect(rows[0].n).toBeGreaterThan(0); // the faults did hit
    expect(await dumpAnalytics(faulty.tdb.pool, { withoutRawJson: true })).toEqual(reference);
  });

  it('leaves the same tables as an uninterrupted run when a worker is killed mid-sync, and reuses no refresh token', async () => {
    // Pages of 10: every EOB walk spans several pages, so the kill lands in the middle of one.
    const { world: crash } = await setUp('sync_crash', { env: { BB2_PAGE_SIZE: '10' } });
    const reference = await faultFreeTables();
    // Force a token refresh inside the killed sync, so a lost rotation would show.
    await crash.tdb.pool.query(
      `UPDATE enrollments SET access_token_expires_at = now() - interval '1 minute'`,
    );
    const reuseBefore = emulator.stats().refreshTokenReuse;

    const run = await crash.start();
    const doomed = crash.spawnWorker({ BBSYNC_FAILPOINTS: 'sync.after-page-commit' }, 4);
    expect((await exited(doomed)).signal).toBe('SIGKILL');
    const { rows: half } = await crash.tdb.pool.query(`SELECT count(*)::int AS n FROM sync_progress`);
    expect(half[0].n).toBeGreaterThan(0); // it died in the middle of walks

    const survivor = crash.spawnWorker({}, 4);
    const finished = await waitForRun(crash.tdb.pool, run.run_id, { timeoutMs: 90_000 });
    survivor.kill('SIGTERM');
    expect((await exited(survivor)).code).toBe(0);
    expect(finished).toMatchObject({ enrollments_ok: 20, enrollments_failed: 0 });
    expect(await dumpAnalytics(crash.tdb.pool, { withoutRawJson: true })).toEqual(reference);
    expect(emulator.stats().refreshTokenReuse).toBe(reuseBefore);
    expect(leakedTokens(emulator, doomed.output() + survivor.output())).toEqual([]);
  });

  it('never lets two worker processes sync the same enrollment at once', async () => {
    const { world: pair } = await setUp('sync_pair');
    const a = pair.spawnWorker({}, 4);
    const b = pair.spawnWorker({}, 4);
    // Two runs over the same enrollments at the same time: every enrollment is wanted twice.
    const [first, second] = await Promise.all([pair.start({ full: true }), pair.start({ full: true })]);
    const done = await Promise.all(
      [first, second].map((r) => waitForRun(pair.tdb.pool, r.run_id, { timeoutMs: 90_000 })),
    );
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    await Promise.all([exited(a), exited(b)]);
    for (const run of done) expect(run).toMatchObject({ enrollments_ok: 20, enrollments_failed: 0 });
    const { rows } = await pair.tdb.pool.query<{ overlaps: number; attempts: number }>(
      `SELECT (SELECT count(*)::int FROM sync_attempts x JOIN sync_attempts y
                 ON x.enrollment_id = y.enrollment_id AND x.attempt_id < y.attempt_id
                AND x.started_at < coalesce(y.finished_at, now()) AND y.started_at < coalesce(x.finished_at, now())) AS overlaps,
              (SELECT count(*)::int FROM sync_attempts WHERE status = 'ok') AS attempts`,
    );
    expect(rows[0]).toEqual({ overlaps: 0, attempts: 40 });
    expect(a.output() + b.output()).toMatch(/"msg":"sync finished"/);
  });
});

describe('shutdown', { timeout: 300_000 }, () => {
  it('stops on SIGTERM after the grace period, hands running syncs back, and another worker finishes them', async () => {
    const { world } = await setUp('sync_shutdown', {
      users: USERS.slice(0, 8),
      env: { SYNC_SHUTDOWN_GRACE_MS: '300' },
    });
    // Slow requests (each sync makes at least three), so syncs are still running when asked to stop.
    emulator.setFaults({ latencyMs: 2000 });
    try {
      const run = await world.start({ full: true });
      const first = world.spawnWorker({}, 8);
      // Wait until the worker is inside the walks (an attempt has started), then ask it to stop.
      await vi.waitFor(
        async () => {
          const { rows } = await world.tdb.pool.query(
            `SELECT count(*)::int AS n FROM sync_attempts WHERE run_id = $1`,
            [run.run_id],
          );
          expect(rows[0].n).toBeGreaterThan(0);
        },
        { timeout: 60_000, interval: 100 },
      );
      first.kill('SIGTERM');
      expect((await exited(first)).code).toBe(0);
      expect(first.output()).toMatch(/interrupting running syncs/);
      expect(first.output()).toMatch(/workers stopped/);
      expect((await getRun(world.tdb.pool, run.run_id))?.status).toBe('running');

      const second = world.spawnWorker({}, 8);
      const finished = await waitForRun(world.tdb.pool, run.run_id, { timeoutMs: 60_000 });
      second.kill('SIGTERM');
      await exited(second);
      expect(finished).toMatchObject({ enrollments_ok: 8, enrollments_failed: 0 });
    } finally {
      emulator.setFaults({});
    }
    for (const e of world.enrolled) {
      const want = served(e.patientId);
      const got = await stored(world, e.patientId);
      expect([...got.claims.keys()].sort()).toEqual([...want.claims.keys()].sort());
    }
  });
});

describe('secrets', () => {
  it('logs no token the emulator issued, through enrollment, refresh and sync', async () => {
    const { world, log } = await setUp('sync_secrets', { users: USERS.slice(0, 4), workers: 2 });
    // Expired access tokens: the sync refreshes each one, so rotated tokens pass through the code.
    await world.tdb.pool.query(
      `UPDATE enrollments SET access_token_expires_at = now() - interval '1 minute'`,
    );
    expect(await world.run()).toMatchObject({ enrollments_ok: 4 });
    expect(emulator.stats().refreshes).toBeGreaterThan(0);
    expect(log.text()).toMatch(/"msg":"sync finished"/);
    expect(leakedTokens(emulator, log.text())).toEqual([]);
  });
});
