/**
 * `bbsync import` of the real BB2 v3 responses, run as a user runs it (the CLI in a child
 * process, a real database). Expected counts are computed from the JSON files.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { countRows } from '../helpers/tables.ts';
import { haveV3Fixtures, V3_FIXTURES_DIR, v3FixtureFiles, v3Resources } from '../helpers/v3-fixtures.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PRIOR_AUTH = 'http://hl7.org/fhir/us/davinci-pdex/StructureDefinition/pdex-priorauthorization';
let tdb: TestDatabase;

beforeAll(async () => {
  if (haveV3Fixtures) tdb = await createTestDatabase('import_v3');
});
afterAll(async () => {
  await tdb?.drop();
});

async function bbsync(...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['bin/bbsync.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_FORMAT: 'json', DATABASE_URL: tdb.url },
    });
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, stdout: e.stdout };
  }
}

function count(stdout: string, label: string): number {
  const m = new RegExp(`^\\s+${label}\\s+(\\d+)`, 'm').exec(stdout);
  if (!m) throw new Error(`no "${label}" in:\n${stdout}`);
  return Number(m[1]);
}

describe.skipIf(!haveV3Fixtures)(
  'bbsync import of BB2 v3 responses (needs ../shared/fixtures/bb2/v3)',
  () => {
    it('loads every v3 server response with nothing rejected or quarantined', async () => {
      // model-examples/ is left out: BFD mapping examples without ids, not server output.
      const files = v3FixtureFiles().map((f) => join(V3_FIXTURES_DIR, f));
      const run = await bbsync('import', ...files);
      expect(run.stdout).toMatch(/insurance-card-bundle\.json: a Digital Insurance Card/);
      expect(run.stdout).toMatch(/operation-outcome-error\.json: an? OperationOutcome/);
      expect(count(run.stdout, 'rejected')).toBe(0);
      expect(run.code).toBe(0);
      expect(await countRows(tdb.pool, 'quarantined_resources')).toBe(0);

      const ids = {
        Patient: new Set<string>(),
        Coverage: new Set<string>(),
        ExplanationOfBenefit: new Set<string>(),
      };
      const claims = new Set<string>();
      const coverages = new Set<string>();
      const patients = new Set<string>();
      for (const file of v3FixtureFiles()) {
        if (file.startsWith('insurance-card')) continue;
        for (const r of v3Resources(file)) {
          const set = ids[r.resourceType as keyof typeof ids];
          if (!set) continue;
          set.add(r.id);
          if (r.resourceType === 'ExplanationOfBenefit' && !r.meta.profile.includes(PRIOR_AUTH))
            claims.add(r.id);
          if (r.resourceType === 'Coverage' && r.beneficiary) coverages.add(r.id);
          if (r.resourceType === 'Patient' && r.identifier) patients.add(r.id);
        }
      }
      const stored = ids.Patient.size + ids.Coverage.size + ids.ExplanationOfBenefit.size;
      expect(count(run.stdout, 'inserted')).toBe(stored);
      expect(await countRows(tdb.pool, 'fhir_resources')).toBe(stored);
      expect(await countRows(tdb.pool, 'claims')).toBe(claims.size);
      expect(await countRows(tdb.pool, 'coverages')).toBe(coverages.size);
      expect(await countRows(tdb.pool, 'patients')).toBe(patients.size);
      const { rows } = await tdb.pool.query('SELECT DISTINCT claim_type FROM claims ORDER BY 1');
      expect(rows.map((r) => r.claim_type)).toEqual([
        'carrier',
        'dme',
        'hha',
        'inpatient',
        'outpatient',
        'pde',
        'snf',
      ]);
    });

    it('finds every v3 resource unchanged on a second import', async () => {
      const files = v3FixtureFiles().map((f) => join(V3_FIXTURES_DIR, f));
      const run = await bbsync('import', ...files);
      expect(run.code).toBe(0);
      expect(count(run.stdout, 'inserted')).toBe(0);
      expect(count(run.stdout, 'updated')).toBe(0);
      expect(count(run.stdout, 'analytics rows written')).toBe(0);
    });
  },
);
