/** Institutional `supportingInfo`, in the order of each type's golden file. */
import { type Code } from './codes.ts';
import { type Ctx, weeklyProcessingDay, sum } from './eob-common.ts';
import { NUBC_ADMIT, UCUM, sharedCodeable, varCodeable, type Obj } from './fhir-builders.ts';
import { carinInfoCategory, infoCategory } from './ccw-categories.ts';
import { ymd } from './time.ts';
import type { InstLine, Institutional } from './eob-institutional-lines.ts';

/** supportingInfo, in the order of each type's golden file. */
export function institutionalSupportingInfo(
  c: Ctx,
  kind: Institutional,
  fiProcDay: number,
  msp: boolean,
  lines: readonly InstLine[],
): Obj[] {
  const { rng, plan } = c;
  const si = new InstitutionalInfo(c, kind, fiProcDay, msp);
  switch (kind) {
    case 'inpatient':
      si.patientStatus();
      si.admissionPeriod(plan.from, plan.thru);
      si.admType();
      si.srcAdmission();
      si.drg();
      si.blood();
      si.mco();
      si.typeOfBill();
      si.discharge();
      si.primaryPayer();
      si.recvd();
      break;
    case 'snf':
      snfInfo(c, si);
      break;
    case 'outpatient':
      si.recvd();
      si.mco();
      si.typeOfBill();
      si.discharge();
      si.primaryPayer();
      break;
    case 'hha':
      hhaInfo(c, si, lines);
      break;
    case 'hospice':
      si.recvd();
      si.patientStatus();
      si.admissionPeriod(plan.from - rng.int(0, 120), plan.thru);
      si.typeOfBill();
      si.discharge();
      si.primaryPayer();
      break;
  }

  return si.list;
}

const ADMISSION_TYPES: readonly (readonly [Code, number])[] = [
  [
    [
      '1',
      'Emergency - The patient required immediate medical intervention as a result of severe, life threatening, or potentially disabling conditions. Generally, the patient was admitted through the emergency room.',
    ],
    55,
  ],
  [
    [
      '2',
      'Urgent - The patient required immediate attention for the care and treatment of a physical or mental disorder. Generally, the patient was admitted to the first available and suitable accommodation.',
    ],
    20,
  ],
  [
    [
      '3',
      "Elective - The patient's condition permitted adequate time to schedule the availability of suitable accommodations.",
    ],
    25,
  ],
] as const;

const DISCHARGE_STATUSES: readonly (readonly [Code, number])[] = [
  [['1', ''], 70],
  [['6', 'Discharged/transferred to home under care of organized home health service organization.'], 12],
  [
    [
      '3',
      'Discharged/transferred to skilled nursing facility (SNF) with Medicare certification in anticipation of skilled care.',
    ],
    10,
  ],
  [['51', 'Discharged/transferred to a Hospice – medical facility.'], 3],
  [['20', 'Expired.'], 5],
] as const;

/** Institutional supportingInfo entries; each method appends one entry with the next sequence. */
class InstitutionalInfo {
  readonly list: Obj[] = [];

  constructor(
    private readonly c: Ctx,
    private readonly kind: Institutional,
    private readonly fiProcDay: number,
    private readonly msp: boolean,
  ) {}

  /** The sequence number of the entry about to be pushed. */
  next(): number {
    return this.list.length + 1;
  }

  recvd(): void {
    this.list.push({
      sequence: this.next(),
      category: carinInfoCategory('clmrecvddate', 'Claim Received Date', 'nch_wkly_proc_dt'),
      timingDate: ymd(Math.max(this.fiProcDay, weeklyProcessingDay(this.c))),
    });
  }

  patientStatus(): void {
    const [code, display] =
      this.kind === 'hospice'
        ? (['C', 'Still a patient'] as const)
        : this.c.rng.chance(0.03)
          ? (['B', 'Died'] as const)
          : (['A', 'Discharged'] as const);
    this.list.push({
      sequence: this.next(),
      category: infoCategory('nch_ptnt_stus_ind_cd'),
      code: varCodeable('nch_ptnt_stus_ind_cd', code, display),
    });
  }

  admissionPeriod(start: number, end: number | undefined): void {
    this.list.push({
      sequence: this.next(),
      category: carinInfoCategory('admissionperiod', 'Admission Period'),
      timingPeriod: end === undefined ? { start: ymd(start) } : { start: ymd(start), end: ymd(end) },
    });
  }

  admType(): void {
    const t = this.c.rng.weighted(ADMISSION_TYPES);
    this.list.push({
      sequence: this.next(),
      category: carinInfoCategory('admtype', 'Information', 'clm_ip_admsn_type_cd'),
      code: sharedCodeable(NUBC_ADMIT, t[0], t[1]),
    });
  }

  srcAdmission(): void {
    this.list.push({
      sequence: this.next(),
      category: infoCategory('clm_src_ip_admsn_cd'),
      code: varCodeable('clm_src_ip_admsn_cd', this.c.rng.pick(['1', '2', '4', '7'])),
    });
  }

  drg(): void {
    const rng = this.c.rng;
    const code =
      this.kind === 'snf'
        ? rng.pick(['945', '946', '560', '057'])
        : rng.pick(['291', '470', '871', '190', '392', '683', '194', '603', '065', '885']);
    this.list.push({
      sequence: this.next(),
      category: infoCategory('clm_drg_cd'),
      code: varCodeable('clm_drg_cd', code),
    });
  }

  blood(): void {
    const rng = this.c.rng;
    this.list.push({
      sequence: this.next(),
      category: infoCategory('nch_blood_pnts_frnshd_qty'),
      valueQuantity: {
        value: rng.chance(0.9) ? 0 : rng.int(1, 3),
        unit: 'pint',
        system: UCUM,
        code: '[pt_us]',
      },
    });
  }

  mco(): void {
    this.list.push({
      sequence: this.next(),
      category: infoCategory('clm_mco_pd_sw'),
      code: varCodeable('clm_mco_pd_sw', '0', 'No managed care organization (MCO) payment'),
    });
  }

  typeOfBill(): void {
    const [code, display] = this.c.rng.chance(0.92)
      ? (['1', 'Admit thru discharge claim'] as const)
      : (['7', 'Replacement of prior claim'] as const);
    this.list.push({
      sequence: this.next(),
      category: carinInfoCategory('typeofbill', 'Type of Bill'),
      code: varCodeable('clm_freq_cd', code, display),
    });
  }

  discharge(): void {
    const status: Code =
      this.kind === 'hha' || this.kind === 'hospice'
        ? ['30', 'Still patient.']
        : this.c.rng.weighted(DISCHARGE_STATUSES);
    this.list.push({
      sequence: this.next(),
      category: carinInfoCategory('discharge-status', 'Discharge Status'),
      code: varCodeable('ptnt_dschrg_stus_cd', status[0], status[1] || undefined),
    });
  }

  primaryPayer(): void {
    if (this.msp || this.c.rng.chance(0.1)) {
      this.list.push({
        sequence: this.next(),
        category: infoCategory('nch_prmry_pyr_cd'),
        code: varCodeable(
          'nch_prmry_pyr_cd',
          'A',
          'Employer group health plan (EGHP) insurance for an aged beneficiary',
        ),
      });
    }
  }

  pps(): void {
    this.list.push({
      sequence: this.next(),
      category: infoCategory('clm_pps_ind_cd'),
      code: varCodeable('clm_pps_ind_cd', '2', 'PPS bill; claim contains PPS indicator'),
    });
  }
}

/** SNF: qualifying stay, non-covered stay and benefits-exhausted dates around the usual entries. */
function snfInfo(c: Ctx, si: InstitutionalInfo): void {
  const { rng, plan } = c;
  si.recvd();
  si.admType();
  si.srcAdmission();
  if (rng.chance(0.08)) {
    si.list.push({
      sequence: si.next(),
      category: infoCategory('nch_vrfd_ncvrd_stay_from_dt'),
      timingPeriod: { start: ymd(plan.from), end: ymd(Math.min(plan.thru, plan.from + 10)) },
    });
  }
  if (rng.chance(0.05)) {
    si.list.push({
      sequence: si.next(),
      category: infoCategory('nch_bene_mdcr_bnfts_exhtd_dt_i'),
      timingDate: ymd(plan.thru),
    });
  }
  si.drg();
  si.patientStatus();
  const admitted = plan.from - (rng.chance(0.6) ? 0 : rng.int(1, 40));
  si.admissionPeriod(admitted, plan.thru);
  if (rng.chance(0.8)) {
    const stayEnd = admitted - rng.int(0, 2);
    si.list.push({
      sequence: si.next(),
      category: infoCategory('nch_qlfyd_stay_from_dt'),
      timingPeriod: { start: ymd(stayEnd - rng.int(3, 9)), end: ymd(stayEnd) },
    });
  }
  si.pps();
  si.blood();
  si.mco();
  si.typeOfBill();
  si.discharge();
  si.primaryPayer();
}

/** HHA: the LUPA flag (fewer than 5 visits), referral source and visit count. */
function hhaInfo(c: Ctx, si: InstitutionalInfo, lines: readonly InstLine[]): void {
  const { plan } = c;
  si.recvd();
  si.typeOfBill();
  si.discharge();
  si.primaryPayer();
  si.pps();
  const visits = sum(lines.slice(1).map((l) => l.units));
  if (visits < 5) {
    si.list.push({
      sequence: si.next(),
      category: infoCategory('clm_hha_lupa_ind_cd'),
      code: varCodeable('clm_hha_lupa_ind_cd', 'L', 'Low utilization payment adjustment (LUPA) claim'),
    });
  }
  si.list.push({
    sequence: si.next(),
    category: infoCategory('clm_hha_rfrl_cd'),
    code: varCodeable(
      'clm_hha_rfrl_cd',
      '1',
      'Physician referral - The patient was admitted upon the recommendation of a personal physician.',
    ),
  });
  si.list.push({
    sequence: si.next(),
    category: infoCategory('clm_hha_tot_visit_cnt'),
    valueQuantity: { value: visits },
  });
  si.admissionPeriod(plan.from, undefined);
}
