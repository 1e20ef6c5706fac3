#!/usr/bin/env node
// The `bbsync` command. The sources are TypeScript run through tsx's loader, so a fresh
// `npm ci` is enough: there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
const failed = await main(process.argv);
// A command that failed at the top has printed why; exit now, so that whatever it had opened
// (a pool, a Redis connection retrying in the background) cannot keep the process alive.
if (failed !== undefined) process.exit(failed);
