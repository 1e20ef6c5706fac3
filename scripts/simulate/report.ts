/** What the simulation reports (JSON, and the Markdown that goes into docs/scale.md). */
import type { Pool } from '../../src/db/client.ts';
import { DAY, HOUR, percentile, type Model } from './model.ts';
import type { SimStats } from './stand-ins.ts';
import type { Tick } from './ticks.ts';

export type { Tick };

interface Extra {
  enrollments: number;
  redisPeakBytes: number;
  queueDepthMax: number;
  wallSeconds: number;
  cronHours: number;
}

async function tableCost(pool: Pool, table: string): Promise<{ rows: number; bytes: number }> {
  const { rows } = await pool.query<{ rows: number; bytes: number }>(
    `SELECT (SELECT count(*) FROM ${table})::int AS rows, pg_total_relation_size($1)::float8 AS bytes`,
    [table],
  );
  return rows[0]!;
}

export function loadAges(model: Model, stats: SimStats, enrollments: number) {
  return model.loads.slice(1).map((load, i) => {
    const ages = Float64Array.from(stats.ages[i + 1]!).sort();
    const hours = (p: number) => Number((percentile(ages, p) / HOUR).toFixed(2));
    return {
      visibleAt: new Date(load.visibleAt).toISOString(),
      synced: ages.length,
      share: Number((ages.length / enrollments).toFixed(4)),
      p50Hours: hours(50),
      p95Hours: hours(95),
      maxHours: hours(100),
    };
  });
}

export function days(model: Model, ticks: Tick[]) {
  return Array.from({ length: Math.ceil(model.options.days) }, (_, d) => {
    const from = model.options.start + d * DAY;
    const to = from + DAY;
    const loaded = model.loads.some((l) => l.visibleAt >= from && l.visibleAt < to);
    const runs = ticks.filter((t) => t.at >= from && t.at < to);
    return {
      day: d,
      date: new Date(from).toISOString().slice(0, 10),
      load: loaded,
      requests: model.requestsByDay[d] ?? 0,
      runs: runs.length,
      members: runs.reduce((n, t) => n + t.members, 0),
    };
  });
}

async function summarize(pool: Pool, model: Model, stats: SimStats, ticks: Tick[], extra: Extra) {
  const perDay = days(model, ticks);
  // A no-load day: no load became visible that day and no run that day had anyone to sync.
  const quiet = perDay.filter((d) => !d.load && d.members === 0);
  const loads = loadAges(model, stats, extra.enrollments);
  const fanOuts = ticks.map((t) => t.fanOutSeconds);
  const withWork = ticks.filter((t) => t.members > 0).map((t) => t.fanOutSeconds);
  const out = {
    enrollments: extra.enrollments,
    days: model.options.days,
    budgetPerSecond: model.options.budgetPerSecond,
    cronHours: extra.cronHours,
    loadsVisibleAt: loads.map((l) => l.visibleAt),
    noLoadDays: quiet.length,
    noLoadDayRequestsMax: Math.max(0, ...quiet.map((d) => d.requests)),
    noLoadDayRequestsTotal: quiet.reduce((n, d) => n + d.requests, 0),
    loads,
    redisPeakMB: Number((extra.redisPeakBytes / 2 ** 20).toFixed(1)),
    queueDepthMax: extra.queueDepthMax,
    fanOutSecondsMax: Number(Math.max(0, ...withWork).toFixed(1)),
    emptyRunSecondsMax: Number(Math.max(0, ...fanOuts.filter((_, i) => ticks[i]!.members === 0)).toFixed(1)),
    syncs: stats.syncs,
    fullSyncs: stats.fullSyncs,
    failedAttempts: stats.failedAttempts,
    runMembers: await tableCost(pool, 'sync_run_members'),
    attempts: await tableCost(pool, 'sync_attempts'),
    wallSeconds: Number(extra.wallSeconds.toFixed(0)),
    perDay,
  };
  return out;
}

type Summary = Awaited<ReturnType<typeof summarize>>;

export async function report(pool: Pool, model: Model, stats: SimStats, ticks: Tick[], extra: Extra) {
  const out = await summarize(pool, model, stats, ticks, extra);
  return { ...out, markdown: markdown(out) };
}

function markdown(r: Summary): string {
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  const lines = [
    `enrollments ${r.enrollments}, ${r.days} days, budget ${r.budgetPerSecond} req/s, a probe every ${r.cronHours} h`,
    `no-load days: ${r.noLoadDays}, requests per no-load day at most ${r.noLoadDayRequestsMax} (total ${r.noLoadDayRequestsTotal})`,
    ...r.loads.map(
      (l) =>
        `load visible ${l.visibleAt}: ${l.synced} synced (${(l.share * 100).toFixed(2)}%), ` +
        `data age p50 ${l.p50Hours} h, p95 ${l.p95Hours} h, max ${l.maxHours} h`,
    ),
    `Redis peak used_memory ${r.redisPeakMB} MB; queue depth at most ${r.queueDepthMax} jobs`,
    `fan-out (start-run job) at most ${r.fanOutSecondsMax} s with members; an empty run at most ${r.emptyRunSecondsMax} s`,
    `syncs ${r.syncs} (full ${r.fullSyncs}), failed attempts retried ${r.failedAttempts}`,
    `sync_run_members ${r.runMembers.rows} rows, ${mb(r.runMembers.bytes)} MB ` +
      `(${(r.runMembers.bytes / Math.max(1, r.runMembers.rows)).toFixed(0)} B/row); ` +
      `sync_attempts ${r.attempts.rows} rows, ${mb(r.attempts.bytes)} MB`,
    `wall time ${r.wallSeconds} s`,
    '',
    '| day | date | load | requests | runs | members |',
    '| --: | ---- | :--: | -------: | ---: | ------: |',
    ...r.perDay.map(
      (d) => `| ${d.day} | ${d.date} | ${d.load ? 'yes' : ''} | ${d.requests} | ${d.runs} | ${d.members} |`,
    ),
  ];
  return lines.join('\n');
}
