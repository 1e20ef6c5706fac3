/**
 * Small builders for the FHIR fragments BFD emits, with BFD's key order. Fragments that never
 * vary (adjudication categories, benefit-balance types, supportingInfo categories, ...) are built
 * once, frozen and shared between resources: serialised JSON is unaffected, and it keeps the
 * memory of cached records small. Resources handed out are read-only by contract.
 */

export type Obj = Record<string, unknown>;

export const VAR = 'https://bluebutton.cms.gov/resources/variables/';
export const CS = 'https://bluebutton.cms.gov/resources/codesystem/';
export const CS_ADJUDICATION = `${CS}adjudication`;
export const CS_INFORMATION = `${CS}information`;
export const CS_BENEFIT_BALANCE = `${CS}benefit-balance`;
export const CS_HCPCS = `${CS}hcpcs`;
export const CS_EOB_TYPE = `${CS}eob-type`;
export const CS_IDENTIFIER_CURRENCY = `${CS}identifier-currency`;
export const ID_CLAIM_GROUP = 'https://bluebutton.cms.gov/resources/identifier/claim-group';

export const C4BB = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/';
export const C4BB_SD = 'http://hl7.org/fhir/us/carin-bb/StructureDefinition/';
export const THO = 'http://terminology.hl7.org/CodeSystem/';
export const NDC = 'http://hl7.org/fhir/sid/ndc';
export const NPI = 'http://hl7.org/fhir/sid/us-npi';
export const MBI = 'http://hl7.org/fhir/sid/us-mbi';
export const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
export const ICD10 = 'http://hl7.org/fhir/sid/icd-10';
export const ICD10PCS = 'http://www.cms.gov/Medicare/Coding/ICD10';
export const NUCC = 'http://nucc.org/provider-taxonomy';
export const UCUM = 'http://unitsofmeasure.org';
export const NUBC_REVENUE = 'https://www.nubc.org/CodeSystem/RevenueCodes';
export const NUBC_ADMIT = 'https://www.nubc.org/CodeSystem/PriorityTypeOfAdmitOrVisit';

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

const sharedCache = new Map<string, unknown>();
/** A frozen fragment built once per key. Only for fragments drawn from small fixed domains. */
export function shared<T>(key: string, make: () => T): T {
  let v = sharedCache.get(key) as T | undefined;
  if (v === undefined) {
    v = deepFreeze(make());
    sharedCache.set(key, v);
  }
  return v;
}

/**
 * Like {@link shared} but keyed by up to three strings without building a key string (the hot
 * path of generation: no concatenation, and literal keys hash once).
 */
export class Memo<T> {
  private readonly root = new Map<string, Map<string, Map<string, T>>>();

  lookup(a: string, b: string, c: string): T | undefined {
    return this.root.get(a)?.get(b)?.get(c);
  }

  store(a: string, b: string, c: string, value: T): T {
    let level2 = this.root.get(a);
    if (!level2) {
      level2 = new Map();
      this.root.set(a, level2);
    }
    let level3 = level2.get(b);
    if (!level3) {
      level3 = new Map();
      level2.set(b, level3);
    }
    deepFreeze(value);
    level3.set(c, value);
    return value;
  }

  get(a: string, b: string, c: string, make: () => T): T {
    return this.lookup(a, b, c) ?? this.store(a, b, c, make());
  }
}

/**
 * Two-level cache for codings keyed by (a, code) whose display is fixed by the pair; a call with
 * a different display for a cached pair just builds a fresh (unshared) fragment.
 */
class CodedCache {
  private readonly root = new Map<string, Map<string, { display: string | undefined; value: Obj }>>();

  get(
    a: string,
    code: string,
    display: string | undefined,
    make: (a: string, code: string, display: string | undefined) => Obj,
  ): Obj {
    let level2 = this.root.get(a);
    if (!level2) {
      level2 = new Map();
      this.root.set(a, level2);
    }
    const hit = level2.get(code);
    if (hit) return hit.display === display ? hit.value : make(a, code, display);
    const value = deepFreeze(make(a, code, display));
    level2.set(code, { display, value });
    return value;
  }
}

export function coding(system: string, code: string, display?: string): Obj {
  return display === undefined ? { system, code } : { system, code, display };
}

export function varCoding(name: string, code: string, display?: string): Obj {
  return coding(VAR + name, code, display);
}

const EXT_CODING = new CodedCache();
function makeExtCoding(name: string, code: string, display: string | undefined): Obj {
  return { url: VAR + name, valueCoding: varCoding(name, code, display) };
}
/** `{url, valueCoding}` for a CCW variable whose codes come from a small table (shared). */
export function extCoding(name: string, code: string, display?: string): Obj {
  return EXT_CODING.get(name, code, display, makeExtCoding);
}

/** `extCoding(name, ...)` with the code and display `ifTrue` when `flag`, else `ifFalse`. */
export function extEither(
  name: string,
  flag: boolean,
  ifTrue: readonly [code: string, display: string],
  ifFalse: readonly [code: string, display: string],
): Obj {
  const [code, display] = flag ? ifTrue : ifFalse;
  return extCoding(name, code, display);
}

export function extIdentifier(name: string, value: string): Obj {
  return { url: VAR + name, valueIdentifier: { system: VAR + name, value } };
}

export function extDate(name: string, date: string): Obj {
  return { url: VAR + name, valueDate: date };
}

export function extQuantity(name: string, value: number): Obj {
  return { url: VAR + name, valueQuantity: { value } };
}

export function extMoney(name: string, cents: number): Obj {
  return { url: VAR + name, valueMoney: money(cents) };
}

const ZERO_MONEY = deepFreeze({ value: 0, currency: 'USD' });
export function money(cents: number): Obj {
  return cents === 0 ? ZERO_MONEY : { value: cents / 100, currency: 'USD' };
}

export function codeable(system: string, code: string, display?: string): Obj {
  return { coding: [coding(system, code, display)] };
}

const CODEABLE = new CodedCache();
export function sharedCodeable(system: string, code: string, display?: string): Obj {
  return CODEABLE.get(system, code, display, codeable);
}

const VAR_CODEABLE = new CodedCache();
function makeVarCodeable(name: string, code: string, display: string | undefined): Obj {
  return codeable(VAR + name, code, display);
}
/** A shared CodeableConcept with one coding whose system is the CCW variable `name`. */
export function varCodeable(name: string, code: string, display?: string): Obj {
  return VAR_CODEABLE.get(name, code, display, makeVarCodeable);
}

/** Identifier `type` of claim identifiers (C4BBIdentifierType uc). */
const UC_TYPE = deepFreeze(codeable(`${C4BB}C4BBIdentifierType`, 'uc', 'Unique Claim ID'));
export function claimIdentifier(system: string, value: string): Obj {
  return { type: UC_TYPE, system, value };
}

/** careTeam provider identifier typed NPI with no system (2021+ BFD). */
const NPI_TYPE = deepFreeze(codeable(`${C4BB}C4BBIdentifierType`, 'npi', 'National Provider Identifier'));
export function npiTypedIdentifier(value: string | undefined): Obj {
  return value === undefined ? { type: NPI_TYPE } : { type: NPI_TYPE, value };
}

export function upinTypedIdentifier(value: string): Obj {
  return {
    type: shared('idtype|upin', () =>
      codeable(
        `${THO}v2-0203`,
        'UPIN',
        "Medicare/CMS (formerly HCFA)'s Universal Physician Identification numbers",
      ),
    ),
    value,
  };
}

export function careTeamRole(code: string, display: string, system = `${C4BB}C4BBClaimCareTeamRole`): Obj {
  return sharedCodeable(system, code, display);
}

export const PROFILE = {
  professional: `${C4BB_SD}C4BB-ExplanationOfBenefit-Professional-NonClinician`,
  inpatient: `${C4BB_SD}C4BB-ExplanationOfBenefit-Inpatient-Institutional`,
  outpatient: `${C4BB_SD}C4BB-ExplanationOfBenefit-Outpatient-Institutional`,
  pharmacy: `${C4BB_SD}C4BB-ExplanationOfBenefit-Pharmacy`,
  organization: `${C4BB_SD}C4BB-Organization`,
  patient: `${C4BB_SD}C4BB-Patient`,
  coverage: `${C4BB_SD}C4BB-Coverage`,
} as const;

const PROFILES = new Memo<readonly string[]>();
export function meta(lastUpdated: string, profile: string): Obj {
  return { lastUpdated, profile: PROFILES.get(profile, '', '', () => [profile]) };
}
