/**
 * docs/data-dictionary.md is generated from the database's comments (scripts/data-dictionary.ts).
 * This is the CI check that it is regenerated whenever the schema or a comment changes.
 */
import { readFileSync } from 'node:fs';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import {
  DICTIONARY_PATH,
  generateDataDictionary,
  MUST_BE_DOCUMENTED,
  type DataDictionary,
} from '../../scripts/data-dictionary.ts';
import { firstDifference } from '../../scripts/generated-file.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let dictionary: DataDictionary;
let tdb: TestDatabase;

beforeAll(async () => {
  [dictionary, tdb] = await Promise.all([
    generateDataDictionary(inject('databaseServerUrl')),
    createTestDatabase('dictionary'),
  ]);
});
afterAll(async () => {
  await tdb.drop();
});

describe('the data dictionary', () => {
  it('matches docs/data-dictionary.md, regenerated from the migrations', () => {
    const committed = readFileSync(DICTIONARY_PATH, 'utf8');
    if (committed !== dictionary.markdown) {
      expect.fail(
        'docs/data-dictionary.md is out of date with the schema or its comments: run `npm run docs:dictionary` ' +
          `and commit the result.\nFirst difference at ${firstDifference(committed, dictionary.markdown)}`,
      );
    }
  });

  it('describes every view, analytics table and raw table, and each of their columns', () => {
    // `relation` or `relation.column`, where a relation outside public is `schema.relation`.
    const missing = dictionary.undocumented.filter((name) =>
      MUST_BE_DOCUMENTED.some((relation) => name === relation || name.startsWith(`${relation}.`)),
    );
    expect(missing, 'add COMMENT ON TABLE/VIEW/COLUMN for these in a migration').toEqual([]);
    expect(dictionary.markdown).toMatch(/^### claims_monthly$/m);
    expect(dictionary.markdown).toMatch(/^### patients$/m);
    expect(dictionary.markdown).toMatch(/^### tuva_input\.medical_claim$/m);
  });

  it('names the CMS variable behind every money column for every claim type', async () => {
    const client = new pg.Client({ connectionString: tdb.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string; comment: string | null }>(
        `SELECT c.relname || '.' || a.attname AS name, col_description(c.oid, a.attnum) AS comment
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         WHERE c.relname IN ('claims', 'claim_lines') AND a.attname LIKE '%_amount' AND a.attnum > 0
         ORDER BY 1`,
      );
      expect(rows.map((r) => r.name)).toEqual([
        'claim_lines.allowed_amount',
        'claim_lines.noncovered_amount',
        'claim_lines.paid_amount',
        'claim_lines.patient_responsibility_amount',
        'claim_lines.submitted_amount',
        'claims.allowed_amount',
        'claims.patient_responsibility_amount',
        'claims.payment_amount',
        'claims.primary_payer_paid_amount',
        'claims.submitted_amount',
      ]);
      for (const { name, comment } of rows) {
        // One line per group of claim types, naming CCW variables (lower case, e.g. clm_pmt_amt,
        // prpayamt) or NULL when the type has no such amount.
        for (const type of ['carrier', 'DME', 'outpatient', 'inpatient', 'SNF', 'hospice', 'HHA', 'PDE']) {
          expect(comment, `${name} says nothing about ${type}`).toMatch(
            new RegExp(`^[^\\n]*\\b${type}\\b[^\\n]*: [^\\n]*([a-z0-9]+_[a-z0-9_]+|prpayamt|NULL)`, 'm'),
          );
        }
      }
    } finally {
      await client.end();
    }
  });
});
