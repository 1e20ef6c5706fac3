/**
 * For the test suite's log scan (test/helpers/log-capture.ts, docs/security.md "What is logged"):
 * when BBSYNC_TEST_LOG_CAPTURE names a directory (and NODE_ENV is not production), the emulator
 * appends to `secrets.jsonl` there every secret it hands out or receives (access and refresh
 * tokens, authorization codes, code verifiers, its clients' secrets) and the name and birth date
 * of each beneficiary who authorizes, so the scan knows what must never appear in a log. Emulators
 * in child processes (`bbsync demo`, `bbsync emulator`) record theirs too. Off otherwise.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

import type { DataStore } from './data/types.ts';
import type { ClientRegistration } from './oauth/records.ts';
import type { OAuthState } from './oauth/state.ts';

type Json = Record<string, unknown>;

/** The capture directory, or undefined when nothing is to be recorded. */
export function secretRecordDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NODE_ENV === 'production') return undefined;
  return env.BBSYNC_TEST_LOG_CAPTURE || undefined;
}

/** Hooks `oauth` so every secret (and each authorizing beneficiary's PHI) is appended to `dir`. */
export function recordSecrets(
  dir: string,
  oauth: OAuthState,
  store: DataStore,
  clients: readonly ClientRegistration[],
): void {
  const file = join(dir, 'secrets.jsonl');
  const write = (entry: Json) => appendFileSync(file, `${JSON.stringify(entry)}\n`);
  for (const c of clients) write({ kind: 'client_secret', value: c.clientSecret });
  const beneficiaries = new Set<string>();
  oauth.onSecret = (kind, value, patientId) => {
    write({ kind, value });
    if (beneficiaries.has(patientId)) return;
    beneficiaries.add(patientId);
    const patient = store.record(patientId)?.patient as Json | undefined;
    if (patient) write({ kind: 'patient', ...phiOf(patient) });
  };
}

/** The name parts and birth date of a FHIR Patient. */
function phiOf(patient: Json): { given: string[]; family: string[]; birthDate: string | null } {
  const names = Array.isArray(patient.name) ? (patient.name as Json[]) : [];
  return {
    given: names.flatMap((n) => (Array.isArray(n.given) ? (n.given as unknown[]).map(String) : [])),
    family: names.flatMap((n) => (typeof n.family === 'string' ? [n.family] : [])),
    birthDate: typeof patient.birthDate === 'string' ? patient.birthDate : null,
  };
}
