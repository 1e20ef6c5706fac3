import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Code that exists for development, tests, the demo and the benchmark, not for production. */
const NOT_PRODUCTION = [
  'src/emulator/**',
  'src/emulator-client/**',
  'src/bench/**',
  'src/commands/demo.ts',
  'src/commands/demo-server.ts',
  'src/commands/bench.ts',
  'src/commands/enroll-synthetic.ts',
  // `bbsync emulator` (and demo, bench) load the emulator on demand.
  'src/cli/dev-commands.ts',
];

/**
 * Functions (and one file) still over the size limits: each entry names what to split. This list
 * only shrinks; new code meets the limits.
 */
const TOO_LONG_YET = [].map(([file, what]) => ({
  files: [file],
  rules: { [what === 'file' ? 'max-lines' : 'max-lines-per-function']: 'off' },
}));

const NO_EMULATOR = {
  group: ['**/emulator/**', '**/emulator-client/**'],
  message:
    'Production code never imports the emulator or its scripted clients (src/emulator-client): they are for development, tests, the demo and the benchmark.',
};

const EMULATOR_ALONE =
  'The emulator imports nothing from the sync pipeline (it must behave like BB2, not like us).';

/** Packages that do I/O (network, database, files, processes). */
const IO_PACKAGES = [
  'pg',
  'pg-copy-streams',
  'drizzle-orm',
  'drizzle-orm/*',
  'bullmq',
  'ioredis',
  'fastify',
  'openid-client',
  'node:fs',
  'node:fs/*',
  'node:http',
  'node:https',
  'node:net',
  'node:child_process',
];

/** Import paths into these src/ folders, from any depth. */
function folders(...names) {
  return names.map((name) => `**/${name}/*`);
}

function restrictImports({ files, ignores = [], patterns }) {
  return { files, ignores, rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] } };
}

export default tseslint.config(
  { ignores: ['node_modules', 'migrations', 'coverage', 'dist', '.scratch'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      'no-throw-literal': 'error',
    },
  },
  // Size (docs/architecture.md): a file holds one job and a function one step. Blank lines and
  // comments do not count.
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  // Data tables (code lists, not logic) may be as long as their data.
  { files: ['src/emulator/data/codes.ts'], rules: { 'max-lines': 'off' } },
  ...TOO_LONG_YET,
  // Layering: dependencies point one way (docs/architecture.md), and `npm test` runs this.
  // Flat config replaces a rule's options rather than merging them, so each block lists all that
  // its files may not import, the production-code ban included; later blocks win.
  restrictImports({
    files: ['src/**/*.ts'],
    ignores: [...NOT_PRODUCTION, 'src/fhir/**', 'src/db/**', 'src/jobs/**', 'src/model/**', 'src/bench/**'],
    patterns: [NO_EMULATOR],
  }),
  restrictImports({
    files: ['src/model/**/*.ts'],
    patterns: [
      { group: ['../*'], message: 'src/model is shared by every layer: it imports nothing from them.' },
    ],
  }),
  restrictImports({
    files: ['src/fhir/**/*.ts'],
    patterns: [
      NO_EMULATOR,
      {
        group: [
          ...folders(
            'db',
            'bluebutton',
            'jobs',
            'workers',
            'server',
            'enrollment',
            'import',
            'commands',
            'bench',
          ),
          '**/config.ts',
          ...folders('config'),
          '**/logger.ts',
          '**/services.ts',
          ...IO_PACKAGES,
        ],
        message: 'src/fhir is pure (no I/O): shapes it shares with src/db live in src/model.',
      },
    ],
  }),
  restrictImports({
    files: ['src/db/**/*.ts'],
    patterns: [
      NO_EMULATOR,
      {
        group: [
          ...folders(
            'fhir',
            'jobs',
            'workers',
            'bluebutton',
            'server',
            'enrollment',
            'import',
            'commands',
            'bench',
          ),
          '**/services.ts',
        ],
        message: 'src/db depends on nothing above it: shapes it shares with src/fhir live in src/model.',
      },
    ],
  }),
  restrictImports({
    files: ['src/jobs/**/*.ts'],
    patterns: [
      NO_EMULATOR,
      {
        group: ['bullmq', ...folders('workers', 'server', 'commands', 'bench')],
        message: 'Jobs are plain handlers; only src/workers knows BullMQ.',
      },
    ],
  }),
  restrictImports({
    files: ['src/bench/**/*.ts'],
    patterns: [
      {
        group: folders('commands', 'emulator'),
        message:
          'The benchmark is below the CLI (src/commands/bench.ts calls it) and runs the emulator as a process.',
      },
    ],
  }),
  // The emulator stands alone: nothing outside src/emulator but the leaf error classes and
  // src/model (the shapes every layer shares, e.g. the claim types, which BB2 defines, not us).
  restrictImports({
    files: ['src/emulator/*.ts'],
    patterns: [{ group: ['../*', '!../errors.ts', '!../model'], message: EMULATOR_ALONE }],
  }),
  restrictImports({
    files: ['src/emulator/*/*.ts'],
    patterns: [{ group: ['../../*', '!../../errors.ts', '!../../model'], message: EMULATOR_ALONE }],
  }),
);
