/**
 * bin/bbsync.js runs the compiled build (dist/) only while it is at least as new as every source
 * file, and the TypeScript sources through tsx otherwise. Tried on a planted copy of the layout:
 * bin/bbsync.js as it is, a src/cli.ts and a dist/cli.js that each say which one ran.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let dir: string;

const cli = (who: string) =>
  `export async function main(argv) { console.log('${who} ' + argv.slice(2).join(' ')); }\n`;

async function bbsync(env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(dir, 'bin/bbsync.js'), 'x'], {
    env: { ...process.env, BBSYNC_FROM_SOURCE: '', ...env },
  });
  return stdout.trim();
}

/** Sets a file's modification time `seconds` from now. */
function age(file: string, seconds: number): void {
  const at = new Date(Date.now() + seconds * 1000);
  utimesSync(path.join(dir, file), at, at);
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bbsync-bin-'));
  for (const sub of ['bin', 'src/nested', 'dist']) mkdirSync(path.join(dir, sub), { recursive: true });
  copyFileSync(path.join(ROOT, 'bin/bbsync.js'), path.join(dir, 'bin/bbsync.js'));
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  writeFileSync(path.join(dir, 'src/cli.ts'), cli('source'));
  writeFileSync(path.join(dir, 'src/nested/other.ts'), 'export const x: number = 1;\n');
  writeFileSync(path.join(dir, 'dist/cli.js'), cli('dist'));
  writeFileSync(path.join(dir, 'dist/.built'), '');
  for (const file of ['src/cli.ts', 'src/nested/other.ts']) age(file, -60);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('bin/bbsync.js', () => {
  it('runs the compiled build when no source file is newer than its stamp', async () => {
    expect(await bbsync()).toBe('dist x');
  });

  it('runs the sources through tsx once any source file, however deep, is newer than the build', async () => {
    age('src/nested/other.ts', 5);
    expect(await bbsync()).toBe('source x');
  });

  it('runs the sources when there is no build, or when BBSYNC_FROM_SOURCE=1 asks for them', async () => {
    expect(await bbsync({ BBSYNC_FROM_SOURCE: '1' })).toBe('source x');
    rmSync(path.join(dir, 'dist'), { recursive: true });
    expect(await bbsync()).toBe('source x');
  });
});
