/** The scopes BB2 knows, and its rules for condensing and narrowing them. */

/** BB2's SCOPES_SUPPORTED (apps/wellknown/constants.py). */
export const SCOPES_SUPPORTED = [
  'openid',
  'profile',
  'launch/patient',
  'patient/Patient.read',
  'patient/ExplanationOfBenefit.read',
  'patient/Coverage.read',
  'patient/Patient.rs',
  'patient/ExplanationOfBenefit.rs',
  'patient/Coverage.rs',
] as const;

/** Scopes an app gets when the authorize request has no `scope` (the BB2 docs' example grant). */
export const DEFAULT_SCOPES = [
  'profile',
  'patient/Patient.rs',
  'patient/ExplanationOfBenefit.rs',
  'patient/Coverage.rs',
];

/** BENE_PERSONAL_INFO_SCOPES: removed when the beneficiary does not share demographics. */
export const DEMOGRAPHIC_SCOPES = new Set([
  'patient/Patient.read',
  'patient/Patient.s',
  'patient/Patient.r',
  'patient/Patient.rs',
  'profile',
]);

export const AVAILABLE_SCOPES = new Set<string>([
  ...SCOPES_SUPPORTED,
  ...['Patient', 'Coverage', 'ExplanationOfBenefit'].flatMap((t) => [`patient/${t}.r`, `patient/${t}.s`]),
]);

/** `.r` plus `.s` of the same type become `.rs`, as BB2's `condense_scopes`. */
export function condenseScopes(scopes: string[]): string[] {
  const out: string[] = [];
  for (const s of scopes) {
    const m = /^(patient\/\w+)\.(r|s)$/.exec(s);
    if (m) {
      const other = `${m[1]}.${m[2] === 'r' ? 's' : 'r'}`;
      if (scopes.includes(other) || scopes.includes(`${m[1]}.rs`)) {
        if (!out.includes(`${m[1]}.rs`)) out.push(`${m[1]}.rs`);
        continue;
      }
    }
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

/**
 * Whether a scope asked for at refresh is within the original scopes: exactly, or as a SMART v2
 * sub-scope (`patient/Patient.r` within `patient/Patient.rs`), as BB2's `is_smart_subscope`.
 */
export function isWithinScopes(requested: string, original: readonly string[]): boolean {
  if (original.includes(requested)) return true;
  const dot = requested.lastIndexOf('.');
  if (dot < 0) return false;
  const resource = requested.slice(0, dot);
  const perms = requested.slice(dot + 1);
  return original.some((o) => {
    const od = o.lastIndexOf('.');
    if (od < 0 || o.slice(0, od) !== resource) return false;
    const have = new Set(o.slice(od + 1));
    return [...perms].every((p) => have.has(p));
  });
}
