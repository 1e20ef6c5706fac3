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

/** Reads each entry's number (in order), refusing a number seen before. */
export function sequenceReader(ctx: MapContext, { list, noun, orPosition = false }: SequencedList) {
  const seen = new Set<number>();
  return (entry: JsonObject, index: number): number => {
    // Built only when needed: lines are the hot loop of the mapper.
    const path = () => `${list}[${index}].sequence`;
    let sequence = ctx.int(entry.sequence, path);
    if (sequence === null) {
      if (!orPosition) ctx.fail(`a ${noun} has no usable sequence number`, path());
      sequence = index + 1;
    }
    if (seen.has(sequence)) ctx.fail(`${noun} sequence ${sequence} appears twice`, path());
    seen.add(sequence);
    return sequence;
  };
}
