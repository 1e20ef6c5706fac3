/**
 * The database schema, the one source for `drizzle-kit generate` (migrations/ is generated from
 * it; a test fails when they drift). One file per domain under schema/; this one is what the
 * code imports.
 *
 * Lineage on every normalized row: the id of the FHIR resource it came from (the primary key, or
 * `claim_id` for a claim's children), that resource's `meta.lastUpdated` (`last_updated`), and
 * when we wrote it (`loaded_at`). The raw resource stays in `fhir_resources`.
 *
 * These files must not import anything from the project outside src/db/schema: drizzle-kit loads
 * them on their own.
 */
export * from './schema/raw-resources.ts';
export * from './schema/analytics.ts';
export * from './schema/enrollments.ts';
export * from './schema/sync.ts';
export * from './schema/operations.ts';
export * from './schema/quality.ts';
export * from './schema/insurance-cards.ts';
