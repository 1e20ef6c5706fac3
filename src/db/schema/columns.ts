/**
 * Column shapes the tables share: money, dates and timestamps as strings, and the lineage columns
 * of every normalized row.
 */
import { sql } from 'drizzle-orm';
import { date, numeric, timestamp } from 'drizzle-orm/pg-core';

export const money = (name: string) => numeric(name, { precision: 14, scale: 2 });
export const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });
export const day = (name: string) => date(name, { mode: 'string' });
/** A moment the row must have, set to the time it is inserted unless the writer gives one. */
export const tstzDefaultNow = (name: string) =>
  tstz(name)
    .notNull()
    .default(sql`now()`);

/** Lineage columns shared by every normalized table. */
export const lineage = () => ({
  last_updated: tstz('last_updated'),
  loaded_at: tstzDefaultNow('loaded_at'),
});
