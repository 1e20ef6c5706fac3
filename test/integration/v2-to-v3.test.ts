/**
 * Moving a beneficiary from v2 to v3 end to end: enrolled and synced through v2, then connected
 * again through v3 by the same deployment and synced by real workers. Expected contents come from
 * what the emulator serves in each version (its v2 record and its v3 view of it), never from our
 * own tables; the views' totals must not change with the move.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config.ts';
import { finishRevocation, markRevoking } from '../../src/db/revocations.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { enrollSynthetic, syntheticLogin } from '../../src/emulator-client/synthetic-enrollment.ts';
import { v2ControlNumber } from '../../src/emulator/v3/eob.ts';
import { v3Record } from '../../src/emulator/v3/records.ts';
import { buildBb2Services } from '../../src/services.ts';
import { capturingLogger, startTestEmulator } from '../helpers/bb2.ts';
import { createSyncWorld, type SyncWorld } from '../helpers/sync-world.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const USERS = [3, 7, 12];
const CCW = 'https://bluebutton.cms.gov/resources/variables/';
const clients = [
  { clientId: 'mover', clientSecret: 'mover-secret', redirectUris: ['http://127.0.0.1:3000/mover/callback'] },
];

let emulator: RunningEmulator;
let world: SyncWorld;
const captured = capturingLogger('info');

beforeAll(async () => {
  emulator = await startTestEmulator({ users: 20, seed: 19, clients });
  world = await createSyncWorld({
    emulator,
    clientId: 'mover',
    users: USERS,
    log: captured.log,
    label: 'v2_to_v3',
  });
  await world.startWorkers(3);
});

afterAll(async () => {
  await world?.close();
  await emulator?.close();
});

/** The link key of a v2 EOB as the emulator serves it: control number, or rx: + rx number (PDE). */
function v2Key(eob: Json): string | undefined {
  const control = v2ControlNumber(eob);
  if (control) return control;
  const rx = (eob.identifier as Json[]).find((i) => i.system === `${CCW}rx_srvc_rfrnc_num`)?.value;
  return rx ? `rx:${rx}` : undefined;
}

/** What each version serves for user `index` (v3: BB2's default _source, SAMHSA not shared). */
function served(index: number) {
  const v2Id = emulator.store.userByIndex(index)!.patientId;
  const record = emulator.store.record(v2Id)!;
  const v3 = v3Record(record);
  const v3Keys = new Map<string, string>();
  for (const eob of v3.eobs as readonly Json[]) {
    if (!['NCH', 'DDPS'].includes(eob.meta.source)) continue;
    if ((eob.meta.security ?? []).some((s: Json) => s.code === '42CFRPart2')) continue;
    const rx = ((eob.supportingInfo ?? []) as Json[]).find((s) =>
      (s.category?.coding ?? []).some((c: Json) => c.code === 'CLM_LINE_RX_NUM'),
    )?.valueString;
    const control = (eob.identifier as Json[]).find((i) => i.system?.endsWith('/CLM-CNTL-NUM'))?.value;
    v3Keys.set(eob.id, rx ? `rx:${rx}` : control);
  }
  const wanted = new Set(v3Keys.values());
  // Every v2 claim once: by its v3 twin when v3 serves one, else by the v2 copy itself.
  const keptV2 = (record.eobs as readonly Json[]).filter((e) => !wanted.has(v2Key(e)!));
  const count = (keys: (string | undefined)[]) => {
    const out: Record<string, number> = {};
    for (const k of keys) out[k!] = (out[k!] ?? 0) + 1;
    return out;
  };
  return {
    v2PatientId: v2Id,
    v3PatientId: v3.patientId,
    v2Claims: record.eobs.length,
    /** Versions of one claim (an adjustment and the version it cancelled) share its key. */
    v2PerKey: count((record.eobs as readonly Json[]).map(v2Key)),
    v3Keys,
    keptV2: keptV2.map((e) => e.id),
    afterPerKey: count([...v3Keys.values(), ...keptV2.map(v2Key)]),
  };
}

async function summary(patientId: string): Promise<Json> {
  const { rows } = await world.tdb.pool.query(
    `SELECT claim_count, carrier_claims, pde_claims, outpatient_claims, total_paid_amount,
            patient_responsibility_amount, first_service_date, last_service_date
       FROM patient_summary WHERE patient_id = $1`,
    [patientId],
  );
  return rows[0];
}

async function monthlyTotals(patientId: string): Promise<Json[]> {
  const { rows } = await world.tdb.pool.query(
    `SELECT month, claim_type, claim_count, medicare_paid_amount FROM claims_monthly WHERE patient_id = $1 ORDER BY 1, 2`,
    [patientId],
  );
  return rows;
}

describe('a beneficiary who moves from v2 to v3', () => {
  const before = new Map<number, { summary: Json; monthly: Json[] }>();
  const reconnected = new Map<number, string>();

  it('is synced through v2 first, every claim carrying its link key', async () => {
    expect(await world.run()).toMatchObject({ enrollments_ok: USERS.length, enrollments_failed: 0 });
    for (const index of USERS) {
      const want = served(index);
      const { rows } = await world.tdb.pool.query<{ n: number; keys: number }>(
        'SELECT count(*)::int AS n, count(DISTINCT claim_link_key)::int AS keys FROM claims WHERE patient_id = $1',
        [want.v2PatientId],
      );
      expect(rows[0]).toEqual({ n: want.v2Claims, keys: Object.keys(want.v2PerKey).length });
      before.set(index, {
        summary: await summary(want.v2PatientId),
        monthly: await monthlyTotals(want.v2PatientId),
      });
    }
  });

  it('ends with one patient and every claim once after connecting again through v3', async () => {
    const v3Config = loadConfig({ ...world.env, BB2_API_VERSION: 'v3' });
    const services = buildBb2Services(v3Config, captured.log, world.tdb.pool);
    for (const index of USERS) {
      const outcome = await enrollSynthetic(services.flow, syntheticLogin(index), {
        redirectUri: v3Config.bb2.redirectUri,
        fetchImpl: services.fetchImpl,
      });
      if (outcome.kind !== 'connected') throw new Error(outcome.kind);
      expect(outcome.enrollment).toMatchObject({ apiVersion: 'v3', patientId: served(index).v3PatientId });
      reconnected.set(index, outcome.enrollment.enrollmentId);
    }
    const run = await world.run({ enrollmentIds: [...reconnected.values()] });
    expect(run).toMatchObject({ enrollments_ok: USERS.length, enrollments_failed: 0 });

    const { rows: patients } = await world.tdb.pool.query('SELECT patient_id FROM patients ORDER BY 1');
    expect(patients.map((p) => p.patient_id)).toEqual(USERS.map((i) => served(i).v3PatientId).sort());
    for (const index of USERS) {
      const want = served(index);
      const { rows } = await world.tdb.pool.query<{ claim_id: string; claim_link_key: string }>(
        'SELECT claim_id, claim_link_key FROM claims WHERE patient_id = $1',
        [want.v3PatientId],
      );
      // Each claim once: v3's copy where v3 serves it, the v2 copy where it does not.
      const perKey: Record<string, number> = {};
      for (const r of rows) perKey[r.claim_link_key] = (perKey[r.claim_link_key] ?? 0) + 1;
      expect(perKey).toEqual(want.afterPerKey);
      expect(rows.map((r) => r.claim_id).sort()).toEqual([...want.v3Keys.keys(), ...want.keptV2].sort());
      expect(
        await world.tdb.pool.query('SELECT 1 FROM claims WHERE patient_id = $1', [want.v2PatientId]),
      ).toMatchObject({ rowCount: 0 });
      // The views count each claim once, with the same final versions and money as before.
      expect(await summary(want.v3PatientId)).toEqual(before.get(index)!.summary);
      expect(await monthlyTotals(want.v3PatientId)).toEqual(before.get(index)!.monthly);
    }
    const { rows: leftovers } = await world.tdb.pool.query(
      `SELECT resource_type, count(*)::int AS n FROM fhir_resources
        WHERE patient_id <> ALL($1) GROUP BY 1`,
      [USERS.map((i) => served(i).v3PatientId)],
    );
    expect(leftovers).toEqual([]);
    const { rows: enrollments } = await world.tdb.pool.query(
      `SELECT api_version, status, count(*)::int AS n, count(refresh_token_ciphertext)::int AS tokens
         FROM enrollments GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    expect(enrollments).toEqual([
      { api_version: 'v2', status: 'revoked', n: USERS.length, tokens: 0 },
      { api_version: 'v3', status: 'active', n: USERS.length, tokens: USERS.length },
    ]);
    expect(captured.text()).toContain('folded the v2 copy of this beneficiary into its v3 enrollment');
  });

  it('stays folded: the next syncs skip the v2 enrollments and change nothing', async () => {
    const counts = async () =>
      (await world.tdb.pool.query('SELECT patient_id, count(*)::int AS n FROM claims GROUP BY 1 ORDER BY 1'))
        .rows;
    const was = await counts();
    const run = await world.run();
    expect(run).toMatchObject({ enrollments_ok: USERS.length, enrollments_failed: 0 });
    expect(await world.run({ full: true })).toMatchObject({ enrollments_ok: USERS.length });
    const { rows } = await world.tdb.pool.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE action = 'fold-v2-into-v3'`,
    );
    expect(rows[0].n).toBe(USERS.length);
    // A full v3 reconcile keeps only what v3 serves: the moved v2-only claims go.
    const now = await counts();
    for (const index of USERS) {
      const want = served(index);
      const row = now.find((r) => r.patient_id === want.v3PatientId);
      expect(row?.n).toBe(want.v3Keys.size);
    }
    expect(was.length).toBe(now.length);
  });
});

describe('folding while the v2 enrollment is syncing', () => {
  it('waits for the next v3 sync instead of racing the v2 writer', async () => {
    const USER = 15;
    const want = served(USER);
    const connect = async (version: 'v2' | 'v3') => {
      const config = loadConfig({ ...world.env, BB2_API_VERSION: version });
      const services = buildBb2Services(config, captured.log, world.tdb.pool);
      const outcome = await enrollSynthetic(services.flow, syntheticLogin(USER), {
        redirectUri: config.bb2.redirectUri,
        fetchImpl: services.fetchImpl,
      });
      if (outcome.kind !== 'connected') throw new Error(outcome.kind);
      return outcome.enrollment.enrollmentId;
    };
    const v2 = await connect('v2');
    expect(await world.run({ enrollmentIds: [v2] })).toMatchObject({ enrollments_ok: 1 });
    const v3 = await connect('v3');
    const claimsOf = async (patientId: string) =>
      (await world.tdb.pool.query('SELECT 1 FROM claims WHERE patient_id = $1', [patientId])).rowCount;

    // A v2 sync holds its enrollment's sync lock (here: a session of our own takes it).
    const holder = await world.tdb.pool.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtextextended('bbsync:sync:' || $1, 0))`, [v2]);
      expect(await world.run({ enrollmentIds: [v3] })).toMatchObject({ enrollments_ok: 1 });
      expect(await claimsOf(want.v2PatientId)).toBe(want.v2Claims);
      expect(captured.text()).toContain('the next sync folds it');
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()');
      holder.release();
    }
    expect(await world.run({ enrollmentIds: [v3] })).toMatchObject({ enrollments_ok: 1 });
    expect(await claimsOf(want.v2PatientId)).toBe(0);
    expect(await claimsOf(want.v3PatientId)).toBe(want.v3Keys.size + want.keptV2.length);
    const { rows } = await world.tdb.pool.query('SELECT status FROM enrollments WHERE enrollment_id = $1', [
      v2,
    ]);
    expect(rows).toEqual([{ status: 'revoked' }]);
  });
});

describe('folding while the v2 enrollment is being unenrolled', () => {
  it('leaves the v2 copy to its unenroll, so a purge asked for still deletes it', async () => {
    const USER = 17;
    const want = served(USER);
    const connect = async (version: 'v2' | 'v3') => {
      const config = loadConfig({ ...world.env, BB2_API_VERSION: version });
      const services = buildBb2Services(config, captured.log, world.tdb.pool);
      const outcome = await enrollSynthetic(services.flow, syntheticLogin(USER), {
        redirectUri: config.bb2.redirectUri,
        fetchImpl: services.fetchImpl,
      });
      if (outcome.kind !== 'connected') throw new Error(outcome.kind);
      return outcome.enrollment.enrollmentId;
    };
    const claimsOf = async (patientId: string) =>
      (await world.tdb.pool.query('SELECT 1 FROM claims WHERE patient_id = $1', [patientId])).rowCount;
    const v2 = await connect('v2');
    expect(await world.run({ enrollmentIds: [v2] })).toMatchObject({ enrollments_ok: 1 });
    // The beneficiary asked for the v2 data to be deleted; the unenroll has not finished yet.
    expect(await markRevoking(world.tdb.pool, v2, { purge: true, actor: 'test' })).toBe(true);
    const v3 = await connect('v3');
    expect(await world.run({ enrollmentIds: [v3] })).toMatchObject({ enrollments_ok: 1 });
    // Not folded: the v2 claims were not moved into the v3 patient.
    expect(await claimsOf(want.v2PatientId)).toBe(want.v2Claims);
    expect(await claimsOf(want.v3PatientId)).toBe(want.v3Keys.size);

    expect(await finishRevocation(world.tdb.pool, v2, { revokedAtBb2: false, resumed: true })).toMatchObject({
      purged: true,
    });
    expect(await claimsOf(want.v2PatientId)).toBe(0);
    expect(await claimsOf(want.v3PatientId)).toBe(want.v3Keys.size);
  });
});
