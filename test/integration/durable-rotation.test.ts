/**
 * Finding 3 of issue 12: rotated refresh tokens are never lost. Each window of a refresh, against
 * the emulator's hostile token answers and real crashes (failpoints in a separate process): a 200
 * the client library rejects, a 200 without refresh_token, a crash after the store, a failed
 * store, a refresh that hangs. The emulator's reuse and lost-token counters must stay unchanged.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { buildBb2Services } from '../../src/services.ts';
import type { FaultConfig, RunningEmulator } from '../../src/emulator/index.ts';
import { enrollSynthetic, syntheticLogin } from '../../src/emulator-client/synthetic-enrollment.ts';
import { capturingLogger, leakedTokens, startTestEmulator, testConfig, testEnv } from '../helpers/bb2.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let emulator: RunningEmulator;
let tdb: TestDatabase;
const captured = capturingLogger();
const childOutput: string[] = [];

beforeAll(async () => {
  emulator = await startTestEmulator({ users: 20 });
  tdb = await createTestDatabase('rotation');
});
afterAll(async () => {
  await emulator?.close();
  await tdb?.drop();
});
afterEach(() => {
  emulator.setFaults({});
});

function services(extra: Record<string, string> = {}) {
  return buildBb2Services(testConfig(emulator, tdb.url, extra), captured.log, tdb.pool);
}

async function connected(index: number) {
  const s = services();
  const outcome = await enrollSynthetic(s.flow, syntheticLogin(index), {
    redirectUri: testConfig(emulator, tdb.url).bb2.redirectUri,
    fetchImpl: s.fetchImpl,
  });
  if (outcome.kind !== 'connected') throw new Error(`enrollment of user ${index}: ${outcome.kind}`);
  return outcome.enrollment;
}

async function expireStoredAccessToken(enrollmentId: string): Promise<void> {
  await tdb.pool.query(
    `UPDATE enrollments SET access_token_expires_at = now() - interval '1 minute' WHERE enrollment_id = $1`,
    [enrollmentId],
  );
}

async function tokenClient(enrollmentId: string, extraEnv: Record<string, string> = {}) {
  const args = ['--import', 'tsx', 'test/helpers/token-client.ts', enrollmentId, '1', '--use'];
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
    output: result.stdout + result.stderr,
  };
}

function counters() {
  const s = emulator.stats();
  return { reuse: s.refreshTokenReuse, lost: s.lostRefreshTokens };
}

async function status(enrollmentId: string) {
  const { rows } = await tdb.pool.query<{ status: string }>(
    'SELECT status FROM enrollments WHERE enrollment_id = $1',
    [enrollmentId],
  );
  return rows[0]?.status;
}

/** After the fault: two more refreshes work, so the stored refresh token is the live one. */
async function expectRefreshTokenAlive(enrollmentId: string): Promise<void> {
  for (let i = 0; i < 2; i++) {
    await expireStoredAccessToken(enrollmentId);
    const grant = await services().vault.getAccessToken(enrollmentId);
    expect(grant.accessToken).toEqual(expect.any(String));
  }
  expect(await status(enrollmentId)).toBe('active');
}

describe('a 200 the client library rejects', () => {
  it.each<[string, Partial<FaultConfig>, number]>([
    ['an id_token it cannot check', { tokenIdTokenRate: 1 }, 2],
    ['an unexpected token_type', { tokenTypeRate: 1 }, 3],
  ])('keeps the rotated refresh token when the response carries %s', async (_label, faults, user) => {
    const enrollment = await connected(user);
    await expireStoredAccessToken(enrollment.enrollmentId);
    const before = counters();
    emulator.setFaults(faults);
    await expect(services().vault.getAccessToken(enrollment.enrollmentId)).rejects.toMatchObject({
      category: 'malformed_response',
    });
    emulator.setFaults({});
    await expectRefreshTokenAlive(enrollment.enrollmentId);
    expect(counters()).toEqual(before);
  });
});

describe('a code exchange whose 200 the client rejects', () => {
  it('keeps the enrollment BB2 granted, with working tokens and the problem recorded', async () => {
    const before = counters();
    emulator.setFaults({ exchangeTokenTypeRate: 1 });
    const enrollment = await connected(8);
    emulator.setFaults({});
    const { rows } = await tdb.pool.query(
      `SELECT status, last_error_category, refresh_token_ciphertext IS NOT NULL AS has_refresh
         FROM enrollments WHERE enrollment_id = $1`,
      [enrollment.enrollmentId],
    );
    expect(rows[0]).toEqual({
      status: 'active',
      last_error_category: 'malformed_response',
      has_refresh: true,
    });
    // The tokens BB2 sent at the exchange are the live ones: they read FHIR and refresh.
    const grant = await services().vault.getAccessToken(enrollment.enrollmentId);
    expect(grant.patientId).toBe(enrollment.patientId);
    await expectRefreshTokenAlive(enrollment.enrollmentId);
    expect(counters()).toEqual(before);
    expect(captured.text()).toMatch(/failed validation after its tokens were stored/);
  });
});

describe('a 200 without refresh_token', () => {
  it('keeps the stored refresh token (RFC 6749 §6) instead of overwriting it with nothing', async () => {
    const enrollment = await connected(4);
    await expireStoredAccessToken(enrollment.enrollmentId);
    const before = counters();
    emulator.setFaults({ noRefreshTokenRate: 1 });
    const grant = await services().vault.getAccessToken(enrollment.enrollmentId);
    expect(grant.patientId).toBe(enrollment.patientId);
    const { rows } = await tdb.pool.query(
      'SELECT refresh_token_ciphertext IS NOT NULL AS kept FROM enrollments WHERE enrollment_id = $1',
      [enrollment.enrollmentId],
    );
    expect(rows[0]).toEqual({ kept: true });
    emulator.setFaults({});
    await expectRefreshTokenAlive(enrollment.enrollmentId);
    expect(counters()).toEqual(before);
  });
});

describe('a token answer larger than BB2_MAX_RESPONSE_BYTES', () => {
  it('is refused as malformed_response without buffering it, and the stored refresh token still works', async () => {
    const enrollment = await connected(9);
    await expireStoredAccessToken(enrollment.enrollmentId);
    const before = counters();
    // Finding 2: the OAuth path had no cap; BB2 answers this before anything changes.
    emulator.setFaults({ tokenHugeBodyRate: 1, hugeBodyBytes: 8 * 1024 * 1024 });
    const refused = await services({ BB2_MAX_RESPONSE_BYTES: String(1024 * 1024) })
      .vault.getAccessToken(enrollment.enrollmentId)
      .catch((err: unknown) => err);
    expect(refused).toMatchObject({
      category: 'malformed_response',
      message: expect.stringMatching(/larger than BB2_MAX_RESPONSE_BYTES/),
    });
    emulator.setFaults({});
    await expectRefreshTokenAlive(enrollment.enrollmentId);
    expect(counters()).toEqual(before);
  });
});

describe('crashes and failed writes around the store', () => {
  it('keeps the rotated token when the process dies right after storing it, before validation', async () => {
    const enrollment = await connected(5);
    await expireStoredAccessToken(enrollment.enrollmentId);
    const before = counters();
    const crashed = await tokenClient(enrollment.enrollmentId, {
      BBSYNC_FAILPOINTS: 'vault.after-rotated-save',
    });
    expect(crashed.signal).toBe('SIGKILL');
    const next = await tokenClient(enrollment.enrollmentId);
    expect(next.errors).toEqual([]);
    expect(next.fhirStatus).toBe(200);
    await expectRefreshTokenAlive(enrollment.enrollmentId);
    expect(counters()).toEqual(before);
  });

  it('retries the store of a rotated token on a fresh connection when the first write fails', async () => {
    const enrollment = await connected(6);
    await expireStoredAccessToken(enrollment.enrollmentId);
    const before = counters();
    const client = await tokenClient(enrollment.enrollmentId, {
      BBSYNC_FAILPOINTS: 'vault.store-rotated:throw',
    });
    expect(client.errors).toEqual([]);
    expect(client.fhirStatus).toBe(200);
    expect(client.output).toMatch(/retrying on a fresh connection/);
    await expectRefreshTokenAlive(enrollment.enrollmentId);
    expect(counters()).toEqual(before);
  });
});

describe('a refresh that hangs', () => {
  it('gives up after BB2_REFRESH_TIMEOUT_MS without holding a transaction open meanwhile', async () => {
    const enrollment = await connected(7);
    await expireStoredAccessToken(enrollment.enrollmentId);
    emulator.setFaults({ tokenLatencyMs: 4000 });
    const refreshing = services({ BB2_REFRESH_TIMEOUT_MS: '1500' })
      .vault.getAccessToken(enrollment.enrollmentId)
      .catch((err: unknown) => err);
    // Poll until the refresh holds its lock, then look at every connection of this database.
    let seen = false;
    for (let i = 0; i < 200 && !seen; i++) {
      const { rows } = await tdb.pool.query<{ locks: number; in_tx: number }>(
        `SELECT (SELECT count(*)::int FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                  WHERE l.locktype = 'advisory' AND a.datname = current_database()) AS locks,
                (SELECT count(*)::int FROM pg_stat_activity
                  WHERE datname = current_database() AND state LIKE 'idle in transaction%') AS in_tx`,
      );
      expect(rows[0]?.in_tx).toBe(0);
      seen = (rows[0]?.locks ?? 0) > 0;
      if (!seen) await new Promise((r) => setTimeout(r, 10));
    }
    expect(seen).toBe(true);
    expect(await refreshing).toMatchObject({ category: 'timeout' });
  });
});

describe('secrets', () => {
  it('logs no token the emulator issued', () => {
    expect(leakedTokens(emulator, captured.text())).toEqual([]);
    expect(leakedTokens(emulator, childOutput.join('\n'))).toEqual([]);
  });
});
