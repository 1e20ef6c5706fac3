/**
 * The real BB2/BFD responses (never copied into this repo). They live outside the repository, so
 * one setting says where: BBSYNC_FIXTURES, a folder holding `v2/` (absolute, or relative to the
 * repository root), by default `../shared/fixtures/bb2`. Where the folder is absent (a clone of
 * this repository alone), the tests that need it are skipped, with the reason in their names and
 * one line from the global setup; everything else runs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The fixtures folder (BBSYNC_FIXTURES): `v2/` and its neighbours. */
export const FIXTURES_ROOT = resolve(REPO_ROOT, process.env.BBSYNC_FIXTURES || '../shared/fixtures/bb2');
/** The BB2 v2 responses, the ones the tests read. */
export const FIXTURES_DIR = join(FIXTURES_ROOT, 'v2');

export const fixturesPresent = existsSync(FIXTURES_DIR);

/** Why the fixture tests did not run; part of their names when skipped. */
export const FIXTURES_MISSING = `skipped: fixtures not found at ${FIXTURES_DIR} (set BBSYNC_FIXTURES)`;

/** `describe`, skipped with the reason in its name when the real fixtures are absent. */
export function describeWithFixtures(name: string, body: () => void): void {
  if (fixturesPresent) describe(name, body);
  else describe.skip(`${name} (${FIXTURES_MISSING})`, body);
}

/** `it`, skipped with the reason in its name when the real fixtures are absent. */
export function itWithFixtures(name: string, body: () => Promise<void> | void, timeout?: number): void {
  if (fixturesPresent) it(name, body, timeout);
  else it.skip(`${name} (${FIXTURES_MISSING})`, body, timeout);
}

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function readFixture(path: string): Json {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, path), 'utf8')) as Json;
}

/** The resources in a fixture file: a Bundle's entries or the file's own resource. */
export function fixtureResources(path: string): Json[] {
  const json = readFixture(path);
  return json.resourceType === 'Bundle'
    ? ((json.entry ?? []) as Json[]).map((e) => e.resource as Json)
    : [json];
}

export function fixtureResource(path: string, id: string): Json {
  const found = fixtureResources(path).find((r) => r.id === id);
  if (!found) throw new Error(`${id} is not in ${path}`);
  return found;
}

/** Every fixture file, relative to FIXTURES_DIR, sorted; none when the fixtures are absent. */
export function allFixtureFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.json')) out.push(relative(FIXTURES_DIR, full));
    }
  };
  if (fixturesPresent) walk(FIXTURES_DIR);
  return out;
}
