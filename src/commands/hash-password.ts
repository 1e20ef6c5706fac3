/**
 * `bbsync hash-password`: prints the scrypt hash of a password for DASHBOARD_PASSWORD_HASH. The
 * password comes from stdin when it is not a terminal (`printf %s "$PW" | bbsync hash-password`),
 * else from a hidden prompt, asked twice.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

import { InputError } from '../errors.ts';
import { hashPassword } from '../server/dashboard/password.ts';

/** Minimum length; a dashboard password guards PHI, and scrypt only slows guessing down. */
export const MIN_PASSWORD_LENGTH = 12;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is the shell's (echo, a file), not the password's.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks on the terminal without echoing what is typed. */
async function prompt(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, (answer) => resolve(answer));
      muted = true;
    });
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

export async function runHashPassword(): Promise<void> {
  let password: string;
  if (process.stdin.isTTY) {
    password = await prompt('Dashboard password: ');
    const again = await prompt('Again: ');
    if (again !== password) throw new InputError('the two passwords differ; nothing was printed');
  } else {
    password = await readStdin();
  }
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new InputError(`the password must be at least ${MIN_PASSWORD_LENGTH} characters long`);
  }
  process.stdout.write(`${await hashPassword(password)}\n`);
}
