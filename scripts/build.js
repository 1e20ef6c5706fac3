// `npm run build` (also run by `npm ci` / `npm install` through `prepare`): compiles src/ to dist/
// with tsconfig.build.json, then stamps dist/.built with the time the build started. bin/bbsync.js
// runs dist/ only while no source file is newer than that stamp, so an edit made during or after a
// build is never hidden by the build's older output.
import { execFileSync } from 'node:child_process';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  // `npm ci --omit=dev` (a production install) runs `prepare` without TypeScript: no build then,
  // and bin/bbsync.js runs the sources through tsx (a runtime dependency) as it does without dist/.
  process.stderr.write(
    'build: TypeScript is not installed (a production install?): skipped; bbsync runs the sources through tsx\n',
  );
  process.exit(0);
}
const started = new Date();
rmSync(`${root}/dist`, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
writeFileSync(`${root}/dist/.built`, '');
utimesSync(`${root}/dist/.built`, started, started);
