/**
 * Raw resources: the resource exactly as received, for lineage, change detection and replay, and
 * the ones that could not be normalized.
 */
import {
  bigserial,
  index,
  integer,
  json,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

import { tstz, tstzDefaultNow } from './columns.ts';

export const fhirResources = pgTable(
  'fhir_resources',
  {
    resource_type: text('resource_type').notNull(),
    resource_id: text('resource_id').notNull(),
    patient_id: text('patient_id'),
    /** The resource's meta.lastUpdated; NULL when BB2 sent something that is not a timestamp. */
    last_updated: tstz('last_updated'),
    /** sha256 of the resource without volatile fields (created, meta.lastUpdated). */
    content_hash: text('content_hash').notNull(),
    resource: json('resource').notNull(),
    /** Version of the mapping that produced the normalized rows, so rows can be rebuilt after a change. */
    normalizer_version: smallint('normalizer_version').notNull(),
    first_seen_at: tstzDefaultNow('first_seen_at'),
    loaded_at: tstzDefaultNow('loaded_at'),
  },
  (t) => [
    primaryKey({ columns: [t.resource_type, t.resource_id] }),
    index('fhir_resources_patient_idx').on(t.patient_id),
  ],
);

/** Resources that could not be normalized, kept raw with the reason until a later load succeeds. */
export const quarantinedResources = pgTable(
  'quarantined_resources',
  {
    quarantine_id: bigserial('quarantine_id', { mode: 'number' }).primaryKey(),
    resource_type: text('resource_type').notNull(),
    resource_id: text('resource_id').notNull(),
    patient_id: text('patient_id'),
    /** Where it came from: a file path or a request URL (never with tokens). */
    source: text('source').notNull(),
    reason: text('reason').notNull(),
    resource: jsonb('resource'),
    first_seen_at: tstzDefaultNow('first_seen_at'),
    last_seen_at: tstzDefaultNow('last_seen_at'),
    occurrences: integer('occurrences').notNull().default(1),
  },
  (t) => [
    uniqueIndex('quarantined_resources_resource_idx').on(t.resource_type, t.resource_id),
    index('quarantined_resources_patient_idx').on(t.patient_id),
  ],
);
