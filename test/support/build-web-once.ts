/**
 * Vitest global setup: builds the dashboard (dist/web) once, before any test file runs, when it is
 * missing or older than web/. Each e2e suite's `prepareWeb` runs the same check, but several
 * suites starting at once on a stale build each started a Vite build, and Vite refused the second.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const script = fileURLToPath(new URL('../../web/scripts/build-if-stale.mjs', import.meta.url));
  execFileSync(process.execPath, [script], { stdio: 'inherit' });
}
