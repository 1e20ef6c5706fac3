/**
 * Runs in every test process before its test file (vitest setupFiles): points this process's
 * loggers, and the emulators and child processes it starts, at the run's log capture directory,
 * and tees every child's output there (test/helpers/log-capture.ts).
 */
import { inject } from 'vitest';

import { CAPTURE_ENV, installChildCapture } from './log-capture.ts';

const dir = inject('logCaptureDir');
if (dir) {
  process.env[CAPTURE_ENV] = dir;
  installChildCapture(dir);
}
