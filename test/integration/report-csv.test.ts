/**
 * `bbsync report --format csv` run as a user runs it (the real CLI in a child process) on a
 * database holding text a spreadsheet would execute: such cells must open as text.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase('report_csv');
});
afterAll(async () => {
  await tdb.drop();
});

async function reportCsv(): Promise<string[][]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['bin/bbsync.js', 'report', '--format', 'csv', '--section', 'patients'],
    { cwd: ROOT, env: { ...process.env, LOG_FORMAT: 'json', DATABASE_URL: tdb.url } },
  );
  const [header, ...rows] = stdout.trimEnd().split('\r\n');
  const columns = header!.split(',');
  return rows.map((line) => {
    const cells = line.split(',');
    return ['patient_id', 'race_display', 'state', 'postal_code'].map((c) => cells[columns.indexOf(c)]!);
  });
}

describe('bbsync report --format csv', () => {
  it('writes cells that start like a formula with a leading quote, and keeps plain numbers as they are', async () => {
    await tdb.pool.query(
      `INSERT INTO patients (patient_id, race_display, state, postal_code)
       VALUES ('-19990000000042', '=HYPERLINK(''http://evil.example'')', '@SUM(A1)', '+A1*2'),
              ('-19990000000043', '-2+3', E'\\tTAB', '+12345')`,
    );
    const rows = await reportCsv();
    expect(rows).toEqual([
      ['-19990000000042', "'=HYPERLINK('http://evil.example')", "'@SUM(A1)", "'+A1*2"],
      ['-19990000000043', "'-2+3", "'\tTAB", '+12345'],
    ]);
  });
});
