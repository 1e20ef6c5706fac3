/**
 * The systems and codes of BB2 v3 (BFD "server-ng", CARIN BB 2.2.0), as read from CMS's v3
 * responses (../shared/reference/bb2-v3.md sections 7 and 9). v2 used
 * `https://bluebutton.cms.gov/resources/variables/<ccw_var>`; v3 names everything after the IDR.
 */

export const V3_CODESYSTEM = 'https://bluebutton.cms.gov/fhir/CodeSystem/';
export const V3_STRUCTURE = 'https://bluebutton.cms.gov/fhir/StructureDefinition/';

export const EOB_TYPE_SYSTEM = `${V3_CODESYSTEM}EOB-TYPE`;
export const CLM_TYPE_CD_SYSTEM = `${V3_CODESYSTEM}CLM-TYPE-CD`;
/** The letter codes (H, D, I, ...) of CWF prior authorizations. */
export const CLM_TYPE_LETTER_SYSTEM = `${V3_CODESYSTEM}CLM-TYPE`;
export const ADJUDICATION_SYSTEM = `${V3_CODESYSTEM}Adjudication`;
export const SUPPORTING_INFO_SYSTEM = `${V3_CODESYSTEM}Supporting-Information`;
export const SYSTEM_TYPE_SYSTEM = `${V3_CODESYSTEM}System-Type`;
export const FINAL_ACTION_SYSTEM = `${V3_CODESYSTEM}Final-Action`;
export const CLAIM_CONTROL_NUMBER_SYSTEM = 'https://bluebutton.cms.gov/identifiers/CLM-CNTL-NUM';
export const REV_CNTR_SYSTEM = `${V3_CODESYSTEM}CLM-REV-CNTR-CD`;
export const NUBC_REVENUE_SYSTEM = 'https://www.nubc.org/CodeSystem/RevenueCodes';
export const BILL_FACILITY_TYPE_SYSTEM = `${V3_CODESYSTEM}CLM-BILL-FAC-TYPE-CD`;
export const NUBC_TYPE_OF_BILL = 'https://www.nubc.org/CodeSystem/TypeOfBill';
export const BILL_FREQUENCY_SYSTEM = `${V3_CODESYSTEM}CLM-BILL-FREQ-CD`;

export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
export const MBI_SYSTEM = 'http://hl7.org/fhir/sid/us-mbi';
export const NDC_SYSTEM = 'http://hl7.org/fhir/sid/ndc';
export const HCPCS_SYSTEM = 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
export const CPT_SYSTEM = 'http://www.ama-assn.org/go/cpt';
export const COMPOUND_SYSTEM = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBCompoundLiteral';
export const CLAIM_TYPE_HL7_SYSTEM = 'http://terminology.hl7.org/CodeSystem/claim-type';
export const UNIQUE_CLAIM_ID_TYPE = 'uc';

/** SAMHSA (42 CFR Part 2) security label BFD puts on claims shared with the beneficiary's consent. */
export const SAMHSA_SECURITY_CODE = '42CFRPart2';

/** `meta.source` values: the system a v3 claim came from. */
export const CLAIM_SOURCES = ['NCH', 'DDPS', 'FISS', 'MCS', 'VMS', 'CWF'] as const;

/** EOB-TYPE codes, the v2 eob-type codes in upper case. */
export const EOB_TYPES = [
  'CARRIER',
  'DME',
  'HHA',
  'HOSPICE',
  'INPATIENT',
  'OUTPATIENT',
  'PDE',
  'SNF',
] as const;

export const PDEX_PRIOR_AUTHORIZATION_PROFILE =
  'http://hl7.org/fhir/us/davinci-pdex/StructureDefinition/pdex-priorauthorization';

/** Diagnosis, procedure and product codings in order of preference. */
export const DIAGNOSIS_SYSTEMS = ['http://hl7.org/fhir/sid/icd-10-cm', 'http://hl7.org/fhir/sid/icd-9-cm'];
export const PROCEDURE_SYSTEMS = [
  'http://www.cms.gov/Medicare/Coding/ICD10',
  'http://www.cms.gov/Medicare/Coding/ICD9',
];
export const PRODUCT_SYSTEMS = [NDC_SYSTEM, HCPCS_SYSTEM, CPT_SYSTEM];
