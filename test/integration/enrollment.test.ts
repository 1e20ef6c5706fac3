/**
 * Enrollment and the token vault against the emulator: the real authorization-code flow through
 * the HTML forms, refresh-token rotation across processes, crashes during a refresh, revoked and
 * expired grants, encryption keys. Finally, no token the emulator issued appears in any log line,
 * child process output or table.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config.ts';
import { buildBb2Services } from '../../src/services.ts';
import { KeyRing } from '../../src/enrollment/crypto.ts';
import { rotateKeys } from '../../src/enrollment/key-rotation.ts';
import {
  createTokenVault,
  hasDemographicScope,
  EnrollmentInactiveError,
} from '../../src/enrollment/tokens.ts';
import { enrollSynthetic, syntheticLogin } from '../../src/emulator-client/synthetic-enrollment.ts';
import { unenroll } from '../../src/enrollment/unenroll.ts';
import { ReauthRequiredError } from '../../src/errors.ts';
import type { RunningEmulator } from '../../src/emulator/index.ts';
import {
  capturingLogger,
  leakedTokens,
  OTHER_TEST_KEY,
  startTestEmulator,
  TEST_KEY,
  testConfig,
  testEnv,
} from '../helpers/bb2.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { countRows, dumpAnalytics } from '../helpers/tables.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let emulator: RunningEmulator;
let tdb: TestDatabase;
const captured = capturingLogger();
const childOutput: string[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator({ users: 30 });
  tdb = await createTestDatabase('enroll');
});
afterAll(async () => {
  await emulator?.close();
  await tdb?.drop();
});

function services(extra: Record<string, string> = {}) {
  return buildBb2Services(testConfig(emulator, tdb.url, extra), captured.log, tdb.pool);
}

async function enroll(index: number, options: { shareDemographics?: boolean; deny?: boolean } = {}) {
  const s = services();
  return enrollSynthetic(
    s.flow,
    { ...syntheticLogin(index), ...options },
    {
      redirectUri: testConfig(emulator, tdb.url).bb2.redirectUri,
      fetchImpl: s.fetchImpl,
    },
  );
}

async function connected(index: number) {
  const outcome = await enroll(index);
  if (outcome.kind !== 'connected') throw new Error(`enrollment of user ${index}: ${outcome.kind}`);
  return outcome.enrollment;
}

async function emulatorPost(path: string, body: unknown = {}): Promise<unknown> {
  const response = await fetch(`${emulator.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.ok).toBe(true);
  return response.json();
}

async function tokenClient(
  enrollmentId: string,
  calls: number,
  extraEnv: Record<string, string> = {},
  use = false,
) {
  const args = ['--import', 'tsx', 'test/helpers/token-client.ts', enrollmentId, String(calls)];
  if (use) args.push('--use');
  const result = await promisify(execFile)(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...testEnv(emulator, tdb.url, extraEnv) },
  }).catch((err: { stdout: string; stderr: string; code: number | null; signal: string | null }) => err);
  childOutput.push(result.stdout, result.stderr);
  const line = result.stdout.trim().split('\n').pop();
  return {
    ...(line
      ? (JSON.parse(line) as { tokens: string[]; errors: string[]; fhirStatus?: number })
      : { tokens: [], errors: [] }),
    signal: 'signal' in result ? result.signal : null,
  };
}

async function expireStoredAccessToken(enrollmentId: string): Promise<void> {
  await tdb.pool.query(
    `UPDATE enrollments SET access_token_expires_at = now() - interval '1 minute' WHERE enrollment_id = $1`,
    [enrollmentId],
  );
}

describe('enrolling through the HTML forms', () => {
  it('connects a beneficiary and stores an active enrollment with encrypted tokens', async () => {
    const outcome = await enroll(1);
    expect(outcome.kind).toBe('connected');
    if (outcome.kind !== 'connected') return;
    expect(outcome.enrollment.patientId).toBe('-19990000000002'); // BBUser00001
    expect(hasDemographicScope(outcome.enrollment.scope)).toBe(true);
    const { rows } = await tdb.pool.query('SELECT * FROM enrollments WHERE enrollment_id = $1', [
      outcome.enrollment.enrollmentId,
    ]);
    expect(rows[0]).toMatchObject({
      patient_id: '-19990000000002',
      status: 'active',
      refresh_token_ciphertext: expect.stringMatching(/^v1\.test1\./),
      access_token_ciphertext: expect.stringMatching(/^v1\.test1\./),
    });
    // BB2 gives 13-month grants.
    const months = (Date.parse(rows[0].access_grant_expiration) - Date.now()) / (30.4 * 86_400_000);
    expect(months).toBeGreaterThan(12.5);
    expect(months).toBeLessThan(13.5);
  });

  it('stores nothing when the beneficiary denies access', async () => {
    const before = await countRows(tdb.pool, 'enrollments');
    expect((await enroll(2, { deny: true })).kind).toBe('denied');
    expect(await countRows(tdb.pool, 'enrollments')).toBe(before);
  });

  it('records the scopes as granted when demographics are withheld', async () => {
    const outcome = await enroll(3, { shareDemographics: false });
    if (outcome.kind !== 'connected') throw new Error(outcome.kind);
    expect(hasDemographicScope(outcome.enrollment.scope)).toBe(false);
    expect(outcome.enrollment.scope).toContain('patient/ExplanationOfBenefit');
    expect(outcome.enrollment.scope).not.toContain('profile');
  });

  it('refuses a callback whose state was not started in this browser, and a replayed callback', async () => {
    const s = services();
    const started = await s.flow.start();
    const query = new URLSearchParams({ code: 'whatever', state: started.state });
    expect((await s.flow.complete(query, 'a-different-state-0123456789')).kind).toBe('wrong_browser');
    expect((await s.flow.complete(query, undefined)).kind).toBe('wrong_browser');

    // A real callback works once; the same link again is a replay.
    let callback: URLSearchParams | undefined;
    const capturing = {
      ...s.flow,
      complete: async (q: URLSearchParams, state: string | undefined) => {
        callback = q;
        return s.flow.complete(q, state);
      },
    };
    const first = await enrollSynthetic(capturing, syntheticLogin(4), {
      redirectUri: testConfig(emulator, tdb.url).bb2.redirectUri,
      fetchImpl: s.fetchImpl,
    });
    expect(first.kind).toBe('connected');
    expect((await s.flow.complete(callback!, callback!.get('state')!)).kind).toBe('replayed');
  });

  it('says a link has expired when the beneficiary took longer than the authorization may last', async () => {
    const s = services();
    const started = await s.flow.start();
    await tdb.pool.query(`UPDATE authorization_requests SET expires_at = now() - interval '1 second'`);
    const query = new URLSearchParams({ code: 'late-code', state: started.state });
    expect((await s.flow.complete(query, started.state)).kind).toBe('expired');
  });

  it('updates the existing enrollment when a patient connects again', async () => {
    const first = await connected(5);
    const second = await connected(5);
    expect(second.enrollmentId).toBe(first.enrollmentId);
    expect(second.reenrolled).toBe(true);
    expect(await countRows(tdb.pool, 'enrollments', 'patient_id = $1', [first.patientId])).toBe(1);
  });
});

// Each test starts up to three token-client processes: give them room on a loaded machine.
describe('rotation-safe refresh', { timeout: 300_000 }, () => {
  it('refreshes exactly once for 200 concurrent requests from two processes, reusing no token', async () => {
    const enrollment = await connected(10);
    await expireStoredAccessToken(enrollment.enrollmentId);
    const before = emulator.stats();
    const [a, b] = await Promise.all([
      tokenClient(enrollment.enrollmentId, 100),
      tokenClient(enrollment.enrollmentId, 100),
    ]);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    // Everyone got the one new token.
    expect(new Set([...a.tokens, ...b.tokens]).size).toBe(1);
    const after = emulator.stats();
    expect(after.refreshes - before.refreshes).toBe(1);
    expect(after.refreshTokenReuse - before.refreshTokenReuse).toBe(0);
  });

  it('still has a working token after a process is killed right after committing a refresh', async () => {
    const enrollment = await connected(11);
    await expireStoredAccessToken(enrollment.enrollmentId);
    const crashed = await tokenClient(enrollment.enrollmentId, 1, {
      BBSYNC_FAILPOINTS: 'vault.after-refresh-commit',
    });
    expect(crashed.signal).toBe('SIGKILL');
    const next = await tokenClient(enrollment.enrollmentId, 1, {}, true);
    expect(next.errors).toEqual([]);
    expect(next.fhirStatus).toBe(200);
    // Expire again: the refresh token stored by the killed process works too.
    await expireStoredAccessToken(enrollment.enrollmentId);
    const reused = emulator.stats().refreshTokenReuse;
    expect((await tokenClient(enrollment.enrollmentId, 1, {}, true)).fhirStatus).toBe(200);
    expect(emulator.stats().refreshTokenReuse).toBe(reused);
  });

  it('marks the enrollment reauth_required when a process died before storing the rotated token', async () => {
    const enrollment = await connected(12);
    await expireStoredAccessToken(enrollment.enrollmentId);
    const crashed = await tokenClient(enrollment.enrollmentId, 1, {
      BBSYNC_FAILPOINTS: 'vault.after-refresh-response',
    });
    expect(crashed.signal).toBe('SIGKILL');
    // BB2 rotated the token but we never stored the new one: the old one is spent.
    const next = await tokenClient(enrollment.enrollmentId, 1);
    expect(next.errors).toEqual([expect.stringMatching(/invalid_grant/)]);
    const { rows } = await tdb.pool.query(
      'SELECT status, last_error_category FROM enrollments WHERE enrollment_id = $1',
      [enrollment.enrollmentId],
    );
    expect(rows[0]).toEqual({ status: 'reauth_required', last_error_category: 'reauth_required' });
    // And it is never refreshed again automatically.
    const refreshes = emulator.stats().refreshes;
    await expect(services().vault.getAccessToken(enrollment.enrollmentId)).rejects.toBeInstanceOf(
      EnrollmentInactiveError,
    );
    expect(emulator.stats().refreshes).toBe(refreshes);
  });

  it('keeps the stored token after a 502 that happened before BB2 rotated anything', async () => {
    const enrollment = await connected(13);
    await expireStoredAccessToken(enrollment.enrollmentId);
    emulator.setFaults({ tokenRate5xx: 1 });
    try {
      await expect(services().vault.getAccessToken(enrollment.enrollmentId)).rejects.toMatchObject({
        category: 'upstream_5xx',
      });
    } finally {
      emulator.setFaults({});
    }
    const grant = await services().vault.getAccessToken(enrollment.enrollmentId);
    expect(grant.patientId).toBe(enrollment.patientId);
    const { rows } = await tdb.pool.query('SELECT status FROM enrollments WHERE enrollment_id = $1', [
      enrollment.enrollmentId,
    ]);
    expect(rows[0].status).toBe('active');
  });

  it('refreshes once when BB2 rejects the access token with 401, and returns the same new token to later callers', async () => {
    const enrollment = await connected(14);
    const vault = services().vault;
    const first = await vault.getAccessToken(enrollment.enrollmentId);
    await emulatorPost('/__emulator/tokens/expire', { patientId: enrollment.patientId });
    const before = emulator.stats().refreshes;
    const renewed = await vault.getAccessToken(enrollment.enrollmentId, { rejectedToken: first.accessToken });
    const again = await vault.getAccessToken(enrollment.enrollmentId, { rejectedToken: first.accessToken });
    expect(renewed.accessToken).not.toBe(first.accessToken);
    expect(again.accessToken).toBe(renewed.accessToken);
    expect(emulator.stats().refreshes - before).toBe(1);
  });
});

describe('grants that end', () => {
  it.each([
    ['revoked at Medicare.gov', 'reauth_required', 'revoke', /403 invalid_grant/],
    ['expired after 13 months', 'expired', 'expire', /401 invalid_grant/],
  ])('when the grant was %s, marks the enrollment %s', async (_label, status, action, message) => {
    const enrollment = await connected(action === 'revoke' ? 15 : 16);
    await expireStoredAccessToken(enrollment.enrollmentId);
    await emulatorPost(`/__emulator/grants/${enrollment.patientId}/${action}`);
    const error = await services()
      .vault.getAccessToken(enrollment.enrollmentId)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReauthRequiredError);
    expect(String((error as Error).message)).toMatch(message);
    const { rows } = await tdb.pool.query('SELECT status FROM enrollments WHERE enrollment_id = $1', [
      enrollment.enrollmentId,
    ]);
    expect(rows[0].status).toBe(status);
  });

  it('unenrolls: revokes the grant at BB2, forgets the tokens and purges the data when asked', async () => {
    const enrollment = await connected(17);
    await tdb.pool.query(
      `INSERT INTO claims (claim_id, patient_id, claim_type) VALUES ('carrier--1', $1, 'carrier')`,
      [enrollment.patientId],
    );
    const s = services();
    const result = await unenroll(
      { pool: tdb.pool, log: captured.log, vault: s.vault, oauth: s.oauth },
      enrollment.enrollmentId,
      {
        purge: true,
        actor: 'test',
      },
    );
    expect(result).toEqual({ revokedAtBb2: true, purgedRows: 1 });
    const { rows } = await tdb.pool.query(
      'SELECT status, refresh_token_ciphertext, access_token_ciphertext FROM enrollments WHERE enrollment_id = $1',
      [enrollment.enrollmentId],
    );
    expect(rows[0]).toEqual({
      status: 'revoked',
      refresh_token_ciphertext: null,
      access_token_ciphertext: null,
    });
    expect(await countRows(tdb.pool, 'claims', 'patient_id = $1', [enrollment.patientId])).toBe(0);
    expect(
      await countRows(tdb.pool, 'audit_log', `action = 'revoke' AND target = $1`, [enrollment.enrollmentId]),
    ).toBe(1);
  });
});

describe('encryption keys', () => {
  it('decrypts with an older key after a new one is added, and rotates every secret to the new key', async () => {
    const enrollment = await connected(20);
    const both = testConfig(emulator, tdb.url, { TOKEN_ENCRYPTION_KEY: `${OTHER_TEST_KEY},${TEST_KEY}` });
    const vault = createTokenVault({
      pool: tdb.pool,
      keys: new KeyRing(both.tokens.keys),
      oauth: services().oauth,
      refreshMarginSeconds: 300,
      log: captured.log,
    });
    expect((await vault.getAccessToken(enrollment.enrollmentId)).patientId).toBe(enrollment.patientId);

    const { reencrypted } = await rotateKeys(tdb.pool, new KeyRing(both.tokens.keys));
    expect(reencrypted).toBeGreaterThanOrEqual(2);
    expect(await countRows(tdb.pool, 'enrollments', `refresh_token_ciphertext LIKE 'v1.test1.%'`)).toBe(0);
    expect(await countRows(tdb.pool, 'enrollments', `access_token_ciphertext LIKE 'v1.test1.%'`)).toBe(0);

    // The new key alone now suffices, and the old one alone no longer does.
    const onlyNew = services({ TOKEN_ENCRYPTION_KEY: OTHER_TEST_KEY }).vault;
    expect((await onlyNew.getAccessToken(enrollment.enrollmentId)).patientId).toBe(enrollment.patientId);
    await expect(
      services({ TOKEN_ENCRYPTION_KEY: TEST_KEY }).vault.getAccessToken(enrollment.enrollmentId),
    ).rejects.toThrow(/encrypted with key "test2", which is not configured/);
    // Its own category, telling the operator what to do (not "internal").
    await expect(
      services({ TOKEN_ENCRYPTION_KEY: TEST_KEY }).vault.getAccessToken(enrollment.enrollmentId),
    ).rejects.toMatchObject({
      category: 'key_missing',
      message: expect.stringMatching(/restart the workers/),
    });
  });

  it('refuses a ciphertext moved to another enrollment', () => {
    const ring = new KeyRing(loadConfig({ TOKEN_ENCRYPTION_KEY: TEST_KEY }).tokens.keys);
    const sealed = ring.encrypt('secret', 'refresh:enr_a');
    expect(ring.decrypt(sealed, 'refresh:enr_a')).toBe('secret');
    expect(() => ring.decrypt(sealed, 'refresh:enr_b')).toThrow(/does not decrypt/);
  });
});

describe('secrets', () => {
  it('never logs, prints or stores in plaintext any token the emulator issued', async () => {
    expect(emulator.issuedTokens().length).toBeGreaterThan(20);
    expect(leakedTokens(emulator, captured.text())).toEqual([]);
    expect(leakedTokens(emulator, childOutput.join('\n'))).toEqual([]);
    const { rows } = await tdb.pool.query('SELECT * FROM enrollments');
    const { rows: pending } = await tdb.pool.query('SELECT * FROM authorization_requests');
    const stored = JSON.stringify([rows, pending, await dumpAnalytics(tdb.pool)]);
    expect(leakedTokens(emulator, stored)).toEqual([]);
  });
});
