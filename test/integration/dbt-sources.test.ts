/**
 * docs/dbt/sources.yml is generated from the schema and its comments (scripts/dbt-sources.ts).
 * This is the CI check that it is regenerated whenever a table, view, column or comment changes,
 * and that it says what dbt users rely on: every table and view, keys tested, loaded_at freshness.
 */
import { readFileSync } from 'node:fs';

import { beforeAll, describe, expect, inject, it } from 'vitest';

import { generateDbtSources, SOURCES_PATH } from '../../scripts/dbt-sources.ts';
import { firstDifference } from '../../scripts/generated-file.ts';
import { createTestDatabase } from '../helpers/db.ts';

let generated: string;
let relations: { schema: string; name: string }[];

beforeAll(async () => {
  generated = await generateDbtSources(inject('databaseServerUrl'));
  const tdb = await createTestDatabase('dbt_sources');
  try {
    const { rows } = await tdb.pool.query<{ schema: string; name: string }>(
      `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname IN ('public', 'tuva_input') AND c.relkind IN ('r', 'p', 'v', 'm') ORDER BY 1, 2`,
    );
    relations = rows;
  } finally {
    await tdb.drop();
  }
}, 120_000);

/** The lines of one source table's entry: from its `- name:` to the next table's. */
function entryOf(yaml: string, source: string, table: string): string {
  const from = yaml.indexOf(`  - name: ${source}\n`);
  const start = yaml.indexOf(`      - name: ${table}\n`, from);
  expect(start, `${source}.${table} is in sources.yml`).toBeGreaterThan(from);
  const end = yaml.indexOf('\n      - name: ', start + 1);
  return yaml.slice(start, end === -1 ? undefined : end);
}

describe('docs/dbt/sources.yml', () => {
  it('matches the file generated from the migrations (run `npm run docs:dbt-sources` when it does not)', () => {
    const committed = readFileSync(SOURCES_PATH, 'utf8');
    if (committed !== generated) {
      expect.fail(
        'docs/dbt/sources.yml is out of date with the schema or its comments: run `npm run docs:dbt-sources` ' +
          `and commit the result.\nFirst difference at ${firstDifference(committed, generated)}`,
      );
    }
  });

  it('lists every table and view of public and tuva_input, with a description', () => {
    expect(relations.length).toBeGreaterThan(30);
    for (const { schema, name } of relations) {
      const entry = entryOf(generated, schema === 'public' ? 'bbsync' : 'bbsync_tuva_input', name);
      expect(entry, `${schema}.${name} has a description`).toMatch(/^ {8}description: "/m);
    }
  });

  it('tests keys (unique and not null) and checks loaded_at freshness', () => {
    const claims = entryOf(generated, 'bbsync', 'claims');
    expect(claims).toMatch(/loaded_at_field: loaded_at\n {10}freshness:/);
    expect(claims).toMatch(/- name: claim_id\n(.*\n){2} {12}data_tests: \[not_null, unique\]/);
    const lines = entryOf(generated, 'bbsync', 'claim_lines');
    expect(lines).toContain('combination_of_columns: [claim_id, line_number]');
    const medical = entryOf(generated, 'bbsync_tuva_input', 'medical_claim');
    expect(medical).toContain('combination_of_columns: [claim_id, claim_line_number, data_source]');
    expect(medical).toContain('loaded_at_field: ingest_datetime');
  });
});
