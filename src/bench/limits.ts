/**
 * The two limits the pipeline is measured against: (a) fetch-only, every page fetched and parsed
 * with no database; (b) write-only, the final rows COPYed into an empty copy of the schema.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

import type { FhirClient } from '../bluebutton/fhir-reads.ts';
import { quoteIdent } from '../db/migrate.ts';
import { inTransaction } from '../db/transaction.ts';
import { ANALYTICS_TABLES } from '../model/analytics-rows.ts';
import { forEveryPage } from './every-page.ts';

/** Walks every enrollment's Patient, Coverage and EOB pages, parsing each; no database. */
export async function fetchEverything(
  fhir: FhirClient,
  tokens: readonly string[],
  concurrency: number,
): Promise<{ eobs: number; bytes: number }> {
  let eobs = 0;
  let bytes = 0;
  await forEveryPage(fhir, tokens, concurrency, (type, page) => {
    bytes += page.bytes;
    if (type === 'ExplanationOfBenefit') eobs += page.bundle.entry?.length ?? 0;
  });
  return { eobs, bytes };
}

export interface ExtractedTable {
  table: string;
  columns: string;
  file: string;
}

/**
 * Every analytics table and the raw resources of a database, COPYed out into files, parents before
 * children. Untimed: the write-only limit times the load alone, since reading the rows from the
 * synced database during the load would share the two cores with it and understate the limit.
 */
export async function extractRows(
  fromUrl: string,
): Promise<{ tables: ExtractedTable[]; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bbsync-bench-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  const source = new pg.Client({ connectionString: fromUrl });
  await source.connect();
  try {
    const tables: ExtractedTable[] = [];
    for (const table of ['fhir_resources', ...ANALYTICS_TABLES]) {
      const { rows } = await source.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position`,
        [table],
      );
      // Generated columns (claims.is_final, is_denied) are computed again by the target on load.
      const columns = rows.map((r) => quoteIdent(r.column_name)).join(', ');
      const file = path.join(dir, `${table}.copy`);
      await pipeline(source.query(copyTo(`COPY ${table} (${columns}) TO STDOUT`)), createWriteStream(file));
      tables.push({ table, columns, file });
    }
    return { tables, remove };
  } catch (err) {
    await remove();
    throw err;
  } finally {
    await source.end();
  }
}

/** COPYs extracted rows into an empty database of the same schema, in one transaction; seconds. */
export async function loadRows(toUrl: string, tables: readonly ExtractedTable[]): Promise<number> {
  const target = new pg.Client({ connectionString: toUrl });
  await target.connect();
  try {
    const t0 = performance.now();
    await inTransaction(target, async () => {
      for (const { table, columns, file } of tables) {
        await pipeline(
          createReadStream(file),
          target.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`)),
        );
      }
    });
    return (performance.now() - t0) / 1000;
  } finally {
    await target.end();
  }
}
