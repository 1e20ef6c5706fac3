/**
 * `bbsync import` run as a user runs it: the real CLI in a child process, against a real database.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import {
  allFixtureFiles,
  describeWithFixtures,
  FIXTURES_DIR,
  fixtureResources,
} from '../helpers/fixtures.ts';
import { countRows, rowVersions } from '../helpers/tables.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let tdb: TestDatabase;
let scratch: string;

// Each test imports into a database of its own, so none depends on what another loaded.
beforeEach(async () => {
  tdb = await createTestDatabase('import');
});
afterEach(async () => {
  await tdb.drop();
});
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'bbsync-import-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

async function bbsync(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runBbsync(args, { DATABASE_URL: tdb.url });
}

async function runBbsync(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/bbsync.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_FORMAT: 'json', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function count(stdout: string, label: string): number {
  const m = new RegExp(`^\\s+${label}\\s+(\\d+)`, 'm').exec(stdout);
  if (!m) throw new Error(`no "${label}" in:\n${stdout}`);
  return Number(m[1]);
}

describeWithFixtures('bbsync import of the real fixtures', () => {
  it('loads every Patient, Coverage and EOB of the real fixtures and explains what it skipped', async () => {
    const run = await bbsync('import', FIXTURES_DIR);
    expect(run.code).toBe(0);
    expect(count(run.stdout, 'resources read')).toBe(146);
    expect(count(run.stdout, 'inserted')).toBe(109); // 146 copies of 109 distinct resources
    expect(count(run.stdout, 'duplicates in input')).toBe(37);
    expect(count(run.stdout, 'rejected')).toBe(0);
    expect(run.stdout).toMatch(/bb2-server-tests\/metadata\.json: a CapabilityStatement/);
    expect(run.stdout).toMatch(/bb2-server-tests\/userinfo\.json: not a FHIR resource/);
    expect(run.stdout).toMatch(/meta\.lastUpdated "IGNORED_FIELD" is not a timestamp; stored as NULL/);

    // Distinct ids per type, counted straight from the JSON files.
    const ids = {
      Patient: new Set<string>(),
      Coverage: new Set<string>(),
      ExplanationOfBenefit: new Set<string>(),
    };
    for (const file of allFixtureFiles()) {
      for (const r of fixtureResources(file)) ids[r.resourceType as keyof typeof ids]?.add(r.id);
    }
    expect(ids.Patient.size + ids.Coverage.size + ids.ExplanationOfBenefit.size).toBe(109);
    expect(await countRows(tdb.pool, 'patients')).toBe(ids.Patient.size);
    expect(await countRows(tdb.pool, 'coverages')).toBe(ids.Coverage.size);
    expect(await countRows(tdb.pool, 'claims')).toBe(ids.ExplanationOfBenefit.size);
    const { rows } = await tdb.pool.query(
      'SELECT claim_type, count(*)::int AS n FROM claims GROUP BY 1 ORDER BY 1',
    );
    expect(rows.map((r) => r.claim_type)).toEqual([
      'carrier',
      'dme',
      'hha',
      'hospice',
      'inpatient',
      'outpatient',
      'pde',
      'snf',
    ]);
  });

  it('reports every resource unchanged on a second run and writes no row', async () => {
    expect((await bbsync('import', FIXTURES_DIR)).code).toBe(0);
    const before = await rowVersions(tdb.pool);
    const run = await bbsync('import', FIXTURES_DIR);
    expect(run.code).toBe(0);
    expect(count(run.stdout, 'unchanged')).toBe(109);
    expect(count(run.stdout, 'inserted')).toBe(0);
    expect(count(run.stdout, 'updated')).toBe(0);
    expect(count(run.stdout, 'analytics rows written')).toBe(0);
    expect(await rowVersions(tdb.pool)).toEqual(before);
  });
});

describe('bbsync import', () => {
  it('rejects what it cannot normalize with file, resource and reason, loads the rest and exits 1', async () => {
    const file = join(scratch, 'mixed.json');
    writeFileSync(
      file,
      JSON.stringify({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [
          { resource: { resourceType: 'ExplanationOfBenefit', id: 'carrier--1', item: [] } },
          {
            resource: {
              resourceType: 'Coverage',
              id: 'part-a--77',
              beneficiary: { reference: 'Patient/-77' },
              status: 'active',
            },
          },
        ],
      }),
    );
    const run = await bbsync('import', file);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /mixed\.json entry\[0\]: ExplanationOfBenefit\/carrier--1: has no patient reference/,
    );
    expect(count(run.stdout, 'inserted')).toBe(1);
    const { rows } = await tdb.pool.query(`SELECT resource_id, source FROM quarantined_resources`);
    expect(rows).toEqual([
      { resource_id: 'carrier--1', source: expect.stringMatching(/mixed\.json entry\[0\]$/) },
    ]);
  });

  it('says a file is not JSON, without a stack trace, and exits 1', async () => {
    const file = join(scratch, 'notes.json');
    writeFileSync(file, 'these are my notes, not FHIR');
    const run = await bbsync('import', file);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/notes\.json is not valid JSON/);
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
  });

  it('loads ndjson line by line and names the line of a bad one', async () => {
    const file = join(scratch, 'patients.ndjson');
    writeFileSync(
      file,
      [
        JSON.stringify({ resourceType: 'Patient', id: '-88', gender: 'female', birthDate: '1940-02-29' }),
        '{ broken',
        JSON.stringify({ resourceType: 'Patient', id: '-89', gender: 'male' }),
      ].join('\n'),
    );
    const run = await bbsync('import', file);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/patients\.ndjson line 2 not valid JSON/);
    const { rows } = await tdb.pool.query(
      `SELECT patient_id, birth_date FROM patients WHERE patient_id IN ('-88','-89') ORDER BY 1`,
    );
    expect(rows).toEqual([
      { patient_id: '-88', birth_date: '1940-02-29' },
      { patient_id: '-89', birth_date: null },
    ]);
  });

  it('tells a new user to migrate when the database does not exist', async () => {
    const missing = tdb.url.replace(/\/[^/]+$/, '/bbsync_does_not_exist');
    const { stderr, code } = await runBbsync(['import', scratch], { DATABASE_URL: missing });
    expect(code).toBe(2);
    expect(stderr).toContain(
      'database "bbsync_does_not_exist" does not exist; run `npx bbsync migrate` to create it',
    );
  });
});
