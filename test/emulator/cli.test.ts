import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = `${ROOT}bin/bbsync.js`;

describe('bbsync emulator', () => {
  it('prints one stdout line with its URL, serves, and stops cleanly on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'emulator', '--port', '0', '--users', '5', '--faults', '{"latencyMs":0}'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 30 s; stderr:\n${stderr}`)), 30_000);
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        const m = /^BB2 emulator listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stdout);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}; stderr:\n${stderr}`)));
    });
    try {
      const doc = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as {
        issuer: string;
      };
      expect(doc.issuer).toBe(url);
      const users = (await (await fetch(`${url}/__emulator/users`)).json()) as Record<string, string>;
      expect(Object.keys(users)).toHaveLength(5);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
    expect(stdout.split('\n').filter((l) => l !== '')).toEqual([`BB2 emulator listening on ${url}`]);
    expect(stderr).toContain('Default demo client bbsync-local / bbsync-local-secret');
    expect(stderr).toContain('BBUser00001 / PW00001!');
  });

  it('explains itself in --help', () => {
    const out = spawnSync(process.execPath, [BIN, 'emulator', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(out.status).toBe(0);
    for (const text of [
      '--port <port>',
      '--client-id <id>',
      '--faults <json>',
      'bbsync-local-secret',
      '/__emulator/faults',
      'Examples:',
    ]) {
      expect(out.stdout).toContain(text);
    }
  });

  it('refuses mismatched client options with a readable message', () => {
    const out = spawnSync(process.execPath, [BIN, 'emulator', '--port', '0', '--client-id', 'a'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(out.status).toBe(2);
    expect(out.stderr).toContain('give one --client-secret per --client-id');
  });
});
