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
