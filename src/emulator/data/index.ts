/**
 * The emulator's data layer: synthetic BB2 sandbox data, or real fixtures, behind the
 * {@link DataStore} contract in ./types.ts.
 *
 * Resources handed out are shared and cached: treat them as read-only (copy before changing
 * anything, e.g. `created`). Fragments shared between resources are frozen.
 */
export type {
  AdvanceOptions,
  AdvanceResult,
  DataStore,
  FhirResource,
  PatientRecord,
  SyntheticUser,
} from './types.ts';
export { DEFAULT_ADVANCE } from './advance.ts';
export { CLAIM_TYPES, type ClaimType } from '../../model/claim-types.ts';
export { compareEobIds } from './claims.ts';
export { createFixtureStore, type FixtureStoreOptions } from './fixtures.ts';
export { indexForUsername, patientIdForUser, userIndexForPatientId } from './ids.ts';
export { createSyntheticStore, type SyntheticStoreOptions } from './synthetic.ts';
export { ANCHOR_ISO, LEGACY_LAST_UPDATED } from './time.ts';
