/**
 * Issue 15, applications registered without demographic scopes: BB2 answers 400 "Invalid scopes."
 * to an authorization asking for `profile` or `patient/Patient.*`. BB2_REQUIRE_DEMOGRAPHICS=false
 * makes the default scopes leave them out; the start-up check reads BB2's SMART configuration.
 * Real forms, worker, Redis and Postgres against the emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import { enrollSynthetic, syntheticLogin } from '../../src/emulator-client/synthetic-enrollment.ts';
import { buildBb2Services, checkBb2Configuration } from '../../src/services.ts';
import { capturingLogger, startTestEmulator } from '../helpers/bb2.ts';
import { createSyncWorld, type SyncWorld } from '../helpers/sync-world.ts';
import { countRows } from '../helpers/tables.ts';

const CLIENT = {
  clientId: 'no-demographics',
  clientSecret: 'no-demographics-secret',
  redirectUris: ['http://127.0.0.1:3000/cb'],
  requireDemographicScopes: false,
};
const USERS = [0, 1, 2];
const captured = capturingLogger('info');

let emulator: RunningEmulator;
let world: SyncWorld;

beforeAll(async () => {
  emulator = await startTestEmulator({ users: 5, clients: [CLIENT] });
  world = await createSyncWorld({
    emulator,
    clientId: CLIENT.clientId,
    users: USERS,
    log: captured.log,
    label: 'deployed_scopes',
    env: { BB2_REQUIRE_DEMOGRAPHICS: 'false' },
  });
}, 120_000);

afterAll(async () => {
  await world?.close();
  await emulator?.close();
});

describe('an application registered without demographic scopes', () => {
  it('enrolls beneficiaries with the default scopes and syncs their Coverage and EOB, never Patient', async () => {
    expect(world.config.bb2.scopes).toBe(
      'openid launch/patient patient/Coverage.rs patient/ExplanationOfBenefit.rs',
    );
    await fetch(`${emulator.url}/__emulator/stats/reset`, { method: 'POST' });
    await world.startWorkers(2);
    const run = await world.run();
    expect(run.enrollments_ok).toBe(USERS.length);
    for (const { patientId } of world.enrolled) {
      expect(await countRows(world.tdb.pool, 'coverages', 'patient_id = $1', [patientId])).toBeGreaterThan(0);
      expect(await countRows(world.tdb.pool, 'claims', 'patient_id = $1', [patientId])).toBeGreaterThan(0);
    }
    expect(await countRows(world.tdb.pool, 'patients')).toBe(0);
    const patientReads = Object.entries(emulator.stats().requests).filter(([route]) =>
      route.includes('/fhir/Patient'),
    );
    expect(patientReads).toEqual([]);
  });

  it('cannot enroll anyone with the demographic default scopes: BB2 answers "Invalid scopes."', async () => {
    const config = loadConfig({ ...world.env, BB2_REQUIRE_DEMOGRAPHICS: 'true' });
    expect(config.bb2.scopes).toMatch(/profile/);
    const services = buildBb2Services(config, captured.log, world.tdb.pool);
    await expect(
      enrollSynthetic(services.flow, syntheticLogin(3), {
        redirectUri: config.bb2.redirectUri,
        fetchImpl: services.fetchImpl,
      }),
    ).rejects.toThrow(/Invalid scopes|400/);
  });
});

describe('the start-up check of the BB2 settings', () => {
  it('refuses demographic scopes in BB2_SCOPES when the application is registered without them', () => {
    expect(() =>
      loadConfig({
        ...world.env,
        BB2_REQUIRE_DEMOGRAPHICS: 'false',
        BB2_SCOPES: 'openid profile patient/Patient.rs patient/Coverage.rs',
      }),
    ).toThrow(/BB2_SCOPES: asks for profile, patient\/Patient\.rs but BB2_REQUIRE_DEMOGRAPHICS=false/);
  });

  it('passes the defaults and names a scope Blue Button’s SMART configuration does not list', async () => {
    const services = buildBb2Services(world.config, captured.log, world.tdb.pool);
    const ok = await checkBb2Configuration(world.config, services.fetchImpl, captured.log);
    expect(ok).toMatchObject({ kind: 'ok', url: `${emulator.url}/v2/fhir/.well-known/smart-configuration` });

    const wrong = loadConfig({
      ...world.env,
      BB2_SCOPES: 'openid patient/Coverage.r patient/Claim.read patient/ExplanationOfBenefit.rs',
    });
    await expect(checkBb2Configuration(wrong, services.fetchImpl, captured.log)).rejects.toThrow(
      /BB2_SCOPES: Blue Button does not support patient\/Claim\.read \(it supports: openid profile/,
    );
  });

  it('only warns when the SMART configuration cannot be read (BB2 down)', async () => {
    const down = loadConfig({ ...world.env, BB2_BASE_URL: 'http://127.0.0.1:9' });
    const services = buildBb2Services(down, captured.log, world.tdb.pool);
    const check = await checkBb2Configuration(down, services.fetchImpl, captured.log);
    expect(check.kind).toBe('unreadable');
    expect(captured.text()).toMatch(/could not read Blue Button’s SMART configuration/);
  });
});
