import { describe, expect, it } from 'vitest';

import { KeyRing } from '../../src/enrollment/crypto.ts';

const ring = new KeyRing([{ id: 'k1', key: Buffer.alloc(32, 3) }]);

describe('token encryption', () => {
  it('refuses a ciphertext whose GCM tag was cut short (the tag length is pinned to 16 bytes)', () => {
    const sealed = ring.encrypt('a refresh token', 'refresh:enr_x');
    const parts = sealed.split('.');
    const shortTag = Buffer.from(parts[4]!, 'base64url').subarray(0, 4).toString('base64url');
    const forged = [...parts.slice(0, 4), shortTag].join('.');
    expect(ring.decrypt(sealed, 'refresh:enr_x')).toBe('a refresh token');
    expect(() => ring.decrypt(forged, 'refresh:enr_x')).toThrow(/does not decrypt/);
  });
});
