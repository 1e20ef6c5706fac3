import { randomBytes } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { loadConfig, requireBb2Client } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';

const key = () => randomBytes(32).toString('base64');

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/bbsync');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.sync.cron).toBe('0 2 * * *');
    expect(config.sync.tz).toBe('UTC');
    expect(config.bb2.baseUrl).toBe('https://sandbox.bluebutton.cms.gov');
  });

  it('lists every problem at once instead of stopping at the first', () => {
    let error: unknown;
    try {
      loadConfig({
        DATABASE_URL: 'not a url',
        SERVER_PORT: '99999',
        LOG_LEVEL: 'loud',
        TOKEN_ENCRYPTION_KEY: 'k1:short',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/DATABASE_URL/);
    expect(problems).toMatch(/SERVER_PORT/);
    expect(problems).toMatch(/LOG_LEVEL/);
  });

  it('reports a bad encryption key with its id and size', () => {
    expect(() => loadConfig({ TOKEN_ENCRYPTION_KEY: 'k1:c2hvcnQ=' })).toThrow(
      /key "k1" must be 32 bytes of base64 \(got 5 bytes\)/,
    );
  });

  it('parses several encryption keys, the first being the active one', () => {
    const config = loadConfig({ TOKEN_ENCRYPTION_KEY: `new:${key()}, old:${key()}` });
    expect(config.tokens.keys.map((k) => k.id)).toEqual(['new', 'old']);
    expect(config.tokens.keys[0]?.key).toHaveLength(32);
  });

  it('returns a frozen object that nothing can change later', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.bb2)).toBe(true);
    expect(() => {
      (config.bb2 as { baseUrl: string }).baseUrl = 'https://evil.example';
    }).toThrow(TypeError);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ REDIS_URL: '', SYNC_CRON: '' }).redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('allows plain http only for a loopback BB2 (the emulator) unless told otherwise', () => {
    const local = loadConfig({
      BB2_BASE_URL: 'http://127.0.0.1:8000',
      BB2_CLIENT_ID: 'a',
      BB2_CLIENT_SECRET: 'b',
    });
    expect(() => requireBb2Client(local)).not.toThrow();
    const remote = loadConfig({
      BB2_BASE_URL: 'http://bb2.example.org',
      BB2_CLIENT_ID: 'a',
      BB2_CLIENT_SECRET: 'b',
    });
    expect(() => requireBb2Client(remote)).toThrow(/must be https/);
  });

  it('names the missing client credentials when a command needs BB2', () => {
    expect(() => requireBb2Client(loadConfig({}))).toThrow(/BB2_CLIENT_ID[\s\S]*BB2_CLIENT_SECRET/);
  });
});
