/** Data quality: `bbsync quality` runs the checks of src/db/quality.ts and keeps every run. */
import { bigserial, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

import { tstzDefaultNow } from './columns.ts';

export const qualityRuns = pgTable('quality_runs', {
  run_id: bigserial('run_id', { mode: 'number' }).primaryKey(),
  started_at: tstzDefaultNow('started_at'),
  structural_failures: integer('structural_failures').notNull(),
  logical_failures: integer('logical_failures').notNull(),
});

export const qualityResults = pgTable(
  'quality_results',
  {
    run_id: integer('run_id').notNull(),
    check_name: text('check_name').notNull(),
    /** structural (the data model is broken) | logical (the claims say something implausible) */
    kind: text('kind').notNull(),
    failures: integer('failures').notNull(),
    checked: integer('checked').notNull(),
  },
  (t) => [primaryKey({ columns: [t.run_id, t.check_name] })],
);
