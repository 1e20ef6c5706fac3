import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
