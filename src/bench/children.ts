/** The benchmark's child processes (`bbsync emulator`, `bbsync worker`): start, wait for a line, stop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/bbsync.js', import.meta.url));

export interface Child {
  process: ChildProcess;
  output: () => string;
}

export function spawnBbsync(args: string[], env: Record<string, string>, nodeArgs: string[] = []): Child {
  let output = '';
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (d: Buffer) => {
    output += d.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { process: child, output: () => output };
}

export async function waitForOutput(
  child: Child,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(child.output());
    if (m) return m;
    if (child.process.exitCode !== null)
      throw new Error(`child exited early:\n${child.output().slice(-2000)}`);
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${pattern}:\n${child.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stop(child: Child | undefined): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 15_000);
  await once(child.process, 'exit');
  clearTimeout(timer);
}
