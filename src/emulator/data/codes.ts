/**
 * Small, realistic code lists for the synthetic data (our own selection; displays follow the
 * CCW/BFD style: upper-case ICD descriptions, "Brand - GENERIC" NDC displays). Codes carry no dots.
 */

export type Code = readonly [code: string, display: string];

/** ICD-10-CM diagnoses common in Medicare claims. */
export const ICD10_DX: readonly Code[] = [
  ['E119', 'TYPE 2 DIABETES MELLITUS WITHOUT COMPLICATIONS'],
  ['E1122', 'TYPE 2 DIABETES MELLITUS WITH DIABETIC CHRONIC KIDNEY DISEASE'],
  ['E1165', 'TYPE 2 DIABETES MELLITUS WITH HYPERGLYCEMIA'],
  ['I10', 'ESSENTIAL (PRIMARY) HYPERTENSION'],
  ['E785', 'HYPERLIPIDEMIA, UNSPECIFIED'],
  ['E782', 'MIXED HYPERLIPIDEMIA'],
  ['I2510', 'ATHSCL HEART DISEASE OF NATIVE CORONARY ARTERY W/O ANG PCTRS'],
  ['I4891', 'UNSPECIFIED ATRIAL FIBRILLATION'],
  ['I509', 'HEART FAILURE, UNSPECIFIED'],
  ['I5032', 'CHRONIC DIASTOLIC (CONGESTIVE) HEART FAILURE'],
  ['J449', 'CHRONIC OBSTRUCTIVE PULMONARY DISEASE, UNSPECIFIED'],
  ['J189', 'PNEUMONIA, UNSPECIFIED ORGANISM'],
  ['N1830', 'CHRONIC KIDNEY DISEASE, STAGE 3 UNSPECIFIED'],
  ['N390', 'URINARY TRACT INFECTION, SITE NOT SPECIFIED'],
  ['M170', 'BILATERAL PRIMARY OSTEOARTHRITIS OF KNEE'],
  ['M5450', 'LOW BACK PAIN, UNSPECIFIED'],
  ['M810', 'AGE-RELATED OSTEOPOROSIS W/O CURRENT PATHOLOGICAL FRACTURE'],
  ['E039', 'HYPOTHYROIDISM, UNSPECIFIED'],
  ['F329', 'MAJOR DEPRESSIVE DISORDER, SINGLE EPISODE, UNSPECIFIED'],
  ['F0390', 'UNSPECIFIED DEMENTIA, UNSP SEVERITY, WITHOUT BEHAV DISTURB'],
  ['G309', "ALZHEIMER'S DISEASE, UNSPECIFIED"],
  ['K219', 'GASTRO-ESOPHAGEAL REFLUX DISEASE WITHOUT ESOPHAGITIS'],
  ['H2513', 'AGE-RELATED NUCLEAR CATARACT, BILATERAL'],
  ['H4011X0', 'PRIMARY OPEN-ANGLE GLAUCOMA, STAGE UNSPECIFIED'],
  ['R0602', 'SHORTNESS OF BREATH'],
  ['R079', 'CHEST PAIN, UNSPECIFIED'],
  ['R262', 'DIFFICULTY IN WALKING, NOT ELSEWHERE CLASSIFIED'],
  ['R5383', 'OTHER FATIGUE'],
  ['Z0000', 'ENCNTR FOR GENERAL ADULT MEDICAL EXAM W/O ABNORMAL FINDINGS'],
  ['Z23', 'ENCOUNTER FOR IMMUNIZATION'],
  ['Z7901', 'LONG TERM (CURRENT) USE OF ANTICOAGULANTS'],
  ['Z794', 'LONG TERM (CURRENT) USE OF INSULIN'],
  ['D649', 'ANEMIA, UNSPECIFIED'],
  ['C61', 'MALIGNANT NEOPLASM OF PROSTATE'],
  ['C50911', 'MALIGNANT NEOPLASM OF UNSP SITE OF RIGHT FEMALE BREAST'],
  ['L03116', 'CELLULITIS OF LEFT LOWER LIMB'],
  ['E6601', 'MORBID (SEVERE) OBESITY DUE TO EXCESS CALORIES'],
  ['G4733', 'OBSTRUCTIVE SLEEP APNEA (ADULT) (PEDIATRIC)'],
];

/** Principal diagnoses typical of an inpatient/SNF stay. */
export const ICD10_DX_ACUTE: readonly Code[] = [
  ['A419', 'SEPSIS, UNSPECIFIED ORGANISM'],
  ['I130', 'HYP HRT & CHR KDNY DIS W HRT FAIL AND STG 1-4/UNSP CHR KDNY'],
  ['I214', 'NON-ST ELEVATION (NSTEMI) MYOCARDIAL INFARCTION'],
  ['I639', 'CEREBRAL INFARCTION, UNSPECIFIED'],
  ['J441', 'CHRONIC OBSTRUCTIVE PULMONARY DISEASE W (ACUTE) EXACERBATION'],
  ['J9601', 'ACUTE RESPIRATORY FAILURE WITH HYPOXIA'],
  ['N179', 'ACUTE KIDNEY FAILURE, UNSPECIFIED'],
  ['S72001A', 'FRACTURE OF UNSP PART OF NECK OF RIGHT FEMUR, INIT'],
  ['M1711', 'UNILATERAL PRIMARY OSTEOARTHRITIS, RIGHT KNEE'],
  ['K5720', 'DVTRCLI OF LG INT W PERF AND ABSCESS W/O BLEEDING'],
  ['U071', 'COVID-19'],
];

/** External-cause codes (diagnosis type externalcauseofinjury). */
export const ICD10_EXTERNAL: readonly Code[] = [
  ['W19XXXA', 'UNSPECIFIED FALL, INITIAL ENCOUNTER'],
  ['W010XXA', 'FALL SAME LEV FROM SLIP/TRIP W/O STRIKE AGAINST OBJ, INIT'],
  ['W1830XA', 'FALL ON SAME LEVEL, UNSPECIFIED, INITIAL ENCOUNTER'],
  ['Y92009', 'UNSP PLACE IN UNSP NON-INSTITUTIONAL RESIDENCE AS PLACE'],
  ['V4352XA', 'CAR DRIVER INJURED IN COLLISION W CAR IN TRAF, INIT'],
];

/** ICD-10-PCS procedures. */
export const ICD10_PCS: readonly Code[] = [
  ['0SRD0J9', 'REPLACEMENT OF L KNEE JT WITH SYNTH SUB, CEMENT, OPEN APPROACH'],
  ['0SR9019', 'REPLACEMENT OF R HIP JT WITH METAL SYNTH SUB, CEMENT, OPEN'],
  ['02703ZZ', 'DILATION OF CORONARY ARTERY, ONE ARTERY, PERC APPROACH'],
  ['4A023N7', 'MEASUREMENT OF CARDIAC SAMPLING AND PRESSURE, L HEART, PERC'],
  ['B2111ZZ', 'FLUOROSCOPY OF MULT COR ART USING LOW OSM CONTRAST'],
  ['5A1955Z', 'RESPIRATORY VENTILATION, GREATER THAN 96 CONSECUTIVE HOURS'],
  ['30233N1', 'TRANSFUSION OF NONAUT RED BLOOD CELLS INTO PERIPH VEIN, PERC'],
  ['0FT44ZZ', 'RESECTION OF GALLBLADDER, PERCUTANEOUS ENDOSCOPIC APPROACH'],
  ['0DJ08ZZ', 'INSPECTION OF UPPER INTESTINAL TRACT, ENDO'],
  ['3E0234Z', 'INTRODUCTION OF SERUM, TOXOID AND VACCINE INTO MUSCLE, PERC'],
  ['BW28ZZZ', 'COMPUTERIZED TOMOGRAPHY (CT SCAN) OF ABDOMEN AND PELVIS'],
  ['F07M6ZZ', 'THERAPEUTIC EXERCISE TREATMENT OF MUSCULOSKELETAL SYSTEM'],
];

/** Professional services: [hcpcs, betos, cms type of service, fee (typical allowed $), lab?]. */
export interface ProService {
  readonly hcpcs: string;
  readonly betos: readonly [string, string];
  readonly typeOfService: readonly [string, string];
  readonly fee: number;
  readonly placeOfService?: string;
}

const MEDICAL_CARE = ['1', 'Medical care'] as const;
const SURGERY = ['2', 'Surgery'] as const;
const RADIOLOGY = ['4', 'Diagnostic radiology'] as const;
const LAB = ['5', 'Diagnostic laboratory'] as const;
const OTHER = ['9', 'Other medical items or services'] as const;
const VACCINE = ['V', 'Pneumococcal/flu vaccine'] as const;
const PHYSICAL_THERAPY = ['W', 'Physical therapy'] as const;

export const PRO_SERVICES: readonly ProService[] = [
  { hcpcs: '99213', betos: ['M1B', 'Office visits - established'], typeOfService: MEDICAL_CARE, fee: 92 },
  { hcpcs: '99214', betos: ['M1B', 'Office visits - established'], typeOfService: MEDICAL_CARE, fee: 130 },
  { hcpcs: '99212', betos: ['M1B', 'Office visits - established'], typeOfService: MEDICAL_CARE, fee: 57 },
  { hcpcs: '99204', betos: ['M1A', 'Office visits - new'], typeOfService: MEDICAL_CARE, fee: 168 },
  {
    hcpcs: '99232',
    betos: ['M2B', 'Hospital visit - subsequent'],
    typeOfService: MEDICAL_CARE,
    fee: 82,
    placeOfService: '21',
  },
  {
    hcpcs: '99309',
    betos: ['M4B', 'Nursing home visit'],
    typeOfService: MEDICAL_CARE,
    fee: 98,
    placeOfService: '31',
  },
  { hcpcs: 'G0439', betos: ['M5D', 'Specialist - other'], typeOfService: MEDICAL_CARE, fee: 133 },
  {
    hcpcs: '36415',
    betos: ['T1A', 'Lab tests - routine venipuncture (non Medicare fee schedule)'],
    typeOfService: LAB,
    fee: 3,
    placeOfService: '81',
  },
  {
    hcpcs: '80053',
    betos: ['T1B', 'Lab tests - automated general profiles'],
    typeOfService: LAB,
    fee: 10,
    placeOfService: '81',
  },
  {
    hcpcs: '85025',
    betos: ['T1H', 'Lab tests - other (non-Medicare fee schedule)'],
    typeOfService: LAB,
    fee: 8,
    placeOfService: '81',
  },
  {
    hcpcs: '80061',
    betos: ['T1B', 'Lab tests - automated general profiles'],
    typeOfService: LAB,
    fee: 13,
    placeOfService: '81',
  },
  {
    hcpcs: '83036',
    betos: ['T1H', 'Lab tests - other (non-Medicare fee schedule)'],
    typeOfService: LAB,
    fee: 9,
    placeOfService: '81',
  },
  {
    hcpcs: '93000',
    betos: ['T2A', 'Other tests - electrocardiograms'],
    typeOfService: MEDICAL_CARE,
    fee: 16,
  },
  {
    hcpcs: '93306',
    betos: ['I3B', 'Echography/ultrasonography - heart'],
    typeOfService: RADIOLOGY,
    fee: 205,
  },
  { hcpcs: '71046', betos: ['I1A', 'Standard imaging - chest'], typeOfService: RADIOLOGY, fee: 28 },
  { hcpcs: '77067', betos: ['I1D', 'Standard imaging - breast'], typeOfService: RADIOLOGY, fee: 140 },
  { hcpcs: '73030', betos: ['I1C', 'Standard imaging - musculoskeletal'], typeOfService: RADIOLOGY, fee: 25 },
  {
    hcpcs: '97110',
    betos: ['P5E', 'Ambulatory procedures - other'],
    typeOfService: PHYSICAL_THERAPY,
    fee: 29,
  },
  {
    hcpcs: '97140',
    betos: ['P5E', 'Ambulatory procedures - other'],
    typeOfService: PHYSICAL_THERAPY,
    fee: 27,
  },
  { hcpcs: '20610', betos: ['P5E', 'Ambulatory procedures - other'], typeOfService: SURGERY, fee: 60 },
  {
    hcpcs: '66984',
    betos: ['P4B', 'Eye procedure - cataract removal/lens insertion'],
    typeOfService: SURGERY,
    fee: 530,
  },
  { hcpcs: '92014', betos: ['M5C', 'Specialist - ophthalmology'], typeOfService: MEDICAL_CARE, fee: 125 },
  {
    hcpcs: '17000',
    betos: ['P6C', 'Minor procedures - other (Medicare fee schedule)'],
    typeOfService: SURGERY,
    fee: 58,
  },
  {
    hcpcs: '11721',
    betos: ['P6C', 'Minor procedures - other (Medicare fee schedule)'],
    typeOfService: SURGERY,
    fee: 42,
  },
  { hcpcs: 'J3301', betos: ['O1E', 'Other drugs'], typeOfService: OTHER, fee: 6 },
  { hcpcs: '90662', betos: ['O1G', 'Influenza immunization'], typeOfService: VACCINE, fee: 62 },
  { hcpcs: 'G0008', betos: ['O1G', 'Influenza immunization'], typeOfService: VACCINE, fee: 33 },
];

/** DME items: [hcpcs, betos, type of service, fee, units]. */
export interface DmeItem {
  readonly hcpcs: string;
  readonly betos: string;
  readonly typeOfService: readonly [string, string];
  readonly fee: number;
  readonly units: number;
  /** Drug supplied through DME (nebulizer drugs): the NDC BFD adds as a productOrService extension. */
  readonly ndc?: Code;
}

const RENTAL = ['R', 'Rental of DME'] as const;
const PURCHASE = ['P', 'Lump sum purchase of DME, prosthetics orthotics'] as const;
const SUPPLIES = ['S', 'Surgical dressings or other medical supplies'] as const;

export const DME_ITEMS: readonly DmeItem[] = [
  { hcpcs: 'E1390', betos: 'D1C', typeOfService: RENTAL, fee: 155, units: 1 },
  { hcpcs: 'E0431', betos: 'D1C', typeOfService: RENTAL, fee: 17, units: 1 },
  { hcpcs: 'E0601', betos: 'D1C', typeOfService: RENTAL, fee: 70, units: 1 },
  { hcpcs: 'A7030', betos: 'D1F', typeOfService: SUPPLIES, fee: 95, units: 1 },
  { hcpcs: 'A4253', betos: 'D1E', typeOfService: SUPPLIES, fee: 31, units: 2 },
  { hcpcs: 'A4259', betos: 'D1E', typeOfService: SUPPLIES, fee: 12, units: 2 },
  { hcpcs: 'E0114', betos: 'D1A', typeOfService: PURCHASE, fee: 31, units: 1 },
  { hcpcs: 'E0143', betos: 'D1A', typeOfService: PURCHASE, fee: 95, units: 1 },
  { hcpcs: 'L3960', betos: 'D1G', typeOfService: PURCHASE, fee: 480, units: 1 },
  { hcpcs: 'E0260', betos: 'D1B', typeOfService: RENTAL, fee: 126, units: 1 },
  {
    hcpcs: 'J7613',
    betos: 'O1E',
    typeOfService: ['1', 'Medical care'],
    fee: 1,
    units: 60,
    ndc: ['00487950101', 'Albuterol Sulfate - ALBUTEROL SULFATE'],
  },
  {
    hcpcs: 'J7626',
    betos: 'O1E',
    typeOfService: ['1', 'Medical care'],
    fee: 2,
    units: 60,
    ndc: ['00093681673', 'Budesonide - BUDESONIDE'],
  },
];

/** Place of service (line_place_of_srvc_cd). */
export const PLACE_OF_SERVICE: Readonly<Record<string, string>> = {
  '11': 'Office. Location, other than a hospital, skilled nursing facility (SNF), military treatment facility, community health center, State or local public health clinic, or intermediate care facility (ICF), where the health professional routinely provides health examinations, diagnosis, and treatment of illness or injury on an ambulatory basis.',
  '12': 'Home. Location, other than a hospital or other facility, where the patient receives care in a private residence.',
  '21': 'Inpatient hospital. A facility, other than psychiatric, which primarily provides diagnostic, therapeutic (both surgical and nonsurgical), and rehabilitation services by, or under, the supervision of physicians to patients admitted for a variety of medical conditions.',
  '22': 'Outpatient hospital. A portion of a hospital which provides diagnostic, therapeutic (both surgical and nonsurgical), and rehabilitation services to sick or injured persons who do not require hospitalization or institutionalization.',
  '31': 'Skilled nursing facility (SNF). A facility which primarily provides inpatient skilled nursing care and related services to patients who require medical, nursing, or rehabilitative services but does not provide the level of care or treatment available in a hospital.',
  '81': 'Independent laboratory. A laboratory certified to perform diagnostic and/or clinical tests independent of an institution or a physician office.',
};

/** Institutional revenue lines: [revenue code, hcpcs or undefined, charge range $]. */
export interface RevenueLine {
  readonly revenue: string;
  readonly hcpcs?: string;
  readonly charge: readonly [number, number];
}

export const OUTPATIENT_LINES: readonly RevenueLine[] = [
  { revenue: '0450', hcpcs: '99284', charge: [900, 3200] },
  { revenue: '0450', hcpcs: '99285', charge: [1500, 5200] },
  { revenue: '0300', hcpcs: '36415', charge: [15, 60] },
  { revenue: '0301', hcpcs: '80053', charge: [60, 320] },
  { revenue: '0305', hcpcs: '85025', charge: [40, 180] },
  { revenue: '0324', hcpcs: '71046', charge: [180, 650] },
  { revenue: '0350', hcpcs: '74177', charge: [1800, 6200] },
  { revenue: '0730', hcpcs: '93005', charge: [120, 480] },
  { revenue: '0510', hcpcs: 'G0463', charge: [150, 520] },
  { revenue: '0636', hcpcs: 'J1885', charge: [20, 90] },
  { revenue: '0260', hcpcs: '96374', charge: [250, 900] },
  { revenue: '0420', hcpcs: '97110', charge: [90, 260] },
  { revenue: '0360', hcpcs: '45380', charge: [2200, 7800] },
  { revenue: '0250', charge: [12, 240] },
  { revenue: '0270', charge: [25, 600] },
  { revenue: '0762', hcpcs: 'G0378', charge: [800, 3800] },
];

export const INPATIENT_LINES: readonly RevenueLine[] = [
  { revenue: '0120', charge: [2400, 14000] },
  { revenue: '0200', charge: [4500, 26000] },
  { revenue: '0250', charge: [600, 9000] },
  { revenue: '0258', charge: [300, 4500] },
  { revenue: '0270', charge: [400, 7000] },
  { revenue: '0300', charge: [700, 6500] },
  { revenue: '0320', charge: [300, 2800] },
  { revenue: '0350', charge: [1500, 8000] },
  { revenue: '0360', hcpcs: '27447', charge: [6000, 42000] },
  { revenue: '0410', charge: [500, 5000] },
  { revenue: '0420', charge: [300, 2200] },
  { revenue: '0450', hcpcs: '99285', charge: [1500, 5200] },
  { revenue: '0636', hcpcs: 'J2405', charge: [40, 900] },
  { revenue: '0730', hcpcs: '93005', charge: [120, 480] },
];

export const SNF_LINES: readonly RevenueLine[] = [
  { revenue: '0022', hcpcs: 'KAQD1', charge: [0, 0] },
  { revenue: '0120', charge: [9000, 32000] },
  { revenue: '0250', charge: [400, 3800] },
  { revenue: '0270', charge: [150, 1800] },
  { revenue: '0300', charge: [100, 1200] },
  { revenue: '0420', hcpcs: '97110', charge: [1200, 9000] },
  { revenue: '0430', hcpcs: '97530', charge: [900, 7000] },
  { revenue: '0440', hcpcs: '92507', charge: [400, 3000] },
];

export const HHA_LINES: readonly RevenueLine[] = [
  { revenue: '0551', hcpcs: 'G0299', charge: [180, 420] },
  { revenue: '0421', hcpcs: 'G0151', charge: [190, 450] },
  { revenue: '0431', hcpcs: 'G0152', charge: [190, 450] },
  { revenue: '0571', hcpcs: 'G0156', charge: [80, 200] },
  { revenue: '0561', hcpcs: 'G0155', charge: [200, 480] },
];

export const HOSPICE_LINES: readonly RevenueLine[] = [
  { revenue: '0651', hcpcs: 'Q5001', charge: [4200, 7600] },
  { revenue: '0656', hcpcs: 'Q5006', charge: [3000, 9000] },
  { revenue: '0551', hcpcs: 'G0299', charge: [150, 600] },
  { revenue: '0561', hcpcs: 'G0155', charge: [120, 420] },
  { revenue: '0571', hcpcs: 'G0156', charge: [80, 300] },
];

/** HIPPS codes for the HHA 0023 line. */
export const HHA_HIPPS: readonly string[] = ['1AA11', '1BB21', '2CA31', '1FC21', '2HA11', '1DB31'];

/** NDCs (11 digits, no hyphens) with "Brand - GENERIC" displays; generic?, typical cost $/30 days. */
export interface Drug {
  readonly ndc: string;
  readonly display: string;
  readonly generic: boolean;
  readonly cost30: number;
}

export const DRUGS: readonly Drug[] = [
  { ndc: '68180051301', display: 'Lisinopril - LISINOPRIL', generic: true, cost30: 4 },
  {
    ndc: '00093105801',
    display: 'Metformin Hydrochloride - METFORMIN HYDROCHLORIDE',
    generic: true,
    cost30: 6,
  },
  { ndc: '00093505698', display: 'Atorvastatin Calcium - ATORVASTATIN CALCIUM', generic: true, cost30: 9 },
  { ndc: '60505257909', display: 'Amlodipine Besylate - AMLODIPINE BESYLATE', generic: true, cost30: 5 },
  { ndc: '00378180501', display: 'Levothyroxine Sodium - LEVOTHYROXINE SODIUM', generic: true, cost30: 12 },
  { ndc: '59762332402', display: 'Gabapentin - GABAPENTIN', generic: true, cost30: 11 },
  { ndc: '00904629161', display: 'Omeprazole - OMEPRAZOLE', generic: true, cost30: 8 },
  { ndc: '16729013101', display: 'Losartan Potassium - LOSARTAN POTASSIUM', generic: true, cost30: 7 },
  {
    ndc: '00781507092',
    display: 'Metoprolol Succinate ER - METOPROLOL SUCCINATE',
    generic: true,
    cost30: 14,
  },
  {
    ndc: '00093721356',
    display: 'Sertraline Hydrochloride - SERTRALINE HYDROCHLORIDE',
    generic: true,
    cost30: 7,
  },
  {
    ndc: '65862011099',
    display: 'Donepezil Hydrochloride - DONEPEZIL HYDROCHLORIDE',
    generic: true,
    cost30: 10,
  },
  { ndc: '00054429731', display: 'Furosemide - FUROSEMIDE', generic: true, cost30: 4 },
  { ndc: '00003089421', display: 'Eliquis - APIXABAN', generic: false, cost30: 560 },
  { ndc: '00597015230', display: 'Jardiance - EMPAGLIFLOZIN', generic: false, cost30: 590 },
  { ndc: '00169413013', display: 'Ozempic - SEMAGLUTIDE', generic: false, cost30: 940 },
  {
    ndc: '00173085910',
    display: 'Breo Ellipta - FLUTICASONE FUROATE/VILANTEROL',
    generic: false,
    cost30: 390,
  },
  { ndc: '00088250033', display: 'Lantus Solostar - INSULIN GLARGINE', generic: false, cost30: 410 },
  { ndc: '50090563800', display: 'Xarelto - RIVAROXABAN', generic: false, cost30: 545 },
];

/** NUCC taxonomy codes + CCW provider specialty codes. */
export interface Specialty {
  readonly taxonomy: Code;
  readonly specialty: Code;
}

export const SPECIALTIES: readonly Specialty[] = [
  { taxonomy: ['207Q00000X', 'Family Medicine Physician'], specialty: ['08', 'Family practice'] },
  { taxonomy: ['207R00000X', 'Internal Medicine Physician'], specialty: ['11', 'Internal medicine'] },
  { taxonomy: ['207RC0000X', 'Cardiovascular Disease Physician'], specialty: ['06', 'Cardiology'] },
  { taxonomy: ['207W00000X', 'Ophthalmology Physician'], specialty: ['18', 'Ophthalmology'] },
  { taxonomy: ['207X00000X', 'Orthopaedic Surgery Physician'], specialty: ['20', 'Orthopedic surgery'] },
  { taxonomy: ['2085R0202X', 'Diagnostic Radiology Physician'], specialty: ['30', 'Diagnostic radiology'] },
  { taxonomy: ['207ND0900X', 'Dermatology Physician'], specialty: ['07', 'Dermatology'] },
  { taxonomy: ['363LF0000X', 'Family Nurse Practitioner'], specialty: ['50', 'Nurse practitioner'] },
  {
    taxonomy: ['225100000X', 'Physical Therapist'],
    specialty: ['65', 'Physical therapist (private practice added 4/1/90)'],
  },
  {
    taxonomy: ['291U00000X', 'Clinical Medical Laboratory'],
    specialty: ['69', 'Clinical laboratory (billing independent clinical laboratories)'],
  },
];

export const FIRST_NAMES_F: readonly string[] = [
  'Mary',
  'Patricia',
  'Linda',
  'Barbara',
  'Elizabeth',
  'Susan',
  'Margaret',
  'Dorothy',
  'Nancy',
  'Karen',
  'Betty',
  'Helen',
  'Sandra',
  'Donna',
  'Carol',
  'Ruth',
  'Sharon',
  'Judith',
  'Joan',
  'Evelyn',
  'Gloria',
  'Rosa',
  'Maria',
  'Mei',
  'Aiyana',
];
export const FIRST_NAMES_M: readonly string[] = [
  'James',
  'John',
  'Robert',
  'Michael',
  'William',
  'David',
  'Richard',
  'Joseph',
  'Thomas',
  'Charles',
  'Donald',
  'George',
  'Kenneth',
  'Paul',
  'Edward',
  'Ronald',
  'Harold',
  'Frank',
  'Raymond',
  'Walter',
  'Jose',
  'Wei',
  'Hiroshi',
  'Samuel',
  'Darnell',
];
export const LAST_NAMES: readonly string[] = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Hernandez',
  'Lopez',
  'Wilson',
  'Anderson',
  'Thomas',
  'Taylor',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Thompson',
  'White',
  'Harris',
  'Clark',
  'Lewis',
  'Walker',
  'Young',
  'Allen',
  'King',
  'Wright',
  'Nguyen',
  'Patel',
  'Kim',
  'Begay',
  'Okafor',
  'Doe',
];

export const STATE_NAMES: Readonly<Record<string, string>> = {
  AL: 'ALABAMA',
  AZ: 'ARIZONA',
  CA: 'CALIFORNIA',
  CO: 'COLORADO',
  FL: 'FLORIDA',
  GA: 'GEORGIA',
  IL: 'ILLINOIS',
  IA: 'IOWA',
  KY: 'KENTUCKY',
  MD: 'MARYLAND',
  MA: 'MASSACHUSETTS',
  MI: 'MICHIGAN',
  MO: 'MISSOURI',
  NJ: 'NEW JERSEY',
  NY: 'NEW YORK',
  NC: 'NORTH CAROLINA',
  OH: 'OHIO',
  PA: 'PENNSYLVANIA',
  TN: 'TENNESSEE',
  TX: 'TEXAS',
  UT: 'UTAH',
  VA: 'VIRGINIA',
  WA: 'WASHINGTON',
  WI: 'WISCONSIN',
};

/** Two-letter states with their SSA numeric codes (synthetic BB2 data uses the numeric form). */
export const STATES: readonly (readonly [postal: string, ssa: string, zipPrefix: string])[] = [
  ['AL', '01', '35'],
  ['AZ', '03', '85'],
  ['CA', '05', '90'],
  ['CO', '06', '80'],
  ['FL', '10', '33'],
  ['GA', '11', '30'],
  ['IL', '14', '60'],
  ['IA', '16', '50'],
  ['KY', '18', '40'],
  ['MD', '21', '21'],
  ['MA', '22', '02'],
  ['MI', '23', '48'],
  ['MO', '26', '63'],
  ['NJ', '31', '07'],
  ['NY', '33', '10'],
  ['NC', '34', '27'],
  ['OH', '36', '43'],
  ['PA', '39', '15'],
  ['TN', '44', '37'],
  ['TX', '45', '75'],
  ['UT', '46', '84'],
  ['VA', '49', '22'],
  ['WA', '50', '98'],
  ['WI', '52', '53'],
];

export const ORG_NAME_PARTS = {
  first: [
    'RIVERSIDE',
    'MERCY',
    'ST. LUKE',
    'PROVIDENCE',
    'LAKEVIEW',
    'NORTHGATE',
    'VALLEY',
    'SUMMIT',
    'HARBOR',
    'PINE RIDGE',
    'CEDAR HILL',
    'GRACE',
  ],
  hospital: ['REGIONAL MEDICAL CENTER', 'COMMUNITY HOSPITAL', 'MEMORIAL HOSPITAL', 'HEALTH SYSTEM'],
  snf: ['NURSING AND REHABILITATION CENTER', 'CARE CENTER', 'HEALTH AND REHAB'],
  hha: ['HOME HEALTH SERVICES', 'HOME CARE, INC.', 'VISITING NURSES ASSOCIATION'],
  hospice: ['HOSPICE', 'HOSPICE AND PALLIATIVE CARE'],
  group: ['FAMILY MEDICINE, P.C.', 'PHYSICIANS GROUP, LLC', 'MEDICAL ASSOCIATES', 'HEALTH SERVICES, INC.'],
  pharmacy: ['PHARMACY', 'DRUG STORE #', 'APOTHECARY'],
} as const;

/** Medicare Part A inpatient deductible by year (nch_bene_ip_ddctbl_amt). */
export const PART_A_DEDUCTIBLE: Readonly<Record<number, number>> = {
  2016: 1288,
  2017: 1316,
  2018: 1340,
  2019: 1364,
  2020: 1408,
  2021: 1484,
  2022: 1556,
  2023: 1600,
  2024: 1632,
  2025: 1676,
  2026: 1736,
};

/** SNF daily coinsurance (days 21-100) by year. */
export const SNF_DAILY_COINSURANCE: Readonly<Record<number, number>> = {
  2016: 161,
  2017: 164.5,
  2018: 167.5,
  2019: 170.5,
  2020: 176,
  2021: 185.5,
  2022: 194.5,
  2023: 200,
  2024: 204,
  2025: 209.5,
  2026: 217,
};

/** Part B annual deductible by year. */
export const PART_B_DEDUCTIBLE: Readonly<Record<number, number>> = {
  2016: 166,
  2017: 183,
  2018: 183,
  2019: 185,
  2020: 198,
  2021: 203,
  2022: 233,
  2023: 226,
  2024: 240,
  2025: 257,
  2026: 283,
};
