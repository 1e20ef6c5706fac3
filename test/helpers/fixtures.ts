/** The real BB2/BFD responses in ../shared/fixtures/bb2 (never copied into this repo). */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES_DIR = fileURLToPath(new URL('../../../shared/fixtures/bb2/v2', import.meta.url));

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

/** Every fixture file, relative to FIXTURES_DIR, sorted. */
export function allFixtureFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.json')) out.push(relative(FIXTURES_DIR, full));
    }
  };
  walk(FIXTURES_DIR);
  return out;
}
