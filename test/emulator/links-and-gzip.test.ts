import { crc32, gunzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import {
  crc32CombineOp,
  crc32ShiftOp,
  gzipWithHead,
  prepareGzipTail,
} from '../../src/emulator/gzip-splice.ts';
import {
  javaFormEncode,
  javaHashMapOrder,
  pageLink,
  selfLink,
  type QueryParam,
} from '../../src/emulator/links.ts';

describe('link formation', () => {
  it('orders parameters as the Java HashMap behind BFD links, matching the real sandbox and BFD fixtures', () => {
    // sandbox: _format, startIndex, _count, patient / beneficiary / _id
    expect(javaHashMapOrder(['startIndex', '_count', '_format', 'patient'])).toEqual([
      '_format',
      'startIndex',
      '_count',
      'patient',
    ]);
    expect(javaHashMapOrder(['startIndex', '_count', '_format', 'beneficiary'])).toEqual([
      '_format',
      'startIndex',
      '_count',
      'beneficiary',
    ]);
    // _id shares a bucket with _count and comes after it, as in bb2-server-tests/patient-search-bundle.json
    expect(javaHashMapOrder(['startIndex', '_count', '_format', '_id'])).toEqual([
      '_format',
      'startIndex',
      '_count',
      '_id',
    ]);
    // BFD golden file eob-bundle-paged-with-next.json: _page, startIndex, _count, patient
    expect(javaHashMapOrder(['_page', 'patient', 'startIndex', '_count'])).toEqual([
      '_page',
      'startIndex',
      '_count',
      'patient',
    ]);
  });

  it('encodes values as Java form encoding', () => {
    expect(javaFormEncode('application/json+fhir')).toBe('application%2Fjson%2Bfhir');
    expect(javaFormEncode('Patient/-1')).toBe('Patient%2F-1');
    expect(javaFormEncode("a b!'()~*._-")).toBe('a+b%21%27%28%29%7E*._-');
    expect(javaFormEncode('https://bluebutton.cms.gov/resources/codesystem/eob-type|pde')).toBe(
      'https%3A%2F%2Fbluebutton.cms.gov%2Fresources%2Fcodesystem%2Feob-type%7Cpde',
    );
  });

  it('builds page links without a slash before ? and self with a slash and sorted parameters', () => {
    const params: QueryParam[] = [
      ['startIndex', '10'],
      ['_count', '10'],
      ['_format', 'application/json+fhir'],
      ['patient', '-19990000000001'],
    ];
    expect(pageLink('https://h', 'ExplanationOfBenefit', params, 20, 10)).toBe(
      'https://h/v2/fhir/ExplanationOfBenefit?_format=application%2Fjson%2Bfhir&startIndex=20&_count=10&patient=-19990000000001',
    );
    expect(selfLink('https://h', 'ExplanationOfBenefit', params)).toBe(
      'https://h/v2/fhir/ExplanationOfBenefit/?_count=10&_format=application%2Fjson%2Bfhir&patient=-19990000000001&startIndex=10',
    );
  });

  it('keeps repeated parameters, each value once, in the order sent', () => {
    const params: QueryParam[] = [
      ['startIndex', '0'],
      ['_count', '10'],
      ['_lastUpdated', 'ge2024-01-01'],
      ['_lastUpdated', 'lt2024-02-01'],
      ['_format', 'application/json+fhir'],
      ['patient', '-1'],
    ];
    expect(pageLink('http://h', 'ExplanationOfBenefit', params, 0, 10)).toBe(
      'http://h/v2/fhir/ExplanationOfBenefit?_format=application%2Fjson%2Bfhir&startIndex=0&_count=10&patient=-1' +
        '&_lastUpdated=ge2024-01-01&_lastUpdated=lt2024-02-01',
    );
  });
});

describe('cached gzip with a fresh head', () => {
  it('combines CRC-32s like zlib', () => {
    const a = Buffer.from('{"resourceType":"Bundle","id":"0f8fad5b-d9cb-469f-a165-70867728950e"');
    const b = Buffer.from(',"meta":{}}'.repeat(5000));
    expect(crc32CombineOp(crc32(a), crc32(b), crc32ShiftOp(b.length))).toBe(crc32(Buffer.concat([a, b])));
  });

  it('makes one valid gzip member per head over the same cached tail', () => {
    const tail = Buffer.from(
      `","meta":{"lastUpdated":"x"},"entry":[${'{"resource":{"id":"a"}},'.repeat(20000)}null]}`,
    );
    const prepared = prepareGzipTail(tail);
    expect(prepared.deflated.length).toBeLessThan(tail.length / 10);
    for (const id of ['0f8fad5b-d9cb-469f-a165-70867728950e', '7c9e6679-7425-40de-944b-e07fc1f90ae7']) {
      const head = Buffer.from(`{"resourceType":"Bundle","id":"${id}`);
      const gz = Buffer.concat(gzipWithHead(head, prepared));
      expect(gunzipSync(gz).equals(Buffer.concat([head, tail]))).toBe(true);
    }
  });
});
