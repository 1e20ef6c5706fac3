import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

import { MIGRATIONS_FOLDER, migrateDatabase } from '../../src/db/migrate.ts';
import { dropDatabase, unusedDatabaseUrl } from '../helpers/db.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const created: string[] = [];

afterAll(async () => {
  for (const name of created) await dropDatabase(name);
});

async function tables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string }>(
      `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    return rows.map((r) => r.t);
  } finally {
    await client.end();
  }
}

describe('migrate', () => {
  it('creates a missing database and applies every migration, then has nothing left to do', async () => {
    const { url, name } = unusedDatabaseUrl('migrate');
    created.push(name);
    const first = await migrateDatabase(url);
    expect(first.databaseCreated).toBe(true);
    expect(first.applied).toBe(readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql')).length);
    expect(await tables(url)).toEqual(
      expect.arrayContaining(['claims', 'claim_lines', 'patients', 'fhir_resources']),
    );
    const second = await migrateDatabase(url);
    expect(second).toEqual({ databaseCreated: false, applied: 0 });
  });

  it('lets four concurrent migrate calls on a new database all succeed', async () => {
    const { url, name } = unusedDatabaseUrl('migrate_race');
    created.push(name);
    const results = await Promise.all([1, 2, 3, 4].map(() => migrateDatabase(url)));
    expect(results.filter((r) => r.databaseCreated)).toHaveLength(1);
    expect(results.reduce((n, r) => n + r.applied, 0)).toBe(
      readdirSync(MIGRATIONS_FOLDER).filter((f) => f.endsWith('.sql')).length,
    );
  });

  it('runs as `bbsync migrate` from the command line and says what it did', async () => {
    const { url, name } = unusedDatabaseUrl('migrate_cli');
    created.push(name);
    const env = { ...process.env, DATABASE_URL: url };
    const first = await run(process.execPath, ['bin/bbsync.js', 'migrate'], { cwd: ROOT, env });
    expect(first.stdout).toMatch(new RegExp(`created database "${name}"; applied \\d+ migration`));
    const second = await run(process.execPath, ['bin/bbsync.js', 'migrate'], { cwd: ROOT, env });
    expect(second.stdout).toContain(`database "${name}" is up to date`);
  });
});

describe('schema drift', () => {
  it('finds nothing to generate: the drizzle schema and the committed migrations agree', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bbsync-drift-'));
    try {
      cpSync(MIGRATIONS_FOLDER, join(dir, 'migrations'), { recursive: true });
      // drizzle-kit resolves paths relative to its working directory.
      writeFileSync(
        join(dir, 'drizzle.config.ts'),
        `export default { dialect: 'postgresql', schema: ${JSON.stringify(
          relative(dir, join(ROOT, 'src/db/schema.ts')),
        )}, out: './migrations' };\n`,
      );
      const before = readdirSync(join(dir, 'migrations')).sort();
      const { stdout } = await run(
        join(ROOT, 'node_modules/.bin/drizzle-kit'),
        ['generate', '--config', 'drizzle.config.ts'],
        {
          cwd: dir,
        },
      );
      expect(stdout).toContain('No schema changes');
      expect(readdirSync(join(dir, 'migrations')).sort()).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('migration 0033 (adjudications on their line)', () => {
  it('moves every stored adjudication entry onto its line, in order, and the view gives back the same rows', async () => {
    // Migrate to 0032 from a copy of the folder whose journal stops there, store entries the old
    // way, then apply the rest.
    const dir = mkdtempSync(join(tmpdir(), 'bbsync-0032-'));
    const { url, name } = unusedDatabaseUrl('migrate_0033');
    created.push(name);
    const client = new pg.Client({ connectionString: url });
    try {
      cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
      const journalPath = join(dir, 'meta/_journal.json');
      const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
      const upTo = journal.entries.findIndex((e) => e.tag === '0032_cursor_trigger_inline');
      expect(upTo).toBeGreaterThan(0);
      journal.entries = journal.entries.slice(0, upTo + 1);
      writeFileSync(journalPath, JSON.stringify(journal));
      await migrateDatabase(url, { migrationsFolder: dir });

      await client.connect();
      await client.query(`
        INSERT INTO claims (claim_id, patient_id, claim_type, status, final_action, billable_start, line_count)
        VALUES ('carrier-1', 'p-1', 'carrier', 'active', true, '2024-01-02', 2);
        INSERT INTO claim_lines (claim_id, line_number, service_dates_from_claim, last_updated)
        VALUES ('carrier-1', 1, 0, '2024-02-01T00:00:00Z'), ('carrier-1', 2, 0, '2024-02-01T00:00:00Z');
        INSERT INTO claim_line_adjudications (claim_id, line_number, entry_index, category, category_system,
                                              variable, amount, currency, reason_code, reason_system)
        VALUES ('carrier-1', 1, 1, 'coinsurance', 'http://x/C4BBAdjudication', 'line_coinsrnc_amt', 2.50, 'USD', NULL, NULL),
               ('carrier-1', 1, 0, 'benefit', 'http://x/adjudication', 'line_nch_pmt_amt', 10.00, 'USD', NULL, NULL),
               ('carrier-1', 1, 2, 'denialreason', NULL, 'carr_line_rdcd_pmt_phys_astn_c', NULL, NULL, '0', 'https://x/y');`);
      const entries = `SELECT claim_id, line_number, entry_index, category, category_system, variable, amount::text,
                              currency, reason_code, reason_system
                       FROM claim_line_adjudications ORDER BY line_number, entry_index`;
      const before = (await client.query(entries)).rows;
      expect(before).toHaveLength(3);

      expect((await migrateDatabase(url)).applied).toBeGreaterThan(0);
      expect((await client.query(entries)).rows).toEqual(before);
      const { rows: lines } = await client.query(
        `SELECT line_number, adjudication_variables, adjudication_amounts::text[] AS amounts
         FROM claim_lines ORDER BY line_number`,
      );
      expect(lines).toEqual([
        {
          line_number: 1,
          adjudication_variables: ['line_nch_pmt_amt', 'line_coinsrnc_amt', 'carr_line_rdcd_pmt_phys_astn_c'],
          amounts: ['10.00', '2.50', null],
        },
        { line_number: 2, adjudication_variables: [], amounts: [] },
      ]);
      const { rows: kind } = await client.query(
        `SELECT table_type FROM information_schema.tables WHERE table_name = 'claim_line_adjudications'`,
      );
      expect(kind).toEqual([{ table_type: 'VIEW' }]);
      // The Tuva input reads the line's own arrays now: the professional line's coinsurance.
      const { rows: tuva } = await client.query(
        `SELECT claim_line_number, coinsurance_amount FROM tuva_input.medical_claim ORDER BY 1`,
      );
      expect(tuva).toEqual([
        { claim_line_number: 1, coinsurance_amount: 2.5 },
        { claim_line_number: 2, coinsurance_amount: null },
      ]);
    } finally {
      await client.end().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
