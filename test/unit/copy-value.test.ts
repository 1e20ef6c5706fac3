/** copyValue: each kind of value in COPY text format, and a loud failure for what it cannot encode. */
import { describe, expect, it } from 'vitest';

import { copyValue } from '../../src/db/copy.ts';

describe('copyValue', () => {
  it('writes NULL, numbers, booleans, dates, arrays and escaped text', () => {
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue(undefined)).toBe('\\N');
    expect(copyValue(12.5)).toBe('12.5');
    expect(copyValue(10n)).toBe('10');
    expect(copyValue(true)).toBe('t');
    expect(copyValue(new Date('2024-01-02T03:04:05.000Z'))).toBe('2024-01-02T03:04:05.000Z');
    expect(copyValue(['a', 'b c', null, 'https://x/y', '12.50'])).toBe('{a,"b c",NULL,https://x/y,12.50}');
    // Quoted only where array input would misread the element: empty, the word NULL, a brace,
    // quote, comma, backslash or whitespace (COPY then doubles the backslashes).
    expect(copyValue(['', 'NULL', 'null', 'a,b', '{c}', 'say "hi"', 'd\\e'])).toBe(
      '{"","NULL","null","a,b","{c}","say \\\\"hi\\\\"","d\\\\\\\\e"}',
    );
    expect(copyValue('tab\there\nback\\slash')).toBe('tab\\there\\nback\\\\slash');
  });

  it('refuses an object instead of writing "[object Object]"', () => {
    expect(() => copyValue({ a: 1 })).toThrow(/cannot COPY a object/);
  });

  it('refuses numbers that are not finite', () => {
    expect(() => copyValue(Number.NaN)).toThrow(/cannot COPY NaN/);
    expect(() => copyValue(Number.POSITIVE_INFINITY)).toThrow(/cannot COPY Infinity/);
  });
});
