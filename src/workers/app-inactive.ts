/**
 * An inactive application pauses the whole deployment. When BB2 says the application is
 * temporarily inactive (AppInactiveError, from /token or a FHIR read), no enrollment is at fault:
 * - the sync that met it goes back to the queue unspent (worker.ts), and the enrollment records
 *   nothing (its refresh token is still valid: BB2 refused before looking at it);
 * - the condition is recorded once in `deployment_alerts` (since when, BB2's answer), with one
 *   warn log line, and the sync queue is paused for every worker (BullMQ's pause is global);
 * - every worker's tick keeps the queue paused while the alert is open, and one of them (at most
 *   every APP_INACTIVE_PROBE_MS) asks BB2 whether it accepts the application again, with a call
 *   that spends no beneficiary's token (OAuthClient.probeApplication); a yes resumes the queue,
 *   ends the alert and logs one info line, and the waiting syncs run as usual;
 * - an operator can resume at any time (dashboard banner, `bbsync resume-syncs`).
 * Runs started meanwhile keep their members (in Postgres or in the paused queue): nothing is lost.
 */
import type { Queue } from 'bullmq';

import type { ApplicationProbe } from '../bluebutton/oauth.ts';
import {
  claimProbe,
  endAlert,
  openAlert,
  raiseAlert,
  recordProbeAnswer,
  type DeploymentAlert,
} from '../db/alerts.ts';
import type { Pool } from '../db/client.ts';
import { classifyError, type AppInactiveError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export interface PauseDeps {
  pool: Pool;
  syncQueue: Queue;
  log: Logger;
}

export interface AppInactiveDeps extends PauseDeps {
  /** Asks BB2 whether it accepts the application (OAuthClient.probeApplication). */
  probe: () => Promise<ApplicationProbe>;
  /** APP_INACTIVE_PROBE_MS. */
  probeEveryMs: number;
}

export type TickOutcome = 'none' | 'paused' | 'resumed';

export function createAppInactiveGuard(deps: AppInactiveDeps) {
  const { pool, log } = deps;

  /** The queue paused while the alert is open (a process may have died between the two). */
  async function keepPaused(): Promise<void> {
    if (await deps.syncQueue.isPaused()) return;
    await deps.syncQueue.pause();
    // An operator or a probe resumed meanwhile (they end the alert first): undo our pause.
    if (!(await openAlert(pool, 'app_inactive'))) await deps.syncQueue.resume();
  }

  async function probeOnce(alert: DeploymentAlert): Promise<TickOutcome> {
    let answer: ApplicationProbe;
    try {
      answer = await deps.probe();
    } catch (err) {
      await recordProbeAnswer(pool, alert.alert_id, `no answer: ${classifyError(err).message}`);
      return 'paused';
    }
    if (!answer.active) {
      await recordProbeAnswer(pool, alert.alert_id, answer.answer);
      return 'paused';
    }
    await resumeSyncs(deps, 'probe');
    return 'resumed';
  }

  return {
    /** A sync met BB2's "inactive" answer: the alert (raised once) and the queue paused. */
    async met(err: AppInactiveError): Promise<void> {
      const { raised, alert } = await raiseAlert(pool, 'app_inactive', err.message);
      if (!raised) return keepPaused();
      await deps.syncQueue.pause();
      log.warn(
        {
          category: 'app_inactive',
          since: alert.since,
          answer: alert.answer,
          probeEverySeconds: Math.round(deps.probeEveryMs / 1000),
        },
        'Blue Button says this application is inactive: all syncs are paused until it accepts the application again (probed regularly) or an operator resumes them',
      );
    },

    /** One worker tick: nothing without an alert; else the queue kept paused and, in turn, a probe. */
    async tick(): Promise<TickOutcome> {
      if (!(await openAlert(pool, 'app_inactive'))) return 'none';
      await keepPaused();
      const claimed = await claimProbe(pool, 'app_inactive', deps.probeEveryMs);
      return claimed ? probeOnce(claimed) : 'paused';
    },

    /** Ticks every `everyMs` (one at a time) until stopped. */
    startTicking(everyMs: number): { stop(): Promise<void> } {
      let running: Promise<unknown> | undefined;
      const timer = setInterval(() => {
        if (running) return;
        running = this.tick()
          .catch((err: unknown) => {
            if (classifyError(err).category === 'network') return;
            log.warn({ ...classifyError(err) }, 'inactive-application check failed; the next tick retries');
          })
          .finally(() => (running = undefined));
      }, everyMs);
      timer.unref();
      return {
        async stop() {
          clearInterval(timer);
          await running;
        },
      };
    },
  };
}

export type AppInactiveGuard = ReturnType<typeof createAppInactiveGuard>;

/**
 * Ends the inactive-application alert and resumes the sync queue (`by`: `probe`, or the operator).
 * The alert ends first, so a worker keeping the queue paused sees it ended and lets go. Returns the
 * ended alert, if one was open; the queue is resumed either way (an operator's way out of any pause).
 */
export async function resumeSyncs(deps: PauseDeps, by: string): Promise<DeploymentAlert | undefined> {
  const ended = await endAlert(deps.pool, 'app_inactive', by);
  await deps.syncQueue.resume();
  if (ended) {
    deps.log.info(
      { category: 'app_inactive', since: ended.since, probes: ended.probes, resumedBy: by },
      by === 'probe'
        ? 'Blue Button accepts this application again: syncs resumed'
        : 'syncs resumed by an operator',
    );
  }
  return ended;
}

/** Whether syncs are paused because BB2 says the application is inactive (the alert, if so). */
export function syncsPausedSince(pool: Pool): Promise<DeploymentAlert | undefined> {
  return openAlert(pool, 'app_inactive');
}
