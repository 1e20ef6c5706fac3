/**
 * `bbsync report` run as a user runs it: the real CLI in a child process, against a database
 * holding the real fixtures. Expected numbers come from the raw JSON (test/helpers/raw-fixtures.ts).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { importFiles } from '../../src/import/import-files.ts';
import { listInputFiles } from '../../src/import/read-files.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { describeWithFixtures, FIXTURES_DIR, fixturesPresent } from '../helpers/fixtures.ts';
import {
  beneficiaryOf,
  dbCents,
  rawClaim,
  rawDiagnoses,
  rawFills,
  rawFixtures,
  sum,
  type RawFixtures,
} from '../helpers/raw-fixtures.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let tdb: TestDatabase;
let empty: TestDatabase;
let raw: RawFixtures;

beforeAll(async () => {
  [tdb, empty] = await Promise.all([createTestDatabase('report'), createTestDatabase('report_empty')]);
  if (!fixturesPresent) return; // the report tests over the fixtures are skipped
  await importFiles(tdb.pool, await listInputFiles([FIXTURES_DIR]));
  raw = await rawFixtures();
});
afterAll(async () => {
  await Promise.all([tdb.drop(), empty.drop()]);
});

async function bbsync(
  args: string[],
  databaseUrl = tdb.url,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/bbsync.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, LOG_FORMAT: 'json', DATABASE_URL: databaseUrl },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every beneficiary id in the fixtures. */
const beneficiaries = () =>
  [...new Set([...raw.patients, ...raw.coverages, ...raw.eobs].map(beneficiaryOf))].sort();

/** Diagnosis codes by claims carrying them, then beneficiaries, from the raw JSON. */
function expectedTopDiagnoses(patientId?: string) {
  const byCode = new Map<string, { claims: Set<string>; patients: Set<string> }>();
  for (const eob of raw.eobs) {
    const claim = rawClaim(eob);
    if (patientId !== undefined && claim.patientId !== patientId) continue;
    for (const dx of rawDiagnoses(eob)) {
      const key = `${dx.code}|${dx.system}`;
      const g = byCode.get(key) ?? { claims: new Set<string>(), patients: new Set<string>() };
      g.claims.add(claim.id);
      g.patients.add(claim.patientId);
      byCode.set(key, g);
    }
  }
  return [...byCode]
    .map(([key, g]) => ({
      code: key.split('|')[0]!,
      system: key.split('|')[1]!,
      claim_count: g.claims.size,
      patient_count: g.patients.size,
    }))
    .sort(
      (a, b) =>
        b.claim_count - a.claim_count ||
        b.patient_count - a.patient_count ||
        (a.code < b.code ? -1 : a.code > b.code ? 1 : a.system < b.system ? -1 : 1),
    );
}

describeWithFixtures('bbsync report over the real fixtures', () => {
  it('prints aligned tables of the patient summary and the top diagnoses, drugs and procedures', async () => {
    const run = await bbsync(['report']);
    expect(run.code).toBe(0);
    const ids = beneficiaries();
    expect(run.stdout).toContain(`Patient summary (${ids.length} beneficiaries)`);
    for (const id of ids) expect(run.stdout).toMatch(new RegExp(`^${id} `, 'm'));
    expect(run.stdout).toContain('Top 10 diagnoses, all beneficiaries');
    expect(run.stdout).toContain('Top 10 drugs, all beneficiaries');
    expect(run.stdout).toContain('Top 10 procedures, all beneficiaries');

    // Each table: a header, a rule of dashes, then rows whose columns line up under the rule.
    for (const block of run.stdout.trim().split('\n\n')) {
      const [, header, rule, ...rows] = block.split('\n');
      expect(rule, block).toMatch(/^-+( {2}-+)*$/);
      expect(header!.trimEnd().length).toBeLessThanOrEqual(rule!.length);
      for (const row of rows) expect(row.length, row).toBeLessThanOrEqual(rule!.length);
      // Right-aligned number columns end exactly where their rule ends.
      const ruleEnds = [...rule!.matchAll(/-+/g)].map((m) => m.index + m[0].length);
      const lastEnd = ruleEnds.at(-1)!;
      for (const row of rows.filter((r) => /\d$/.test(r))) expect(row.length).toBe(lastEnd);
    }

    const top = expectedTopDiagnoses()[0]!;
    expect(run.stdout).toMatch(
      new RegExp(`^${top.code} +\\S+ .* ${top.claim_count} +${top.patient_count}$`, 'm'),
    );
  });

  it('shows one beneficiary field by field with what was paid, computed as from the raw JSON', async () => {
    const id = '-20140000008325';
    const own = raw.eobs.map(rawClaim).filter((c) => c.patientId === id);
    const run = await bbsync(['report', '--patient', id, '--limit', '3']);
    expect(run.code).toBe(0);
    const field = (name: string) => new RegExp(`^  ${name} +(.*)$`, 'm').exec(run.stdout)?.[1];
    expect(field('patient_id')).toBe(id);
    expect(field('active coverage')).toBe('Part A, Part B, Part C, Part D');
    expect(dbCents(field('total paid'))).toBe(sum(own.map((c) => c.payment)));
    expect(dbCents(field('Part D plan paid'))).toBe(
      sum(own.filter((c) => c.type === 'pde').map((c) => c.payment)),
    );
    expect(field('claims')).toMatch(new RegExp(`^${own.length} \\(`));
    expect(run.stdout).toContain(`Top 3 diagnoses, patient ${id}`);
    const diagnosisRows = run.stdout.split('Top 3 diagnoses')[1]!.split('\n\n')[0]!.split('\n').slice(3);
    expect(diagnosisRows).toHaveLength(3);
  });

  it('writes JSON with every section, numbers matching the raw JSON', async () => {
    const run = await bbsync(['report', '--format', 'json', '--limit', '5']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(Object.keys(report)).toEqual([
      'patient_id',
      'limit',
      'patients',
      'top_diagnoses',
      'top_drugs',
      'top_procedures',
    ]);
    expect(report.patient_id).toBeNull();
    expect(report.patients.map((p: { patient_id: string }) => p.patient_id)).toEqual(beneficiaries());
    const claims = raw.eobs.map(rawClaim);
    for (const p of report.patients) {
      const own = claims.filter((c) => c.patientId === p.patient_id);
      expect(p.claim_count).toBe(own.length);
      expect(dbCents(p.total_paid_amount)).toBe(sum(own.map((c) => c.payment)) ?? 0);
    }
    expect(
      report.top_diagnoses.map(
        (d: { code: string; system: string; claim_count: number; patient_count: number }) => ({
          code: d.code,
          system: d.system,
          claim_count: d.claim_count,
          patient_count: d.patient_count,
        }),
      ),
    ).toEqual(expectedTopDiagnoses().slice(0, 5));

    const fills = raw.eobs.filter((e) => rawClaim(e).type === 'pde').flatMap(rawFills);
    const top = report.top_drugs[0];
    const same = fills.filter((f) => f.ndc === top.ndc);
    expect(top.fill_count).toBe(same.length);
    expect(Math.max(...fills.map((f) => fills.filter((g) => g.ndc === f.ndc).length))).toBe(top.fill_count);
    expect(dbCents(top.plan_paid)).toBe(sum(same.map((f) => f.plan_paid)));
    expect(dbCents(top.patient_paid)).toBe(sum(same.map((f) => f.patient_paid)));
    expect(report.top_procedures.length).toBe(5);
    expect(report.top_procedures[0].claim_count).toBeGreaterThanOrEqual(report.top_procedures[4].claim_count);
  });

  it('writes CSV sections, each headed by a # line, and plain CSV for a single section', async () => {
    const run = await bbsync(['report', '--format', 'csv']);
    expect(run.code).toBe(0);
    const blocks = run.stdout.split('\r\n\r\n');
    expect(blocks.map((b) => b.split('\r\n')[0])).toEqual([
      '# patients',
      '# top_diagnoses',
      '# top_drugs',
      '# top_procedures',
    ]);
    const patients = blocks[0]!.trim().split('\r\n').slice(1);
    expect(patients[0]).toMatch(/^patient_id,has_patient_record,birth_date,/);
    expect(patients).toHaveLength(beneficiaries().length + 1);
    // Quoted where a value holds a comma: the coverage parts, and descriptions like "UNEMPLOYMENT, UNSPECIFIED".
    expect(blocks[0]).toContain(',"A,B,C,D",');

    const drugs = await bbsync(['report', '--format', 'csv', '--section', 'drugs', '--limit', '3']);
    expect(drugs.code).toBe(0);
    const lines = drugs.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe('ndc,drug_name,fill_count,patient_count,total_cost,plan_paid,patient_paid');
    expect(lines).toHaveLength(4);
  });
});

describe('bbsync report', () => {
  it('says clearly that a patient is unknown and exits non-zero', async () => {
    const run = await bbsync(['report', '--patient', 'no-such-patient']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      'bbsync: patient "no-such-patient" not found: database "' +
        tdb.name +
        '" has no Patient, Coverage or claim with that id',
    );
  });

  it('rejects a bad format or limit with the accepted values', async () => {
    const format = await bbsync(['report', '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format must be one of table, csv, json (got "xml")');
    const limit = await bbsync(['report', '--limit', 'ten']);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--limit must be a whole number of at least 1 (got "ten")');
  });

  it('tells a new user how to load data when the database is empty', async () => {
    const run = await bbsync(['report'], empty.url);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`No beneficiaries in database "${empty.name}" yet`);
    expect(run.stdout).toContain('Top 10 diagnoses, all beneficiaries (claims carrying the code)\n  (none)');
  });
});
