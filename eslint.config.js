import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  // Layering: dependencies point one way, the pure mapper and the emulator stand alone.
  {
    files: ['src/fhir/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../db/*', '../bluebutton/*', '../jobs/*', '../workers/*', 'pg', 'bullmq', 'ioredis'],
              message: 'src/fhir is pure: no I/O imports (type-only imports of the schema are fine).',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/emulator/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../fhir/*',
                '../db/*',
                '../bluebutton/*',
                '../jobs/*',
                '../workers/*',
                '../server/*',
                '../config.ts',
                '../logger.ts',
              ],
              message: 'The emulator imports nothing from the sync pipeline.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/db/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../jobs/*', '../workers/*', '../bluebutton/*', '../server/*'],
              message: 'src/db depends on nothing above it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/jobs/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['bullmq', '../workers/*'],
              message: 'Jobs are plain handlers; only src/workers knows BullMQ.',
            },
          ],
        },
      ],
    },
  },
);
