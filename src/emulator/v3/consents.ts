/**
 * What the emulator remembers of v3 authorizations: which pending authorizations came through
 * `/v3/o/authorize/` (the login then leads to the v3 consent page), and each (app, beneficiary)
 * pair's SAMHSA choice. BB2 keeps the choice on the token (`AccessTokenExtension.include_samhsa`)
 * and carries it over on refresh; a new authorization replaces every earlier token of the pair,
 * so one choice per pair is the same thing. Tokens issued through v2 count as sharing (WS
 * `apps/dot_ext/utils.py`).
 */
import type { Core } from '../core.ts';

interface V3State {
  pending: Set<string>;
  samhsa: Map<string, boolean>;
}

const states = new WeakMap<Core, V3State>();

function stateOf(core: Core): V3State {
  let s = states.get(core);
  if (!s) {
    s = { pending: new Set(), samhsa: new Map() };
    states.set(core, s);
  }
  return s;
}

const pair = (clientId: string, patientId: string) => `${clientId}\u0000${patientId}`;

export function markV3Authorization(core: Core, uuid: string): void {
  stateOf(core).pending.add(uuid);
}

export function isV3Authorization(core: Core, uuid: string): boolean {
  return stateOf(core).pending.has(uuid);
}

export function recordSamhsaChoice(core: Core, clientId: string, patientId: string, share: boolean): void {
  stateOf(core).samhsa.set(pair(clientId, patientId), share);
}

/** Whether the pair's v3 consent shared SAMHSA data (true for pairs that never went through v3). */
export function includesSamhsa(core: Core, clientId: string, patientId: string): boolean {
  return stateOf(core).samhsa.get(pair(clientId, patientId)) ?? true;
}
