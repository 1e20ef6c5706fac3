/**
 * A separate process that asks the vault for access tokens, for tests of what happens across
 * processes (concurrent refreshes, a crash during a refresh). Configured by the environment like
 * any bbsync process. Prints one JSON line; never prints a token (only short hashes of them).
 *
 *   node --import tsx test/helpers/token-client.ts <enrollment-id> <calls> [--use]
 */
import { createHash } from 'node:crypto';

import { loadConfig } from '../../src/config.ts';
import { createPool } from '../../src/db/client.ts';
import { buildBb2Services } from '../../src/services.ts';
import { createLogger } from '../../src/logger.ts';

const [enrollmentId, callsArg, flag] = process.argv.slice(2);
const config = loadConfig(process.env);
const log = createLogger({ level: 'warn', format: 'json', fd: 2 });
const pool = createPool(config.databaseUrl, { max: 20 });
const { vault, fetchImpl } = buildBb2Services(config, log, pool);
const hash = (t: string) => createHash('sha256').update(t).digest('hex').slice(0, 12);

const results = await Promise.allSettled(
  Array.from({ length: Number(callsArg ?? 1) }, () => vault.getAccessToken(enrollmentId!)),
);
const tokens = new Set<string>();
const errors: string[] = [];
for (const r of results) {
  if (r.status === 'fulfilled') tokens.add(hash(r.value.accessToken));
  else errors.push(String((r.reason as Error).message));
}
let fhirStatus: number | undefined;
if (flag === '--use' && results[0]?.status === 'fulfilled') {
  const grant = results[0].value;
  const response = await fetchImpl(`${config.bb2.baseUrl}/v2/fhir/Coverage/`, {
    headers: { authorization: `Bearer ${grant.accessToken}`, accept: 'application/fhir+json' },
  });
  await response.arrayBuffer();
  fhirStatus = response.status;
}
process.stdout.write(`${JSON.stringify({ tokens: [...tokens], errors, fhirStatus })}\n`);
await pool.end();
