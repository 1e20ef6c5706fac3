/**
 * The real BB2 v3 responses in ../shared/fixtures/bb2/v3, found next to the v2 ones
 * (FIXTURES_DIR). `model-examples/` is excluded: they are BFD mapping examples, not server output
 * (its PROVENANCE.md). Tests that need them skip, visibly, when the folder is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { FIXTURES_DIR, type Json } from './fixtures.ts';

export const V3_FIXTURES_DIR = join(FIXTURES_DIR, '..', 'v3');
export const haveV3Fixtures = existsSync(join(V3_FIXTURES_DIR, 'PROVENANCE.md'));

export function readV3Fixture(file: string): Json {
  return JSON.parse(readFileSync(join(V3_FIXTURES_DIR, file), 'utf8')) as Json;
}

/** Every server-output fixture file (top level only), sorted. */
export function v3FixtureFiles(): string[] {
  if (!haveV3Fixtures) return [];
  return readdirSync(V3_FIXTURES_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

/** The resources of a file: a Bundle's entries or the file's own resource. */
export function v3Resources(file: string): Json[] {
  const json = readV3Fixture(file);
  return json.resourceType === 'Bundle'
    ? ((json.entry ?? []) as Json[]).map((e) => e.resource as Json)
    : [json];
}
