import { Writable } from 'node:stream';

import { describe, expect, it, vi } from 'vitest';

import { createLogger } from '../../src/logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { stream, lines };
}

describe('logger', () => {
  it('censors tokens, secrets and patient identifiers at the shapes we log', async () => {
    const { stream, lines } = capture();
    const log = createLogger({ level: 'info', format: 'json', destination: stream });
    log.info(
      {
        refresh_token: 'rt-secret-1',
        tokens: { access_token: 'at-secret-2' },
        headers: { authorization: 'Bearer at-secret-3' },
        patientId: '-19990000000001',
        enrollmentId: 'e1',
      },
      'refreshed',
    );
    log.flush();
    await vi.waitFor(() => expect(lines.join('')).toContain('"enrollmentId":"e1"'));
    const text = lines.join('');
    for (const secret of ['rt-secret-1', 'at-secret-2', 'at-secret-3', '-19990000000001']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[REDACTED]');
  });
});

describe('logger redaction', () => {
  it('censors camelCase secrets, headers.Authorization, PHI fields and error causes at any depth', async () => {
    const { stream, lines } = capture();
    const log = createLogger({ level: 'info', format: 'json', destination: stream });
    const cause = Object.assign(new Error('token endpoint said no'), { refreshToken: 'rt-in-cause-9' });
    log.child({ patient_id: '-19990000000777', enrollmentId: 'e2' }).warn(
      {
        accessToken: 'at-camel-1',
        refreshToken: 'rt-camel-2',
        codeVerifier: 'cv-camel-3',
        clientSecret: 'cs-camel-4',
        request: { headers: { Authorization: 'Bearer at-header-5' } },
        deep: { a: { b: { c: { d: { e: { f: { id_token: 'it-deep-6' } } } } } } },
        person: {
          name: [{ family: 'Doe', given: ['Jane'] }],
          birthDate: '1944-02-29',
          address: [{ city: 'Springfield' }],
          telecom: [{ value: '555-0100' }],
          identifier: [{ value: '1S00E00AA00' }],
        },
        err: new Error('refresh failed', { cause }),
        category: 'reauth_required',
      },
      'refresh failed',
    );
    log.flush();
    await new Promise((r) => setTimeout(r, 20));
    const text = lines.join('');
    for (const secret of [
      'at-camel-1',
      'rt-camel-2',
      'cv-camel-3',
      'cs-camel-4',
      'at-header-5',
      'it-deep-6',
      'rt-in-cause-9',
      '-19990000000777',
      'Doe',
      'Jane',
      '1944-02-29',
      'Springfield',
      '555-0100',
      '1S00E00AA00',
    ]) {
      expect(text).not.toContain(secret);
    }
    // What operators need stays readable.
    expect(text).toContain('"enrollmentId":"e2"');
    expect(text).toContain('"category":"reauth_required"');
    expect(text).toContain('token endpoint said no');
  });
});
