/**
 * The API document passes Redocly's linter (issue 10, "The API document"): the document the app
 * serves at `/api/openapi.json` is written to a file and `redocly lint` runs on it with the
 * project's redocly.yaml (the recommended rules, each an error), as a user running
 * `npx @redocly/cli lint` on it would. Zero problems, errors and warnings alike.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { buildApp } from './app.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The CLI's entry point (a dev dependency; @redocly/cli bundles its own dependencies). */
const REDOCLY = join(
  dirname(createRequire(import.meta.url).resolve('@redocly/cli/package.json')),
  'bin/cli.js',
);

interface LintReport {
  readonly totals: { readonly errors: number; readonly warnings: number };
  readonly problems: readonly { ruleId: string; severity: string; message: string; location: unknown }[];
}

const directory = mkdtempSync(join(tmpdir(), 'retain-openapi-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it('the OpenAPI document lints clean with Redocly (npx @redocly/cli lint, redocly.yaml)', async () => {
  const app = buildApp({ db: null as never, dialect: 'sqlite', now: () => 0 }, { webRoot: false });
  const response = await app.request('/api/openapi.json');
  expect(response.status).toBe(200);
  const file = join(directory, 'openapi.json');
  writeFileSync(file, await response.text());

  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      REDOCLY,
      'lint',
      file,
      '--config',
      join(ROOT, 'redocly.yaml'),
      '--format',
      'json',
      '--max-problems',
      '1000',
    ],
    {
      cwd: ROOT,
      // Offline and quiet: no telemetry, no update check, no announcements.
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_NOTIFICATIONS: 'true' },
      maxBuffer: 64 * 1024 * 1024,
    },
  ).catch((error: { stdout?: string; stderr?: string }) => {
    // `redocly lint` exits 1 when it finds errors: the report is still on stdout.
    if (error.stdout) return { stdout: error.stdout };
    throw error;
  });
  const report = JSON.parse(stdout) as LintReport;
  expect(
    report.problems.map((problem) => `${problem.severity} ${problem.ruleId}: ${problem.message}`),
  ).toEqual([]);
  expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
});
