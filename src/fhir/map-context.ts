/**
 * What a mapper knows about the resource it maps, and how it reports problems: a warning for a
 * value it had to drop (the row still loads), a NormalizeError for one it cannot load at all.
 */
import { NormalizeError } from '../errors.ts';
import { dateOnly, int32, moneyCents, ValueError } from './values.ts';

export class MapContext {
  readonly warnings: string[] = [];

  constructor(
    readonly resourceType: string,
    readonly resourceId: string,
    readonly lastUpdated: string | null,
  ) {}

  fail(reason: string, path?: string): never {
    throw new NormalizeError(this.resourceType, this.resourceId, reason, path);
  }

  warn(message: string): void {
    this.warnings.push(`${this.resourceType}/${this.resourceId}: ${message}`);
  }

  /** A date column: absent is fine, present but invalid is a warning and NULL. */
  date(value: unknown, path: string): string | null {
    if (value === undefined || value === null) return null;
    const parsed = dateOnly(value);
    if (parsed === undefined) {
      this.warn(`${path} ${JSON.stringify(value)} is not a valid date; stored as NULL`);
    }
    return parsed ?? null;
  }

  /**
   * A money amount as integer cents: an amount that is not a number rejects the resource (wrong
   * money is worse than none). `path` may be a function: hot loops build it only on failure.
   */
  cents(value: unknown, path: string | (() => string)): number | undefined {
    if (value === undefined || value === null) return undefined;
    try {
      return moneyCents(value);
    } catch (err) {
      return this.fail((err as ValueError).message, typeof path === 'function' ? path() : path);
    }
  }

  /** An integer column; a present but invalid value is a warning and NULL. */
  int(value: unknown, path: string | (() => string)): number | null {
    if (value === undefined || value === null) return null;
    const n = int32(value);
    if (n === undefined) {
      this.warn(
        `${typeof path === 'function' ? path() : path} ${JSON.stringify(value)} is not a whole number; stored as NULL`,
      );
    }
    return n ?? null;
  }
}
