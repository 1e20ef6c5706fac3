/** What both data stores share: the clock of simulated loads, and finding a user by username. */
import { nextTransactionMs } from './advance.ts';
import { indexForUsername, passwordForIndex, usernameForIndex } from './ids.ts';
import { isoTime } from './time.ts';
import type { AdvanceOptions, AdvanceResult, DataStore, PatientRecord, SyntheticUser } from './types.ts';

/** The login of user number `index`, whose Patient id is `patientId`. */
export function userRecord(index: number, patientId: string): SyntheticUser {
  return Object.freeze({
    username: usernameForIndex(index),
    password: passwordForIndex(index),
    index,
    patientId,
  });
}

export abstract class StoreBase implements DataStore {
  abstract readonly userCount: number;
  /** The newest load's time (BB2's transaction time), ms. */
  protected txMs: number;
  /** Loads simulated so far: seeds each load's random stream. */
  protected loads = 0;

  constructor(
    private readonly now: () => Date,
    txMs: number,
  ) {
    this.txMs = txMs;
  }

  transactionTime(): string {
    return isoTime(this.txMs);
  }

  userByUsername(username: string): SyntheticUser | undefined {
    const index = indexForUsername(username);
    return index === undefined ? undefined : this.userByIndex(index);
  }

  /** Starts a load: its transaction time is max(now, the previous one + 1 s). */
  protected nextLoad(): number {
    this.txMs = nextTransactionMs(this.now, this.txMs);
    this.loads++;
    return this.txMs;
  }

  abstract userByIndex(index: number): SyntheticUser | undefined;
  abstract userByPatientId(patientId: string): SyntheticUser | undefined;
  abstract record(patientId: string): PatientRecord | undefined;
  abstract advance(options: AdvanceOptions): AdvanceResult;

  /** The record's version, from the record itself (a store that generates records does better). */
  recordVersion(patientId: string): number | undefined {
    return this.record(patientId)?.version;
  }
}
