/**
 * The layer rules of eslint.config.js, tried on planted files: each backwards import must be
 * refused by the rule that `npm test` (through `npx eslint .`) and CI run. Only the import rule
 * runs here, without type information, so the planted files need not exist on disk.
 */
import { fileURLToPath } from 'node:url';

import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const IMPORT_RULE = '@typescript-eslint/no-restricted-imports';

const eslint = new ESLint({
  cwd: REPO_ROOT,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId === IMPORT_RULE,
});

/** The import-rule messages for `source` linted as if it were the file `path` under the repository. */
async function importProblems(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: `${REPO_ROOT}${path}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

describe('the ESLint layer rules', () => {
  it.each([
    ['src/db importing src/fhir', 'src/db/planted.ts', "import { readPage } from '../fhir/page.ts';"],
    [
      'src/db importing src/jobs',
      'src/db/planted.ts',
      "import { SYNC_JOB } from '../jobs/sync-enrollment.ts';",
    ],
    ['src/fhir importing src/db', 'src/fhir/planted.ts', "import { ingestBatch } from '../db/ingest.ts';"],
    [
      'src/jobs importing src/workers',
      'src/jobs/planted.ts',
      "import { startWorkers } from '../workers/worker.ts';",
    ],
    ['src/jobs importing BullMQ', 'src/jobs/planted.ts', "import { Queue } from 'bullmq';"],
    [
      'production code importing the emulator',
      'src/server/planted.ts',
      "import { startEmulator } from '../emulator/index.ts';",
    ],
    [
      'a job importing the emulator',
      'src/jobs/planted.ts',
      "import { startEmulator } from '../emulator/index.ts';",
    ],
    [
      'the emulator importing the pipeline',
      'src/emulator/planted.ts',
      "import { readPage } from '../fhir/page.ts';",
    ],
    [
      'the emulator importing the pipeline from a subfolder',
      'src/emulator/data/planted.ts',
      "import { ingestBatch } from '../../db/ingest.ts';",
    ],
  ])(
    'refuses %s',
    async (_what, path, line) => {
      const problems = await importProblems(path, `${line}\nexport const planted = 1;\n`);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${IMPORT_RULE}: `));
    },
    120_000,
  );

  it('accepts the imports that point the right way', async () => {
    const jobs =
      "import { ingestBatch } from '../db/ingest.ts';\nimport { readPage } from '../fhir/page.ts';\n";
    expect(await importProblems('src/jobs/planted.ts', `${jobs}export const planted = 1;\n`)).toEqual([]);
    const workers = "import { SYNC_JOB } from '../jobs/sync-enrollment.ts';\n";
    expect(await importProblems('src/workers/planted.ts', `${workers}export const planted = 1;\n`)).toEqual(
      [],
    );
    const model = (up: string) =>
      `import { CLAIM_TYPES } from '${up}model/claim-types.ts';\nexport const planted = CLAIM_TYPES;\n`;
    expect(await importProblems('src/emulator/planted.ts', model('../'))).toEqual([]);
    expect(await importProblems('src/emulator/data/planted.ts', model('../../'))).toEqual([]);
  }, 120_000);
});
