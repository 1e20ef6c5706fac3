/** Running the real `bbsync` command (bin/bbsync.js) as a child process, as an operator would. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CommandResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** `bbsync <args>` with the environment `env` on top of this process's; never throws on an exit code. */
export async function runBbsync(args: string[], env: Record<string, string>): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['bin/bbsync.js', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    return { code: 0, signal: null, stdout, stderr };
  } catch (err) {
    const e = err as CommandResult;
    return { code: e.code, signal: e.signal, stdout: e.stdout, stderr: e.stderr };
  }
}
