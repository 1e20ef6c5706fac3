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
    expect(config.retention.runHistoryDays).toBe(30);
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

  it('reads a Redis Cluster, a Sentinel group or one server, and hash-tags the queue prefix', () => {
    expect(loadConfig({}).redis).toEqual({ kind: 'standalone', url: 'redis://127.0.0.1:6379' });
    expect(loadConfig({ QUEUE_PREFIX: 'east' }).queuePrefix).toBe('{east}');
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: 'rediss://:s3cret@10.0.0.1:7000, 10.0.0.2:7001,[::1]:7002' }).redis,
    ).toEqual(
      expect.objectContaining({
        kind: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 7001 },
          { host: '::1', port: 7002 },
        ],
        password: 's3cret',
        tls: true,
      }),
    );
    const sentinel = loadConfig({
      REDIS_SENTINELS: '10.0.0.5:26379,10.0.0.6',
      REDIS_SENTINEL_NAME: 'bbsync-primary',
      REDIS_URL: 'redis://app:pw@ignored/2',
    }).redis;
    expect(sentinel).toEqual(
      expect.objectContaining({
        kind: 'sentinel',
        name: 'bbsync-primary',
        sentinels: [
          { host: '10.0.0.5', port: 26379 },
          { host: '10.0.0.6', port: 6379 },
        ],
        username: 'app',
        password: 'pw',
        db: 2,
      }),
    );
  });

  it('names the Redis setting that is wrong, without repeating a password', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
        return '';
      } catch (err) {
        return (err as ConfigError).problems.join('\n');
      }
    };
    expect(
      problems({ REDIS_CLUSTER_NODES: 'a:1', REDIS_SENTINELS: 'b:2', REDIS_SENTINEL_NAME: 'm' }),
    ).toMatch(/REDIS_CLUSTER_NODES: set either REDIS_CLUSTER_NODES or REDIS_SENTINELS, not both/);
    expect(problems({ REDIS_SENTINELS: 'b:2' })).toMatch(
      /REDIS_SENTINEL_NAME: required with REDIS_SENTINELS/,
    );
    expect(problems({ REDIS_SENTINEL_NAME: 'm' })).toMatch(
      /REDIS_SENTINEL_NAME: is only used with REDIS_SENTINELS/,
    );
    const bad = problems({ REDIS_CLUSTER_NODES: 'redis://:hunter2@a:1,http://b:2,c:99999' });
    expect(bad).toMatch(/REDIS_CLUSTER_NODES: entry 2 is not host:port/);
    expect(bad).toMatch(/REDIS_CLUSTER_NODES: entry 3 is not host:port/);
    expect(bad).not.toContain('hunter2');
    const mixed = problems({ REDIS_CLUSTER_NODES: 'redis://:hunter2@a:1,rediss://:hunter3@b:2' });
    expect(mixed).toMatch(/REDIS_CLUSTER_NODES: every entry must give the same user, password and scheme/);
    expect(mixed).not.toMatch(/hunter/);
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
