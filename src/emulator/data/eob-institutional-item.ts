/** One institutional line as a FHIR `item`, in the key order of each type's golden file. */
import { type Ctx, sequenceArray, quantityOf, quantityExt, dayIn } from './eob-common.ts';
import {
  CS_HCPCS,
  NDC,
  NUBC_REVENUE,
  UCUM,
  VAR,
  Memo,
  coding,
  extCoding,
  sharedCodeable,
  type Obj,
} from './fhir-builders.ts';
import { adjudication, denialReason } from './ccw-categories.ts';
import { ymd } from './time.ts';
import {
  locationAddress,
  STATUS_INDICATORS,
  UCUM_UNITS,
  type InstLine,
  type Institutional,
} from './eob-institutional-lines.ts';

const REVENUE = new Memo<Obj>();
const PRODUCT2 = new Memo<Obj>();

export function institutionalItem(
  c: Ctx,
  kind: Institutional,
  l: InstLine,
  sequence: number,
  performingSeq: number,
): Obj {
  const { rng, plan, person } = c;
  const item: Obj = {};
  if (kind !== 'inpatient' && kind !== 'hospice') {
    item['extension'] = [quantityExt('rev_cntr_unit_cnt', l.units)];
  }
  item['sequence'] = sequence;
  item['careTeamSequence'] = sequenceArray(performingSeq);
  item['revenue'] = revenueConcept(kind, l);
  addProductAndModifiers(c, kind, l, item);
  if (kind === 'hha' || kind === 'hospice' || (kind === 'outpatient' && rng.chance(0.08))) {
    item['servicedDate'] = ymd(dayIn(rng, plan.from, plan.thru));
  }
  item['locationAddress'] = locationAddress(person.statePostal);
  item['quantity'] = quantityOf(l.units);
  item['adjudication'] = lineAdjudication(kind, l);
  return item;
}

/** The line's revenue center, coded as each type's golden file codes it. */
function revenueConcept(kind: Institutional, l: InstLine): Obj {
  const rev = l.def.revenue;
  switch (kind) {
    case 'inpatient':
    case 'snf':
      return REVENUE.get('ip', rev, '', () => ({
        coding: [
          coding(`${VAR}rev_cntr`, rev),
          coding(NUBC_REVENUE, 'A'),
          coding(`${VAR}rev_cntr_ddctbl_coinsrnc_cd`, 'A'),
        ],
      }));
    case 'outpatient': {
      const status = l.status ?? (['A', ''] as const);
      return REVENUE.get('op', rev, status[0], () => ({
        extension: [extCoding('rev_cntr_stus_ind_cd', status[0], status[1])],
        coding: [coding(`${VAR}rev_cntr`, rev)],
      }));
    }
    case 'hha':
      return REVENUE.get('hha', rev, '', () => ({
        extension: [extCoding('rev_cntr_stus_ind_cd', 'A', STATUS_INDICATORS['A']?.[1])],
        coding: [
          rev === '0023'
            ? coding(
                `${VAR}rev_cntr`,
                rev,
                'Home Health services paid under PPS submitted as TOB 32X and 33X, effective 10/00. This code may appear multiple times on a claim to identify different HIPPS/Home Health Resource Groups (HRG).',
              )
            : coding(`${VAR}rev_cntr`, rev),
          coding(NUBC_REVENUE, '0'),
          coding(
            `${VAR}rev_cntr_ddctbl_coinsrnc_cd`,
            '0',
            'Charges are subject to deductible and coinsurance',
          ),
        ],
      }));
    case 'hospice':
      return REVENUE.get('hospice', rev, '', () => ({
        coding: [
          coding(`${VAR}rev_cntr`, rev),
          coding(NUBC_REVENUE, '0'),
          coding(
            `${VAR}rev_cntr_ddctbl_coinsrnc_cd`,
            '0',
            'Charges are subject to deductible and coinsurance',
          ),
        ],
      }));
  }
}

/** productOrService and modifier, set on `item` (in that key order). */
function addProductAndModifiers(c: Ctx, kind: Institutional, l: InstLine, item: Obj): void {
  const { rng } = c;
  const rev = l.def.revenue;
  // Many institutional lines carry no HCPCS at all (as in real data); a few coded lines drop it too.
  if (l.hcpcs !== undefined && !rng.chance(0.06)) {
    if (kind === 'inpatient') {
      item['productOrService'] = PRODUCT2.get(l.hcpcs, '', '', () => ({
        coding: [coding(`${VAR}hcpcs_cd`, l.hcpcs ?? ''), coding(CS_HCPCS, l.hcpcs ?? '')],
      }));
    } else if (rev === '0636' && rng.chance(0.7)) {
      item['productOrService'] = {
        extension: [
          {
            url: NDC,
            valueCoding: coding(NDC, '00409490234', 'Ondansetron Hydrochloride - ONDANSETRON HYDROCHLORIDE'),
          },
        ],
        coding: [coding(CS_HCPCS, l.hcpcs)],
      };
    } else {
      item['productOrService'] = sharedCodeable(CS_HCPCS, l.hcpcs);
    }
  }
  if (rev === '0636' || (kind !== 'inpatient' && rng.chance(0.15))) {
    const modifiers: Obj[] = [];
    if (kind !== 'inpatient' && kind !== 'snf' && rng.chance(0.6)) {
      modifiers.push(sharedCodeable(CS_HCPCS, rng.pick(['25', '59', 'GP', 'JW', 'XU'])));
    }
    // BFD labels the NDC quantity qualifier as a modifier under http://unitsofmeasure.org.
    if (rev === '0636' || modifiers.length === 0) {
      const unit = rng.pick(UCUM_UNITS);
      // Only BFD's SNF output carries the unit's display (bfd/eob-snf.json).
      modifiers.push(kind === 'snf' ? sharedCodeable(UCUM, unit[0], unit[1]) : sharedCodeable(UCUM, unit[0]));
    }
    item['modifier'] = modifiers;
  }
}

/** The line's adjudication entries: denial reasons first, then the revenue-center amounts. */
function lineAdjudication(kind: Institutional, l: InstLine): Obj[] {
  const adj: Obj[] = [];
  if (kind === 'outpatient' || kind === 'hha') {
    const [first, second] = l.denial;
    if (first) adj.push(denialReason('rev_cntr_1st_ansi_cd', first));
    if (second) adj.push(denialReason('rev_cntr_2nd_ansi_cd', second));
  }
  adj.push(
    adjudication('rev_cntr_rate_amt', l.rate),
    adjudication('rev_cntr_tot_chrg_amt', l.charge),
    adjudication('rev_cntr_ncvrd_chrg_amt', l.noncovered),
  );
  switch (kind) {
    case 'outpatient':
      adj.push(
        adjudication('rev_cntr_blood_ddctbl_amt', l.bloodDeductible),
        adjudication('rev_cntr_cash_ddctbl_amt', l.cashDeductible),
        adjudication('rev_cntr_coinsrnc_wge_adjstd_c', l.coinsurance),
        adjudication('rev_cntr_rdcd_coinsrnc_amt', l.reducedCoinsurance),
        adjudication('rev_cntr_1st_msp_pd_amt', l.msp1),
        adjudication('rev_cntr_2nd_msp_pd_amt', l.msp2),
        adjudication('rev_cntr_prvdr_pmt_amt', l.toProvider),
        adjudication('rev_cntr_bene_pmt_amt', l.toPatient),
        adjudication('rev_cntr_ptnt_rspnsblty_pmt', l.cashDeductible + l.coinsurance + l.bloodDeductible),
        adjudication('rev_cntr_pmt_amt_amt', l.payment),
      );
      break;
    case 'hha':
      adj.push(adjudication('rev_cntr_pmt_amt_amt', l.payment));
      break;
    case 'hospice':
      adj.push(
        adjudication('rev_cntr_prvdr_pmt_amt', l.toProvider),
        adjudication('rev_cntr_bene_pmt_amt', l.toPatient),
        adjudication('rev_cntr_pmt_amt_amt', l.payment),
      );
      break;
    case 'inpatient':
    case 'snf':
      break;
  }
  return adj;
}
