/**
 * `bbsync insurance-card ID`: a v3 beneficiary's Digital Insurance Card as the last sync stored it.
 * It holds PHI (name, MBI), so it is printed to the operator's terminal only.
 */
import { databaseName } from '../db/client.ts';
import { getInsuranceCard } from '../db/insurance-cards.ts';
import { InputError } from '../errors.ts';
import { readInsuranceCard, type InsuranceCard } from '../fhir/v3/insurance-card.ts';
import { commandContext } from './command-config.ts';
import { openDatabase } from './database.ts';

export async function runInsuranceCard(enrollmentId: string, options: { format?: string }): Promise<void> {
  const format = options.format ?? 'table';
  if (format !== 'table' && format !== 'json') {
    throw new InputError(`--format must be table or json, not "${format}"`);
  }
  const { config } = commandContext();
  const pool = await openDatabase(config.databaseUrl, { max: 1, applicationName: 'bbsync-insurance-card' });
  try {
    const { rows } = await pool.query<{ patient_id: string; api_version: string }>(
      'SELECT patient_id, api_version FROM enrollments WHERE enrollment_id = $1',
      [enrollmentId],
    );
    const enrollment = rows[0];
    if (!enrollment) {
      throw new InputError(
        `no enrollment ${enrollmentId} in database "${databaseName(config.databaseUrl)}" (the dashboard's /enrollments page lists them)`,
      );
    }
    const stored = await getInsuranceCard(pool, enrollment.patient_id);
    if (!stored) {
      throw new InputError(
        enrollment.api_version === 'v3'
          ? `no insurance card stored for enrollment ${enrollmentId} yet: a v3 sync fetches it when the grant includes a Patient and a Coverage read scope`
          : `enrollment ${enrollmentId} connected through Blue Button v2, which has no insurance card`,
      );
    }
    process.stdout.write(
      format === 'json'
        ? `${JSON.stringify(stored.card, null, 2)}\n`
        : formatCard(readInsuranceCard(stored.card), stored.fetched_at),
    );
  } finally {
    await pool.end();
  }
}

export function formatCard(card: InsuranceCard, fetchedAt: string): string {
  const lines = [`Medicare Digital Insurance Card (fetched ${fetchedAt.slice(0, 16).replace('T', ' ')} UTC)`];
  if (card.name) lines.push(`Name: ${card.name}`);
  const mbi = card.plans.find((p) => p.subscriberId)?.subscriberId;
  if (mbi) lines.push(`Medicare number (MBI): ${mbi}`);
  for (const p of card.plans) {
    const period = `${p.start ?? '?'} to ${p.end && !p.end.startsWith('9999') ? p.end : 'now'}`;
    const details = [
      p.status,
      period,
      p.payerType,
      p.contractId ? `contract ${p.contractId}${p.planId ? ` plan ${p.planId}` : ''}` : null,
      p.rxBin ? `RxBIN ${p.rxBin}` : null,
      p.rxPcn ? `RxPCN ${p.rxPcn}` : null,
      p.rxGroup ? `RxGRP ${p.rxGroup}` : null,
      p.rxId ? `RxID ${p.rxId}` : null,
    ].filter(Boolean);
    lines.push(`  ${p.plan.padEnd(24)} ${details.join(', ')}`);
  }
  if (card.contacts.length) lines.push(`Medicare: ${card.contacts.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
