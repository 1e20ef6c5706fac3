/**
 * The whole pipeline with BB2_API_VERSION=v3: enrollment through the emulator's /v3/o/* forms,
 * syncs by real BullMQ workers into real Postgres, the weekly load, a full reconcile and
 * unenrollment. Expected contents come from what the emulator's v3 API serves (its v3 view of the
 * same synthetic beneficiaries), never from our own tables.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { buildBb2Services } from '../../src/services.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { v3ClaimId } from '../../src/emulator/v3/ids.ts';
import { v3Record } from '../../src/emulator/v3/records.ts';
import { saveInsuranceCard } from '../../src/db/insurance-cards.ts';
import { unenroll } from '../../src/enrollment/unenroll.ts';
import { EnrollmentNotActiveError } from '../../src/errors.ts';
import { capturingLogger, startTestEmulator } from '../helpers/bb2.ts';
import { createSyncWorld, type SyncWorld } from '../helpers/sync-world.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const USERS = [0, 1, 2, 3, 4, 5];
const clients = [
  { clientId: 'v3app', clientSecret: 'v3-secret', redirectUris: ['http://127.0.0.1:3000/v3/callback'] },
  { clientId: 'mover', clientSecret: 'mover-secret', redirectUris: ['http://127.0.0.1:3000/mover/callback'] },
];

let emulator: RunningEmulator;
let world: SyncWorld;
const captured = capturingLogger('info');

beforeAll(async () => {
  emulator = await startTestEmulator({ users: 20, seed: 19, clients });
  world = await createSyncWorld({
    emulator,
    clientId: 'v3app',
    users: USERS,
    log: captured.log,
    label: 'sync_v3',
    env: { BB2_API_VERSION: 'v3', BB2_PAGE_SIZE: '10' },
  });
  await world.startWorkers(3);
});

afterAll(async () => {
  await world?.close();
  await emulator?.close();
});

/** What v3 serves by default to an app whose beneficiary did not share SAMHSA data. */
function served(index: number) {
  const v2Id = emulator.store.userByIndex(index)!.patientId;
  const record = v3Record(emulator.store.record(v2Id)!);
  const claims = new Map<string, string>();
  for (const eob of record.eobs as readonly Json[]) {
    if (!['NCH', 'DDPS'].includes(eob.meta.source)) continue; // BB2's default _source
    if ((eob.meta.security ?? []).some((s: Json) => s.code === '42CFRPart2')) continue;
    const payment =
      eob.payment?.amount?.value ??
      (eob.item as Json[])
        .flatMap((i) => i.adjudication ?? [])
        .filter((a: Json) => a.category.coding.some((c: Json) => c.code === 'CLM_LINE_CVRD_PD_AMT'))
        .reduce((n: number, a: Json) => n + Math.round(a.amount.value * 100), 0) / 100;
    claims.set(eob.id, Number(payment).toFixed(2));
  }
  return { patientId: record.patientId, claims, coverages: record.coverages.map((c) => c.id).sort() };
}

async function expectTablesMatchEmulator(): Promise<void> {
  for (const e of world.enrolled) {
    const want = served(e.index);
    expect(e.patientId).toBe(want.patientId);
    const { rows } = await world.tdb.pool.query<{ claim_id: string; payment_amount: string | null }>(
      'SELECT claim_id, payment_amount FROM claims WHERE patient_id = $1',
      [e.patientId],
    );
    const got = new Map(rows.map((r) => [r.claim_id, Number(r.payment_amount ?? 0).toFixed(2)]));
    expect([...got.keys()].sort()).toEqual([...want.claims.keys()].sort());
    for (const [id, payment] of want.claims) expect(got.get(id), id).toBe(payment);
    const { rows: cov } = await world.tdb.pool.query<{ coverage_id: string }>(
      'SELECT coverage_id FROM coverages WHERE patient_id = $1 ORDER BY 1',
      [e.patientId],
    );
    expect(cov.map((c) => c.coverage_id)).toEqual(want.coverages);
  }
}

describe('a v3 deployment', () => {
  it('enrolls through /v3/o/ and records the version, the v3 patient id and the scopes', async () => {
    const { rows } = await world.tdb.pool.query(
      'SELECT patient_id, api_version, scope FROM enrollments ORDER BY enrolled_at',
    );
    expect(rows).toHaveLength(USERS.length);
    for (const [i, row] of rows.entries()) {
      expect(row.api_version).toBe('v3');
      expect(row.patient_id).toBe(served(USERS[i]!).patientId);
      expect(row.scope).toMatch(/patient\/ExplanationOfBenefit/);
    }
  });

  it('syncs exactly the claims and coverages v3 serves, and learns that SAMHSA data was not shared', async () => {
    const run = await world.run();
    expect(run).toMatchObject({ status: 'finished', enrollments_ok: USERS.length, enrollments_failed: 0 });
    await expectTablesMatchEmulator();
    const { rows } = await world.tdb.pool.query('SELECT DISTINCT samhsa_shared FROM enrollments');
    expect(rows).toEqual([{ samhsa_shared: false }]);
    expect(await world.tdb.pool.query('SELECT count(*)::int AS n FROM quarantined_resources')).toMatchObject({
      rows: [{ n: 0 }],
    });
    const { rows: paged } = await world.tdb.pool.query(
      `SELECT max((counts->'ExplanationOfBenefit'->>'pages')::int) AS pages FROM sync_attempts`,
    );
    expect(paged[0].pages).toBeGreaterThan(1); // followed _offset next links
  });

  it('stores each beneficiary’s Digital Insurance Card, one plan per v3 Coverage, and prints it on request', async () => {
    const { rows } = await world.tdb.pool.query<{ patient_id: string; plans: string[]; changed_at: string }>(
      'SELECT patient_id, plans, changed_at::text FROM insurance_cards ORDER BY patient_id',
    );
    expect(rows.map((r) => r.patient_id)).toEqual(world.enrolled.map((e) => e.patientId).sort());
    for (const e of world.enrolled) {
      const record = v3Record(emulator.store.record(emulator.store.userByIndex(e.index)!.patientId)!);
      const want = (record.coverages as readonly Json[]).map((c) => c.class[0].value);
      expect(rows.find((r) => r.patient_id === e.patientId)!.plans).toEqual(want);
    }
    // Another sync fetches the same card: stored once, unchanged.
    await world.run({ enrollmentIds: [world.enrolled[0]!.enrollmentId] });
    const { rows: again } = await world.tdb.pool.query<{ changed_at: string }>(
      'SELECT changed_at::text FROM insurance_cards WHERE patient_id = $1',
      [world.enrolled[0]!.patientId],
    );
    expect(again[0]!.changed_at).toBe(
      rows.find((r) => r.patient_id === world.enrolled[0]!.patientId)!.changed_at,
    );
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['bin/bbsync.js', 'insurance-card', world.enrolled[0]!.enrollmentId],
      { env: { ...process.env, ...world.env }, cwd: ROOT },
    );
    const mbi = (
      v3Record(emulator.store.record(emulator.store.userByIndex(world.enrolled[0]!.index)!.patientId)!)
        .patient as Json
    ).identifier.find((i: Json) => i.system === 'http://hl7.org/fhir/sid/us-mbi').value;
    expect(stdout).toContain(`Medicare number (MBI): ${mbi}`);
    expect(stdout).toMatch(/Part A/);
    expect(captured.text()).not.toContain(mbi);
  });

  it('picks up a weekly load incrementally and removes vanished claims on a full reconcile', async () => {
    const load = emulator.store.advance({
      newClaimsFraction: 0.6,
      changedFraction: 0.1,
      removedFraction: 0.1,
      userIndexes: USERS,
    });
    const removed = Object.values(load.removed).flat();
    expect(Object.values(load.added).flat().length).toBeGreaterThan(0);
    expect(removed.length).toBeGreaterThan(0);

    const incremental = await world.run();
    expect(incremental.enrollments_ok).toBe(USERS.length);
    const { rows: attempts } = await world.tdb.pool.query<{ counts: Json }>(
      'SELECT counts FROM sync_attempts WHERE run_id = $1',
      [incremental.run_id],
    );
    const inserted = attempts.reduce((n, a) => n + (a.counts.ExplanationOfBenefit?.inserted ?? 0), 0);
    expect(inserted).toBeGreaterThan(0);

    const full = await world.run({ full: true });
    expect(full.enrollments_ok).toBe(USERS.length);
    expect(full.resources_removed).toBeGreaterThan(0);
    await expectTablesMatchEmulator();
  });

  it('stops counting an adjusted claim’s old version in the incremental sync that brings the new one', async () => {
    const load = emulator.store.advance({
      newClaimsFraction: 0,
      changedFraction: 0,
      removedFraction: 0,
      adjustedFraction: 0.3,
      cancelledFraction: 0,
      userIndexes: USERS,
    });
    const versioned = Object.values(load.versioned).flat();
    expect(versioned.length).toBeGreaterThan(0);
    // The old versions v3 stops serving, by their v3 ids (SAMHSA-labelled ones were never stored).
    const oldIds = Object.values(load.cancelled)
      .flat()
      .filter((id) => !id.startsWith('pde-'))
      .map((id) => v3ClaimId(id));
    const counted = `SELECT count(*)::int AS n FROM claims WHERE claim_id = ANY($1) AND is_final`;
    expect((await world.tdb.pool.query(counted, [oldIds])).rows[0].n).toBeGreaterThan(0);

    const incremental = await world.run();
    expect(incremental.enrollments_ok).toBe(USERS.length);
    const { rows: full } = await world.tdb.pool.query(
      'SELECT DISTINCT full_sync FROM sync_attempts WHERE run_id = $1',
      [incremental.run_id],
    );
    expect(full).toEqual([{ full_sync: 0 }]);
    expect((await world.tdb.pool.query(counted, [oldIds])).rows[0].n).toBe(0);
    await expectTablesMatchEmulator(); // what a full reconcile would leave, without one
  });

  it('unenrolls through /v3/o/revoke/ with the enrollment’s own version', async () => {
    const services = buildBb2Services(world.config, captured.log, world.tdb.pool);
    const target = world.enrolled[0]!;
    const result = await unenroll(
      { pool: world.tdb.pool, log: captured.log, vault: services.vault, oauth: services.oauth },
      target.enrollmentId,
      { purge: false, actor: 'test' },
    );
    expect(result.revokedAtBb2).toBe(true);
    expect(emulator.stats().requests).toHaveProperty(['POST /v3/o/revoke/']);
    const { rows } = await world.tdb.pool.query('SELECT status FROM enrollments WHERE enrollment_id = $1', [
      target.enrollmentId,
    ]);
    expect(rows[0].status).toBe('revoked');
  });

  it('unenroll --purge of a v3 enrollment revokes the grant at /v3/o/revoke/ and leaves nothing of the beneficiary', async () => {
    const target = world.enrolled[2]!;
    const others = world.enrolled.slice(3);
    const patientRows = async (patient: string) => {
      const counts: Record<string, number> = {};
      for (const table of ['patients', 'coverages', 'claims', 'fhir_resources', 'insurance_cards']) {
        const { rows } = await world.tdb.pool.query(
          `SELECT count(*)::int AS n FROM ${table} WHERE patient_id = $1`,
          [patient],
        );
        counts[table] = rows[0].n;
      }
      const { rows } = await world.tdb.pool.query(
        `SELECT count(*)::int AS n FROM claim_lines WHERE claim_id IN (SELECT claim_id FROM claims WHERE patient_id = $1)`,
        [patient],
      );
      counts.claim_lines = rows[0].n;
      return counts;
    };
    const held = await patientRows(target.patientId);
    for (const [table, n] of Object.entries(held)) expect(n, table).toBeGreaterThan(0);
    const othersBefore = await Promise.all(others.map((e) => patientRows(e.patientId)));
    const services = buildBb2Services(world.config, captured.log, world.tdb.pool);
    const token = (await services.vault.getAccessToken(target.enrollmentId)).accessToken;
    const revokes = (route: string) => emulator.stats().requests[route]?.byStatus['200'] ?? 0;
    const [v3Before, v2Before] = [revokes('POST /v3/o/revoke/'), revokes('POST /v2/o/revoke/')];

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['bin/bbsync.js', 'unenroll', target.enrollmentId, '--purge'],
      { env: { ...process.env, ...world.env }, cwd: ROOT },
    );
    expect(stdout).toMatch(/revoked/i);
    expect(revokes('POST /v3/o/revoke/')).toBe(v3Before + 1);
    expect(revokes('POST /v2/o/revoke/')).toBe(v2Before);
    const after = await fetch(`${emulator.url}/v3/fhir/Patient`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.status).toBe(401); // BB2 no longer honours the grant

    for (const [table, n] of Object.entries(await patientRows(target.patientId))) expect(n, table).toBe(0);
    for (const table of ['sync_state', 'sync_cursors', 'sync_progress', 'sync_seen']) {
      const { rows } = await world.tdb.pool.query(
        `SELECT count(*)::int AS n FROM ${table} WHERE enrollment_id = $1`,
        [target.enrollmentId],
      );
      expect(rows[0].n, table).toBe(0);
    }
    const { rows } = await world.tdb.pool.query(
      'SELECT status, patient_id, api_version, data_purged_at IS NOT NULL AS purged FROM enrollments WHERE enrollment_id = $1',
      [target.enrollmentId],
    );
    expect(rows[0]).toEqual({
      status: 'revoked',
      patient_id: `purged:${target.enrollmentId}`,
      api_version: 'v3',
      purged: true,
    });
    // The others keep everything, and the next run syncs the active ones, never the purged one.
    expect(await Promise.all(others.map((e) => patientRows(e.patientId)))).toEqual(othersBefore);
    const active = await world.tdb.pool.query(
      `SELECT enrollment_id FROM enrollments WHERE status = 'active'`,
    );
    expect(active.rows.map((r) => r.enrollment_id)).not.toContain(target.enrollmentId);
    const next = await world.run();
    expect(next).toMatchObject({ enrollments_ok: active.rowCount, enrollments_failed: 0 });
    for (const [table, n] of Object.entries(await patientRows(target.patientId))) expect(n, table).toBe(0);
  });

  it('a card that reaches the database after the beneficiary was purged is not stored', async () => {
    const services = buildBb2Services(world.config, captured.log, world.tdb.pool);
    const target = world.enrolled[1]!;
    const cards = () =>
      world.tdb.pool
        .query('SELECT count(*)::int AS n FROM insurance_cards WHERE patient_id = $1', [target.patientId])
        .then((r) => r.rows[0].n as number);
    expect(await cards()).toBe(1);
    await unenroll(
      { pool: world.tdb.pool, log: captured.log, vault: services.vault, oauth: services.oauth },
      target.enrollmentId,
      { purge: true, actor: 'test' },
    );
    expect(await cards()).toBe(0);
    // What a sync in flight would do with the card it fetched just before the purge.
    await expect(
      saveInsuranceCard(world.tdb.pool, {
        patientId: target.patientId,
        enrollmentId: target.enrollmentId,
        bundle: { resourceType: 'Bundle' },
        contentHash: 'fetched-before-the-purge',
        plans: ['Part A'],
      }),
    ).rejects.toThrow(EnrollmentNotActiveError);
    expect(await cards()).toBe(0);
  });
});
