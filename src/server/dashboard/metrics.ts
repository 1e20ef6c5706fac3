/**
 * /metrics: Prometheus text from prom-client, every value read from Postgres and Redis when
 * scraped (collect callbacks), so any number of server instances report the same numbers and
 * nothing is lost on restart. Only counts and ids' aggregates: no PHI, no tokens.
 */
import { Gauge, Registry, type Metric } from 'prom-client';

import {
  enrollNotFoundCount,
  eobForbiddenCount,
  enrollmentsByStatus,
  grantsExpiringWithin,
  requestCountsSince,
} from '../../db/dashboard.ts';
import { openAlert } from '../../db/alerts.ts';
import { attemptDurations, lastSuccessfulRunAt } from '../../db/metrics.ts';
import type { Pool } from '../../db/client.ts';
import { openRunForecasts, unfedMembers } from '../../db/feed.ts';
import { JOB_STATES, type Queues } from '../../workers/queues.ts';

/** Upper bounds (seconds) of the sync duration histogram. */
export const DURATION_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** The window of the "recent" metrics (BB2 requests, sync durations). */
export const WINDOW_HOURS = 24;

export interface MetricsDeps {
  pool: Pool;
  queues: Queues;
  /** Answers within a bounded time or throws (a down Redis must not hang a scrape). */
  withTimeout: <T>(p: Promise<T>) => Promise<T>;
  /** Resolves when Redis answers; BullMQ is not asked when it does not (it would wait). */
  pingRedis: () => Promise<unknown>;
}

export function createMetricsRegistry(deps: MetricsDeps): Registry {
  const registry = new Registry();
  registerRedisMetrics(registry, deps);
  registerDatabaseMetrics(registry, deps.pool);
  registerRunForecastMetrics(registry, deps.pool);
  registerAlertMetrics(registry, deps.pool);
  registry.registerMetric(durationHistogram(deps.pool) as unknown as Metric);
  return registry;
}

/** Redis's own health and the queues' depths (absent while Redis does not answer). */
function registerRedisMetrics(registry: Registry, deps: MetricsDeps): void {
  // One ping per scrape, shared by the Redis metrics (collect callbacks run concurrently).
  let ping: { at: number; up: Promise<boolean> } | undefined;
  const redisUp = () => {
    if (!ping || Date.now() - ping.at > 1000) {
      ping = {
        at: Date.now(),
        up: deps.withTimeout(deps.pingRedis()).then(
          () => true,
          () => false,
        ),
      };
    }
    return ping.up;
  };

  new Gauge({
    name: 'bbsync_redis_up',
    help: 'Whether Redis answered this scrape (1) or not (0); the queue metrics are missing when 0.',
    registers: [registry],
    async collect() {
      this.set((await redisUp()) ? 1 : 0);
    },
  });

  new Gauge({
    name: 'bbsync_queue_jobs',
    help: 'BullMQ jobs per queue and state, now (completed and failed: those still kept in Redis).',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      if (!(await redisUp())) {
        this.reset();
        return;
      }
      const results = await Promise.allSettled(
        [deps.queues.sync, deps.queues.runs].map(async (q) => ({
          name: q.name,
          counts: await deps.withTimeout(q.getJobCounts(...JOB_STATES)),
        })),
      );
      this.reset();
      for (const r of results) {
        if (r.status !== 'fulfilled') continue;
        for (const state of JOB_STATES) this.set({ queue: r.value.name, state }, r.value.counts[state] ?? 0);
      }
    },
  });
}

/** Enrollments, BB2 requests and runs, read from Postgres at each scrape. */
function registerDatabaseMetrics(registry: Registry, pool: Pool): void {
  new Gauge({
    name: 'bbsync_enrollments_eob_forbidden',
    help: 'Active enrollments Blue Button refuses ExplanationOfBenefit to (403: Part-D-only app or no SAMHSA consent); their EOB is not asked for.',
    registers: [registry],
    async collect() {
      this.set(await eobForbiddenCount(pool));
    },
  });

  new Gauge({
    name: 'bbsync_enrollments_not_found_total',
    help: 'Beneficiaries Blue Button has no data for (callback error=not_found; at most ENROLL_RATE_LIMIT_GLOBAL per 10 minutes per server counted).',
    registers: [registry],
    async collect() {
      this.set(await enrollNotFoundCount(pool));
    },
  });

  new Gauge({
    name: 'bbsync_enrollments',
    help: 'Enrollments per status (active, reauth_required, expired, completed, revoking, revoked).',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await enrollmentsByStatus(pool);
      this.reset();
      for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
    },
  });

  new Gauge({
    name: 'bbsync_enrollments_grant_expiring',
    help: 'Active enrollments whose 13-month data access grant ends within the next 30 days.',
    registers: [registry],
    async collect() {
      this.set(await grantsExpiringWithin(pool, 30));
    },
  });

  new Gauge({
    name: 'bbsync_bb2_requests_last_24h',
    help: 'Requests to Blue Button in the last 24 hours per endpoint and HTTP status (0: no answer), from bb2_request_counts (whole minutes, flushed by workers every 10 s).',
    labelNames: ['endpoint', 'status'],
    registers: [registry],
    async collect() {
      const rows = await requestCountsSince(pool, WINDOW_HOURS);
      this.reset();
      for (const r of rows) this.set({ endpoint: r.endpoint, status: String(r.status) }, r.count);
    },
  });

  new Gauge({
    name: 'bbsync_last_successful_run_timestamp_seconds',
    help: 'When the newest run in which no enrollment failed finished (Unix time; 0 when there is none). Alert when it is too old.',
    registers: [registry],
    async collect() {
      const at = await lastSuccessfulRunAt(pool);
      this.set(at ? Date.parse(at) / 1000 : 0);
    },
  });

  new Gauge({
    name: 'bbsync_last_run_finished_timestamp_seconds',
    help: 'When the newest finished run finished, failures or not (Unix time; 0 when there is none).',
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ finished_at: string }>(
        `SELECT finished_at FROM sync_runs WHERE status = 'finished' ORDER BY finished_at DESC NULLS LAST LIMIT 1`,
      );
      this.set(rows[0]?.finished_at ? Date.parse(rows[0].finished_at) / 1000 : 0);
    },
  });

  new Gauge({
    name: 'bbsync_last_run_failed_enrollments',
    help: 'Enrollments that failed in the newest finished run.',
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT enrollments_failed AS n FROM sync_runs WHERE status = 'finished' ORDER BY finished_at DESC NULLS LAST LIMIT 1`,
      );
      this.set(rows[0]?.n ?? 0);
    },
  });
}

/**
 * A histogram computed by Postgres at scrape time: the durations of the sync attempts (of runs)
 * that finished in the last 24 hours, per attempt status. It is a window, not a cumulative counter:
 * use `histogram_quantile(0.95, bbsync_sync_duration_seconds_bucket)` directly, without rate().
 */
function durationHistogram(pool: Pool) {
  const name = 'bbsync_sync_duration_seconds';
  return {
    name,
    help: 'Durations of the sync attempts that finished in the last 24 hours, per attempt status (ok, failed, retrying, skipped); a sliding window computed from sync_attempts at scrape time, so use histogram_quantile() without rate().',
    type: 'histogram',
    aggregator: 'sum',
    async get() {
      const byStatus = await attemptDurations(pool, WINDOW_HOURS, DURATION_BUCKETS);
      const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = [];
      for (const [status, h] of byStatus) {
        for (const b of h.buckets)
          values.push({ metricName: `${name}_bucket`, labels: { status, le: b.le }, value: b.count });
        values.push({ metricName: `${name}_bucket`, labels: { status, le: '+Inf' }, value: h.count });
        values.push({ metricName: `${name}_sum`, labels: { status }, value: h.sumSeconds });
        values.push({ metricName: `${name}_count`, labels: { status }, value: h.count });
      }
      return { name, help: this.help, type: 'histogram', aggregator: 'sum', values };
    },
    reset() {},
  };
}

/** The feeder's view: work held in Postgres, and when each unfinished run should be done. */
function registerRunForecastMetrics(registry: Registry, pool: Pool): void {
  new Gauge({
    name: 'bbsync_run_members_unfed',
    help: 'Run members held in Postgres, not yet handed to the queue by the feeder.',
    registers: [registry],
    async collect() {
      this.set(await unfedMembers(pool));
    },
  });

  new Gauge({
    name: 'bbsync_run_forecast_finish_timestamp_seconds',
    help: 'When each unfinished run is forecast to be done at the current pace (Unix time).',
    labelNames: ['run_id'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await openRunForecasts(pool)) {
        if (r.forecast_finish_at) this.set({ run_id: r.run_id }, Date.parse(r.forecast_finish_at) / 1000);
      }
    },
  });

  new Gauge({
    name: 'bbsync_run_forecast_fits',
    help: 'Whether each unfinished run is forecast to finish before the next scheduled run (1) or not (0); absent when unknown.',
    labelNames: ['run_id'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await openRunForecasts(pool)) {
        if (r.forecast_fits !== null) this.set({ run_id: r.run_id }, r.forecast_fits ? 1 : 0);
      }
    },
  });
}

/** Conditions of the whole deployment (deployment_alerts). */
function registerAlertMetrics(registry: Registry, pool: Pool): void {
  new Gauge({
    name: 'bbsync_application_inactive',
    help: 'Whether Blue Button says this application is temporarily inactive (1): every sync is paused until a probe finds it accepted again or an operator resumes; 0 otherwise. Alert on 1.',
    registers: [registry],
    async collect() {
      this.set((await openAlert(pool, 'app_inactive')) ? 1 : 0);
    },
  });

  new Gauge({
    name: 'bbsync_application_inactive_since_timestamp_seconds',
    help: 'Since when syncs are paused because Blue Button says the application is inactive (Unix time; 0 when they are not).',
    registers: [registry],
    async collect() {
      const alert = await openAlert(pool, 'app_inactive');
      this.set(alert ? Date.parse(alert.since) / 1000 : 0);
    },
  });
}
