#!/usr/bin/env node
// The `bbsync` command. The sources are TypeScript run through tsx's loader, so a fresh
// `npm ci` is enough: there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
await main(process.argv);
