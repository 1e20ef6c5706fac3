import type { Db } from './client.ts';

export interface AuditEntry {
  actor: string;
  action: string;
  target?: string;
  details?: Record<string, unknown>;
}

/** Records who did what (never tokens or PHI in `details`). */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.query('INSERT INTO audit_log (actor, action, target, details) VALUES ($1, $2, $3, $4)', [
    entry.actor,
    entry.action,
    entry.target ?? null,
    entry.details ? JSON.stringify(entry.details) : null,
  ]);
}
