/** `bbsync clear-eob-forbidden ID`: the next sync of the enrollment asks for ExplanationOfBenefit again. */
import { clearEobForbidden } from '../db/runs.ts';
import { InputError } from '../errors.ts';
import { commandContext } from './command-config.ts';
import { openDatabase } from './database.ts';

export async function runClearEobForbidden(enrollmentId: string): Promise<void> {
  const { config } = commandContext();
  const pool = await openDatabase(config.databaseUrl, { max: 1, applicationName: 'bbsync-clear-eob' });
  try {
    const { rows } = await pool.query('SELECT 1 FROM enrollments WHERE enrollment_id = $1', [enrollmentId]);
    if (rows.length === 0) throw new InputError(`no enrollment ${enrollmentId}; nothing was changed`);
    const cleared = await clearEobForbidden(pool, enrollmentId);
    process.stdout.write(
      cleared
        ? `enrollment ${enrollmentId}: its next sync asks Blue Button for ExplanationOfBenefit again\n`
        : `enrollment ${enrollmentId} has no EOB-forbidden condition; nothing to do\n`,
    );
  } finally {
    await pool.end();
  }
}
