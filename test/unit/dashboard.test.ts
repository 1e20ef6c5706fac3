/**
 * The dashboard's pure parts: password hashing, rate-limit windows, redirects
 * after login, the queue view's masking of job data, and the pages' escaping.
 */
import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config.ts';
import type { RunRow } from '../../src/db/dashboard.ts';
import { runChart } from '../../src/server/dashboard/chart.ts';
import { formatAge, formatDuration, formatPercent } from '../../src/server/dashboard/format.ts';
import { flashFrom } from '../../src/server/dashboard/layout.ts';
import { overviewPage, type OverviewData } from '../../src/server/dashboard/pages/overview.ts';
import {
  hashPassword,
  parsePasswordHash,
  safeEqual,
  verifyPassword,
} from '../../src/server/dashboard/password.ts';
import { MASK, maskJobData } from '../../src/server/dashboard/queues-view.ts';
import { safeNext } from '../../src/server/dashboard/redirect-after-login.ts';
import { addressKey, MemoryWindowCounter } from '../../src/server/rate-limit.ts';

const CHEAP = { N: 1024, r: 8, p: 1 };

describe('dashboard passwords', () => {
  it('hash with scrypt into scrypt$N$r$p$salt$key and verify only the right password', async () => {
    const hash = await hashPassword('correct horse battery staple', CHEAP);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
    // A fresh salt every time.
    expect(await hashPassword('correct horse battery staple', CHEAP)).not.toBe(hash);
  });

  it('use 2^15 rounds by default, which the configuration accepts', async () => {
    const hash = await hashPassword('a long enough password');
    expect(hash.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(loadConfig({ DASHBOARD_PASSWORD_HASH: hash }).server.dashboardPasswordHash).toBe(hash);
    expect(await verifyPassword('a long enough password', hash)).toBe(true);
  });

  it('refuse hashes that are not ours or whose cost is out of bounds', async () => {
    expect(() => loadConfig({ DASHBOARD_PASSWORD_HASH: 'hunter2' })).toThrow(/DASHBOARD_PASSWORD_HASH/);
    expect(() => loadConfig({ DASHBOARD_PASSWORD_HASH: '$2b$10$abcdefghijklmnopqrstuv' })).toThrow(
      /hash-password/,
    );
    const salt = 'A'.repeat(22);
    const key = 'B'.repeat(43);
    expect(parsePasswordHash(`scrypt$1000$8$1$${salt}$${key}`)).toBeUndefined(); // N not a power of two
    expect(parsePasswordHash(`scrypt$${2 ** 21}$8$1$${salt}$${key}`)).toBeUndefined();
    expect(parsePasswordHash(`scrypt$1024$64$1$${salt}$${key}`)).toBeUndefined();
    expect(parsePasswordHash(`scrypt$1024$8$1$${salt}$${key}`)).toMatchObject({ N: 1024, r: 8, p: 1 });
    expect(await verifyPassword('x', `scrypt$1000$8$1$${salt}$${key}`)).toBe(false);
  });

  it('compare strings in constant time whatever their lengths', () => {
    expect(safeEqual('ops', 'ops')).toBe(true);
    expect(safeEqual('ops', 'op')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});

describe('the dashboard configuration', () => {
  it('takes a metrics token of at least 16 characters', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(loadConfig({ METRICS_TOKEN: 'x'.repeat(16) }).server.metricsToken).toBe('x'.repeat(16));
    expect(loadConfig({}).server.metricsToken).toBe('');
  });
});

describe('rate limits', () => {
  it('count hits per key in a window that starts at the first hit and forget them when it ends', async () => {
    let t = 0;
    const counter = new MemoryWindowCounter(60, 100, () => t);
    for (let i = 1; i <= 3; i++)
      expect((await counter.hit(['a']))[0]).toEqual({ count: i, resetInSeconds: 60 });
    t = 30_000;
    expect((await counter.hit(['a', 'b'])).map((c) => c.count)).toEqual([4, 1]);
    expect((await counter.hit(['a']))[0]!.resetInSeconds).toBe(30);
    t = 60_000;
    expect((await counter.hit(['a']))[0]!.count).toBe(1);
    await counter.reset('a');
    expect((await counter.hit(['a']))[0]!.count).toBe(1);
  });

  it('keep at most maxKeys keys in memory, whatever the number of clients', async () => {
    const counter = new MemoryWindowCounter(60, 50, () => 0);
    for (let i = 0; i < 1_000; i++) await counter.hit([`client-${i}`]);
    // The oldest keys were dropped to make room: the first client starts again from 1.
    expect((await counter.hit(['client-999']))[0]!.count).toBe(2);
    expect((await counter.hit(['client-0']))[0]!.count).toBe(1);
  });

  it('count an IPv6 client by its /64 and an IPv4-mapped address as IPv4', () => {
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
  });
});

describe('the redirect after login', () => {
  it('keeps paths of this site and sends everything else to /', () => {
    expect(safeNext('/runs/run_1?x=1')).toBe('/runs/run_1?x=1');
    expect(safeNext('/enrollments?id=a%2Fb')).toBe('/enrollments?id=a%2Fb');
    for (const bad of [
      '//evil.example/',
      'https://evil.example/',
      '/\\evil.example',
      'runs',
      undefined,
      42,
    ]) {
      expect(safeNext(bad)).toBe('/');
    }
  });
});

describe('the queue view', () => {
  it('shows ids, flags and triggers of job data and masks everything else', () => {
    expect(
      maskJobData({ enrollmentId: 'enr_0a1b', runId: 'run_20260101T020000Z_abc123', full: true }),
    ).toEqual({
      enrollmentId: 'enr_0a1b',
      runId: 'run_20260101T020000Z_abc123',
      full: true,
    });
    expect(
      maskJobData({
        trigger: 'scheduled',
        enrollmentIds: ['enr_1', 'Jane Doe, 1 Main St'],
        accessToken: 'secret',
        patient: { name: 'Jane' },
        enrollmentId: 'eyJ0eXAi OiJKV1Qi',
      }),
    ).toEqual({
      trigger: 'scheduled',
      enrollmentIds: ['enr_1', MASK],
      accessToken: MASK,
      patient: MASK,
      enrollmentId: MASK,
    });
    expect(maskJobData('a string')).toBe(MASK);
  });
});

describe('dashboard pages', () => {
  it('show on the overview what is held for inactive enrollments, what retention deletes, and the janitor', () => {
    const page = (retention: OverviewData['retention'], nextJanitor: OverviewData['nextJanitor']) =>
      overviewPage({
        now: new Date('2026-03-01T12:00:00Z'),
        runs: [],
        chartRuns: [],
        nextRun: null,
        statusCounts: { active: 5, reauth_required: 2, revoked: 1 },
        expiring: 0,
        eobForbidden: 0,
        queues: 'unavailable',
        requests: { total: 0, ok: 0, rateLimited: 0, clientErrors: 0, serverErrors: 0 },
        requestRows: [],
        audit: [],
        retention,
        nextJanitor,
      }).value.replace(/\s+/g, ' ');
    const on = page({ days: 30, dueNow: 2, purged: 4, heldInactive: 3 }, Date.parse('2026-03-01T12:05:00Z'));
    expect(on).toMatch(/Inactive, data held<\/div> <div class="value">3<\/div>/);
    expect(on).toContain('<span class="warn">2 due</span> (after 30 d) · 4 purged · janitor next 12:05');
    const off = page({ days: 0, dueNow: 0, purged: 0, heldInactive: 3 }, null);
    expect(off).toContain('retention off · 0 purged · janitor: <span class="warn">not scheduled</span>');
    expect(page({ days: 0, dueNow: 0, purged: 0, heldInactive: 0 }, 'unavailable')).toContain(
      'janitor: <span class="bad">?</span>',
    );
  });

  it('format durations, ages and percentages for people', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(245_000)).toBe('4 min 05 s');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3 d 4 h');
    expect(formatDuration(null)).toBe('—');
    const now = new Date('2026-03-01T12:00:00Z');
    expect(formatAge(null, now)).toBe('never');
    expect(formatAge('2026-03-01T09:00:00Z', now)).toBe('3 h');
    expect(formatAge('2026-02-20T12:00:00Z', now)).toBe('9 d');
    expect(formatPercent(1, 40)).toBe('2.5 %');
    expect(formatPercent(1, 8)).toBe('13 %');
    expect(formatPercent(0, 0)).toBe('—');
  });

  it('show flash messages only from a fixed list, and run links only for run ids', () => {
    expect(flashFrom({ flash: 'sync-started', run: 'run_20260101T020000Z_abc123' })?.value).toContain(
      'href="/runs/run_20260101T020000Z_abc123"',
    );
    expect(flashFrom({ flash: 'sync-started', run: '"><script>x</script>' })?.value).not.toContain('script');
    expect(flashFrom({ flash: '<b>you have been hacked</b>' })).toBeUndefined();
    expect(flashFrom({ flash: 'constructor' })).toBeUndefined();
  });

  it('draw the run chart as inline SVG with escaped tooltips and links to each run', () => {
    const run = (id: string, ms: number | null, failed: number): RunRow => ({
      run_id: id,
      trigger: 'scheduled',
      requested_by: null,
      full_sync: 0,
      status: ms === null ? 'running' : 'finished',
      started_at: '2026-03-01T02:00:00.000Z',
      finished_at: ms === null ? null : '2026-03-01T02:05:00.000Z',
      enrollments_total: 10,
      enrollments_ok: 10 - failed,
      enrollments_failed: failed,
      enrollments_skipped: 0,
      resources_changed: 0,
      rows_written: 0,
      resources_removed: 0,
      requests: 0,
      duration_ms: ms,
    });
    const svg = runChart([run('run_c', null, 0), run('run_b<', 60_000, 2), run('run_a', 300_000, 0)]).value;
    expect(svg).toContain('<svg');
    expect(svg.match(/<a href="\/runs\//g)).toHaveLength(3);
    expect(svg).toContain('href="/runs/run_b%3C"');
    expect(svg).not.toContain('run_b<');
    expect(svg).toContain('class="bar failed"');
    expect(svg).toContain('class="bar running"');
    expect(svg.indexOf('run_a')).toBeLessThan(svg.indexOf('run_c')); // oldest first
    expect(runChart([]).value).toContain('No runs yet');
  });
});
