/**
 * The analyst commands start without the server, the database or argon2 (loading them took over a
 * second of every run): each command's work is loaded only when it runs (src/cli/commands/index.ts)
 * and reads its CSV through src/csv. Each case runs `retain …` in a process of its own,
 * from the sources, with a resolve hook recording every module the process loads. The build loads
 * the same graph: tsc keeps each import statement as written (verbatimModuleSyntax).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../support/fixtures.js';

const ENTRY = fileURLToPath(new URL('../support/retain-entry.ts', import.meta.url));
const MODULE_LOG = fileURLToPath(new URL('../support/module-log.mjs', import.meta.url));
const logDirectory = mkdtempSync(join(tmpdir(), 'retain-modules-'));

/** The server and the store: packages and source folders an analyst command has no use for. */
const SERVER_OR_DATABASE =
  /\/node_modules\/(kysely|better-sqlite3|pg|@node-rs\/argon2|hono|@hono\/[^/]+)\/|\/src\/(server|db)\//;

/** Runs `retain <args>` and returns the URL of every module it resolved, once each, in order. */
async function modulesLoadedBy(...args: string[]): Promise<string[]> {
  const logFile = join(logDirectory, `${args.join('-').replace(/\W+/g, '_')}.log`);
  // Rejects, with the command's stderr, unless it exits 0.
  await promisify(execFile)(process.execPath, ['--import', 'tsx', '--import', MODULE_LOG, ENTRY, ...args], {
    env: { ...process.env, RETAIN_MODULE_LOG: logFile },
    maxBuffer: 64 * 1024 * 1024,
  });
  return [...new Set(readFileSync(logFile, 'utf8').split('\n').filter(Boolean))];
}

describe('what the analyst commands load', () => {
  it.each([
    ['analyze', fixturePath('cli/orders-by-country.csv'), '--json'],
    ['clv', '--summary', fixturePath('cdnow_customers_summary.csv'), '--json'],
    ['survival', fixturePath('cli/subscriptions.csv'), '--json'],
    ['churn', 'train', fixturePath('churn/cdnow-churn.csv'), '--label', 'churned', '--json'],
    ['at-risk', fixturePath('cli/orders-by-country.csv'), '--json'],
  ])('retain %s loads no server, database or argon2 module', async (command, ...args) => {
    const modules = await modulesLoadedBy(command, ...args);
    // The hook saw the command's own work load, so an empty or broken log cannot pass.
    expect(modules.some((url) => url.endsWith(`/src/cli/commands/${command}.run.ts`))).toBe(true);
    expect(modules.filter((url) => SERVER_OR_DATABASE.test(url))).toEqual([]);
  });

  it('retain --help loads no command’s work', async () => {
    const modules = await modulesLoadedBy('--help');
    expect(modules.some((url) => url.endsWith('/src/cli/commands/analyze.ts'))).toBe(true);
    expect(modules.filter((url) => url.endsWith('.run.ts') || SERVER_OR_DATABASE.test(url))).toEqual([]);
  });
});
