/**
 * The scan behind the run's log capture (test/helpers/log-capture.ts): what it finds, and what it
 * must not mistake for a secret or PHI. The capture itself was proven in a scratch run that
 * planted a token, a client secret, a name and a birth date (the run exited 1, naming each).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { scanCapture } from '../helpers/log-capture.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const TOKEN = 'q8ZrT3vXw9LmN2bC4dF6hJ1kP0sY7aE5gU';
const CODE = 'Cde4Fgh5Ijk6Lmn7Opq8Rst9Uvw0Xyz1Ab';

function capture(log: string[], children: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'bbsync-scan-test-'));
  dirs.push(dir);
  const secrets = [
    { kind: 'refresh_token', value: TOKEN },
    { kind: 'authorization_code', value: CODE },
    { kind: 'patient', given: ['Mary', 'Q'], family: ['Brownfield'], birthDate: '1941-07-23' },
  ];
  writeFileSync(join(dir, 'secrets.jsonl'), secrets.map((s) => JSON.stringify(s)).join('\n') + '\n');
  writeFileSync(join(dir, 'log.jsonl'), log.map((l) => `${l}\n`).join(''));
  if (children.length > 0) writeFileSync(join(dir, 'children.log'), children.map((l) => `${l}\n`).join(''));
  return dir;
}

describe('the log scan', () => {
  it('finds a token on its own, inside a query string and after a dot, and a code in a child’s stderr', () => {
    const dir = capture(
      [
        JSON.stringify({ level: 30, msg: 'refreshed', note: TOKEN }),
        JSON.stringify({ level: 50, msg: `GET /callback?code=${CODE}&state=abc failed` }),
        JSON.stringify({ level: 40, msg: `bearer x.${TOKEN}.sig` }),
      ],
      [`Error: token rejected: ${TOKEN}`],
    );
    const { findings } = scanCapture(dir);
    expect(findings.map((f) => [f.kind, f.file, f.line])).toEqual([
      ['refresh_token', 'log.jsonl', 1],
      ['authorization_code', 'log.jsonl', 2],
      ['refresh_token', 'log.jsonl', 3],
      ['refresh_token', 'children.log', 1],
    ]);
    // Never the value itself.
    expect(JSON.stringify(findings)).not.toContain(TOKEN);
  });

  it('finds a beneficiary’s birth date and full name', () => {
    const dir = capture([
      JSON.stringify({ level: 30, msg: 'patient Mary Brownfield loaded' }),
      JSON.stringify({ level: 30, detail: { dob: '1941-07-23' } }),
    ]);
    expect(scanCapture(dir).findings.map((f) => [f.kind, f.line])).toEqual([
      ['patient_name', 1],
      ['birth_date', 2],
    ]);
  });

  it('does not mistake timestamps, a family name alone, an initial or a secret’s prefix for a finding', () => {
    const dir = capture([
      JSON.stringify({ level: 30, time: '1941-07-24T00:00:00.000Z', msg: 'Brownfield Q. cursor moved' }),
      JSON.stringify({ level: 30, msg: `prefix ${TOKEN.slice(0, 20)} only` }),
    ]);
    expect(scanCapture(dir)).toMatchObject({ lines: 2, findings: [] });
  });
});
