// `npm start` runs this before starting the server: builds the dashboard (dist/web) when it is
// missing or older than its sources, so a clean clone and an edited checkout both serve the
// current dashboard without an extra command.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('..', import.meta.url));
const built = join(web, '..', 'dist', 'web', 'index.html');

/** The newest modification time under `path` (a file or a directory). */
function newest(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce(
    (latest, name) => Math.max(latest, newest(join(path, name))),
    stats.mtimeMs,
  );
}

const sources = ['src', 'public', 'index.html', 'vite.config.ts'].map((name) => join(web, name));
const stale =
  !existsSync(built) ||
  sources.some((source) => existsSync(source) && newest(source) > statSync(built).mtimeMs);
if (stale) {
  process.stdout.write('Building the dashboard (dist/web)…\n');
  execFileSync(
    process.execPath,
    [
      join(web, '..', 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      join(web, 'vite.config.ts'),
      '--logLevel',
      'warn',
    ],
    // A production build even when started by a test runner: Vitest sets NODE_ENV=test, which would
    // bundle React's development build.
    { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
  );
}
