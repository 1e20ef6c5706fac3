/**
 * Writes examples/bb2/: what Blue Button serves for a synthetic beneficiary (BBUser00000 of the
 * emulator's data, seed 1, as `npm run demo` uses): Patient, Coverage and EOBs, one a line, so that
 * `bbsync import examples/bb2` works from a fresh clone. Run: npx tsx scripts/example-files.ts
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createSyntheticStore } from '../src/emulator/data/index.ts';

const OUT = fileURLToPath(new URL('../examples/bb2', import.meta.url));
const store = createSyntheticStore({ users: 1, seed: 1 });

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
for (let index = 0; index < store.userCount; index++) {
  const user = store.userByIndex(index)!;
  const record = store.record(user.patientId)!;
  // NDJSON: one resource a line, the form of BB2's bulk exports.
  const lines = [record.patient, ...record.coverages, ...record.eobs].map((r) => JSON.stringify(r));
  writeFileSync(join(OUT, `${user.username}.ndjson`), `${lines.join('\n')}\n`);
}
process.stdout.write(`wrote ${OUT}\n`);
