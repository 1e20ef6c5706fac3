#!/usr/bin/env node
// The `bbsync` command. It runs the compiled JavaScript in dist/ (`npm run build`, done by `npm ci`
// through `prepare`) when that is at least as new as every source file; otherwise (no build yet, or
// a source file edited since) the TypeScript sources through tsx's loader, so a stale build is never
// run. Compiled code starts faster and does not transpile modules as they are first imported.
import { readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);

/** The newest modification time of a .ts file under `dir` (0 if there is none, or no `dir`). */
function newestSource(dir) {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt() {
  try {
    return statSync(new URL('dist/.built', root)).mtimeMs;
  } catch {
    return -1;
  }
}

let cli;
if (process.env.BBSYNC_FROM_SOURCE !== '1' && builtAt() >= newestSource(new URL('src', root).pathname)) {
  cli = await import('../dist/cli.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli.ts');
}
const failed = await cli.main(process.argv);
// A command that failed at the top has printed why; exit now, so that whatever it had opened
// (a pool, a Redis connection retrying in the background) cannot keep the process alive.
if (failed !== undefined) process.exit(failed);
