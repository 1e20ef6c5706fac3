/**
 * How BB2 applications and beneficiaries differ as deployed: each registered client's data access
 * type, demographic scopes, active flag and Part-D-only flag; per beneficiary, "not in BB2's data"
 * (bene_404) and "refused SAMHSA sharing". Sources (CMSgov/bluebutton-web-server):
 * apps/constants.py (messages), apps/dot_ext/utils.py `validate_app_is_active`,
 * apps/fhir/bluebutton/permissions.py (ApplicationActivePermission,
 * V2ExplanationOfBenefitPermission), apps/mymedicare_cb/views.py + templates/bene_404.html.
 */
import { badRequest, booleanField, readFields } from './body-fields.ts';
import {
  addMonths,
  DATA_ACCESS_TYPES,
  type ClientRegistration,
  type DataAccessType,
} from './oauth/records.ts';

/** apps/constants.py APPLICATION_TEMPORARILY_INACTIVE. */
export function inactiveMessage(appName: string): string {
  return (
    `This application, ${appName}, is temporarily inactive.` +
    ' If you are the app maintainer, please contact the Blue Button API team.' +
    ' If you are a Medicare Beneficiary and need assistance, please contact' +
    ' the support team for the application you are trying to access.'
  );
}

/** apps/constants.py APPLICATION_ONE_TIME_REFRESH_NOT_ALLOWED_MESG. */
export const ONE_TIME_REFRESH_MESSAGE =
  'Your application is not allowed to refresh tokens. ' +
  'To refresh Medicare data, end user must re-authenticate ' +
  'and consent to share their data. ' +
  'If your application needs to refresh tokens, contact us at BlueButtonAPI@cms.hhs.gov.';

export type Registration = Required<ClientRegistration>;

export function withRegistrationDefaults(c: ClientRegistration): Registration {
  return {
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    redirectUris: [...c.redirectUris],
    name: c.name ?? c.clientId,
    dataAccessType: c.dataAccessType ?? 'THIRTEEN_MONTH',
    requireDemographicScopes: c.requireDemographicScopes ?? true,
    active: c.active ?? true,
    partDOnly: c.partDOnly ?? false,
  };
}

/**
 * When a grant made now ends: THIRTEEN_MONTH 13 months on; ONE_TIME with the first access token
 * (BB2 answers `access_grant_expiration` = now + expires_in); RESEARCH_STUDY never.
 */
export function grantEnd(type: DataAccessType, now: number, accessTokenTtlSeconds: number): number {
  if (type === 'RESEARCH_STUDY') return Infinity;
  if (type === 'ONE_TIME') return now + accessTokenTtlSeconds * 1000;
  return addMonths(now, 13);
}

/** A registration as the control API shows it (never the secret). */
export function publicRegistration(c: Registration): Omit<Registration, 'clientSecret'> {
  const { clientSecret: _secret, ...rest } = c;
  return rest;
}

/** The settings of a registration the control API may change. */
export type RegistrationSettings = Pick<
  ClientRegistration,
  'dataAccessType' | 'requireDemographicScopes' | 'active' | 'partDOnly'
>;

export function parseDataAccessType(value: unknown, what = 'dataAccessType'): DataAccessType {
  if (typeof value === 'string' && (DATA_ACCESS_TYPES as readonly string[]).includes(value)) {
    return value as DataAccessType;
  }
  throw badRequest(`${what} must be one of ${DATA_ACCESS_TYPES.join(', ')}`);
}

/** A control-API body `{dataAccessType?, requireDemographicScopes?, active?, partDOnly?}`. */
export function parseRegistrationSettings(body: Record<string, unknown>): RegistrationSettings {
  return readFields<RegistrationSettings>(body, 'setting', {
    dataAccessType: (value) => parseDataAccessType(value),
    requireDemographicScopes: booleanField,
    active: booleanField,
    partDOnly: booleanField,
  });
}

/** What BB2 knows of a beneficiary beyond the data: not found in BB2's data, SAMHSA refused. */
export interface BeneficiaryFlags {
  /** BB2 cannot find the beneficiary (new to Medicare): the login ends on the bene_404 page. */
  notFound?: boolean;
  /** The beneficiary did not consent to SAMHSA data: v2 ExplanationOfBenefit answers 403. */
  samhsaRefused?: boolean;
}

export function parseBeneficiaryFlags(body: Record<string, unknown>): BeneficiaryFlags {
  return readFields<BeneficiaryFlags>(body, 'flag', { notFound: booleanField, samhsaRefused: booleanField });
}

/** Beneficiary flags by patient id. */
export class Beneficiaries {
  private readonly flags = new Map<string, BeneficiaryFlags>();
  private readonly joinedAt = new Map<string, number>();

  /** BB2 creates its user at the first Medicare.gov login: `date_joined`, userinfo's `iat`. */
  noteLogin(patientId: string, now: number): void {
    if (!this.joinedAt.has(patientId)) this.joinedAt.set(patientId, now);
  }

  joined(patientId: string): number | undefined {
    return this.joinedAt.get(patientId);
  }

  get(patientId: string): BeneficiaryFlags {
    return this.flags.get(patientId) ?? {};
  }

  set(patientId: string, flags: BeneficiaryFlags): BeneficiaryFlags {
    const merged = { ...this.get(patientId), ...flags };
    this.flags.set(patientId, merged);
    return merged;
  }

  all(): Record<string, BeneficiaryFlags> {
    return Object.fromEntries(this.flags);
  }
}

/** V2ExplanationOfBenefitPermission: `include_samhsa and not part_d_eob_only`. */
export function eobForbidden(client: Registration | undefined, bene: BeneficiaryFlags): boolean {
  return Boolean(client?.partDOnly) || Boolean(bene.samhsaRefused);
}
