/**
 * Conditions of the whole deployment (`deployment_alerts`), today only `app_inactive`: BB2 says
 * the application is temporarily inactive. At most one open row per condition (a partial unique
 * index), so however many workers meet it at once, exactly one raises it.
 */
import type { Db } from './client.ts';

export type AlertCondition = 'app_inactive';

export interface DeploymentAlert {
  alert_id: number;
  condition: AlertCondition;
  since: string;
  answer: string;
  last_probe_at: string | null;
  last_probe_answer: string | null;
  probes: number;
}

const COLUMNS = `alert_id, condition, since, answer, last_probe_at, last_probe_answer, probes`;

/** Opens the condition unless it is open already; `raised` says whether this call opened it. */
export async function raiseAlert(
  db: Db,
  condition: AlertCondition,
  answer: string,
): Promise<{ raised: boolean; alert: DeploymentAlert }> {
  const { rows } = await db.query<DeploymentAlert>(
    `INSERT INTO deployment_alerts (condition, answer) VALUES ($1, $2)
     ON CONFLICT (condition) WHERE ended_at IS NULL DO NOTHING
     RETURNING ${COLUMNS}`,
    [condition, answer.slice(0, 1000)],
  );
  if (rows[0]) return { raised: true, alert: rows[0] };
  const open = await openAlert(db, condition);
  // Ended between the two statements (a probe resumed just now): raise it again.
  return open ? { raised: false, alert: open } : raiseAlert(db, condition, answer);
}

/** The open alert of the condition, if any. */
export async function openAlert(db: Db, condition: AlertCondition): Promise<DeploymentAlert | undefined> {
  const { rows } = await db.query<DeploymentAlert>(
    `SELECT ${COLUMNS} FROM deployment_alerts WHERE condition = $1 AND ended_at IS NULL`,
    [condition],
  );
  return rows[0];
}

/** Every open alert (the dashboard's banner). */
export async function openAlerts(db: Db): Promise<DeploymentAlert[]> {
  const { rows } = await db.query<DeploymentAlert>(
    `SELECT ${COLUMNS} FROM deployment_alerts WHERE ended_at IS NULL ORDER BY since`,
  );
  return rows;
}

/**
 * Claims the next probe of an open alert: the alert when its last probe (or its start) is at
 * least `everyMs` old, now marked as probed; undefined otherwise. One process wins each turn.
 */
export async function claimProbe(
  db: Db,
  condition: AlertCondition,
  everyMs: number,
): Promise<DeploymentAlert | undefined> {
  const { rows } = await db.query<DeploymentAlert>(
    `UPDATE deployment_alerts SET last_probe_at = now(), probes = probes + 1
      WHERE condition = $1 AND ended_at IS NULL
        AND coalesce(last_probe_at, since) <= now() - make_interval(secs => $2::double precision / 1000)
      RETURNING ${COLUMNS}`,
    [condition, everyMs],
  );
  return rows[0];
}

export async function recordProbeAnswer(db: Db, alertId: number, answer: string): Promise<void> {
  await db.query(`UPDATE deployment_alerts SET last_probe_answer = $2 WHERE alert_id = $1`, [
    alertId,
    answer.slice(0, 1000),
  ]);
}

/** Ends the open alert of the condition; the ended row, or undefined when none was open. */
export async function endAlert(
  db: Db,
  condition: AlertCondition,
  by: string,
): Promise<DeploymentAlert | undefined> {
  const { rows } = await db.query<DeploymentAlert>(
    `UPDATE deployment_alerts SET ended_at = now(), ended_by = $2
      WHERE condition = $1 AND ended_at IS NULL RETURNING ${COLUMNS}`,
    [condition, by],
  );
  return rows[0];
}
