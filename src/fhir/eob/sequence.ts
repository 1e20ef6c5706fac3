/**
 * An EOB numbers the entries of its lists (item, diagnosis, procedure, careTeam) by `sequence`,
 * and the rows of each list are keyed by that number: one given twice rejects the claim.
 */
import type { MapContext } from '../map-context.ts';
import type { JsonObject } from '../read.ts';

export interface SequencedList {
  /** The element's name in the resource: `item`, `diagnosis`, ... */
  list: string;
  /** What the messages call an entry: `line`, `diagnosis`, ... */
  noun: string;
  /** An entry without a usable number takes its position (1-based) instead of rejecting the claim. */
  orPosition?: boolean;
}

/**
 * Reads each entry's number (in order), refusing a number seen before. A class rather than a
 * closure made per claim: V8 holds a closure's optimized code weakly, and closures made for every
 * claim were compiled again after each full garbage collection (docs/performance.md, "Closures
 * compiled again"); a method's code lives as long as its class.
 */
export class SequenceReader {
  readonly #seen = new Set<number>();

  constructor(
    private readonly ctx: MapContext,
    private readonly list: SequencedList,
  ) {}

  read(entry: JsonObject, index: number): number {
    const { list, noun, orPosition = false } = this.list;
    // Built only when needed: lines are the hot loop of the mapper.
    const path = () => `${list}[${index}].sequence`;
    let sequence = this.ctx.int(entry.sequence, path);
    if (sequence === null) {
      if (!orPosition) this.ctx.fail(`a ${noun} has no usable sequence number`, path());
      sequence = index + 1;
    }
    if (this.#seen.has(sequence)) this.ctx.fail(`${noun} sequence ${sequence} appears twice`, path());
    this.#seen.add(sequence);
    return sequence;
  }
}
