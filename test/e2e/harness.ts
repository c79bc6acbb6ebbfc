/**
 * What every end-to-end suite of the dashboard needs: `retain start` from the sources on a fresh
 * SQLite store (a copy of the prepared demo store, see `preparedDemoStore`) and a free port, Chromium tabs in each look, logging in with the
 * printed demo login, screenshots into test-results/, the API read with the tab's cookie, and a check
 * that no text shows an untranslated key. A suite starts its own server and browser in beforeAll
 * and closes them in afterAll: `dashboardSuite()` declares both hooks.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { openDatabase } from '../../src/db/index.js';
import { en } from '../../web/src/i18n/messages.js';
import { LOOKS, type Look, launchChromium, watchProblems } from './browser.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const RESULTS = join(ROOT, 'test-results');
const ENTRY = join(ROOT, 'test', 'cli', 'start-entry.ts');

export interface Server {
  readonly url: string;
  readonly email: string;
  readonly password: string;
  readonly workspace: string;
  readonly storeUrl: string;
  readonly child: ChildProcess;
  readonly directory: string;
}

interface DemoLogin {
  readonly email: string;
  readonly password: string;
  readonly workspace: string;
}

/** `retain start` from the sources on `storeUrl` and a free port; resolves with the matches once `ready` holds. */
async function spawnStart(
  storeUrl: string,
  ready: (output: string) => boolean,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'start'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: storeUrl, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    // The server's errors (a 500's stack) show in the test's output, where a failure is read.
    process.stderr.write(chunk);
  });
  const started = Date.now();
  for (;;) {
    if (ready(output)) return { child, output: () => output };
    if (child.exitCode !== null || Date.now() - started > 120_000) {
      child.kill('SIGKILL');
      throw new Error(`retain start did not come up:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const LISTENING = /listening on (http:\/\/localhost:\d+)/;
const PRINTED_LOGIN = /Demo login: (\S+) \/ (\S+) \(workspace (\S+)\)/;

/** A hash of every file under `path` (names and contents), in a stable order. */
function hashTree(hash: ReturnType<typeof createHash>, path: string): void {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) hashTree(hash, join(path, name));
    return;
  }
  hash.update(relative(ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
}

/** Prepared stores older than this are removed by the next run that prepares one. */
const PREPARED_KEPT_MS = 24 * 3_600_000;

/**
 * The demo store as the first `retain start` leaves it once its background jobs are done: migrated,
 * the CDNOW sample imported, the demo login made, and the jobs the import enqueues
 * (`analytics.refresh`, `scores.refresh`) finished. Every suite starting its server from an empty
 * store paid for that first run (~2 s of import and ~13 s of CPU for the jobs, competing with the
 * test's own browser) and all of them ended up with the same store, so it is made once, by that
 * same `retain start`, and each suite starts on a copy of it.
 *
 * The copy is never behind the code: its name holds a hash of src/, the sample and the entry (an
 * edited source makes a new one) and the UTC day (a store made yesterday is not reused, so "now"
 * is today's as in a first run). Suites running in parallel wait for one of them to make it (a lock
 * directory), and it is renamed into place whole. The first run itself — the import, the printed
 * login, the jobs it enqueues — is still asserted on every run by test/cli/start.test.ts, and by
 * this preparation, which fails the suite when a job fails.
 */
export async function preparedDemoStore(): Promise<{ readonly path: string; readonly login: DemoLogin }> {
  const hash = createHash('sha256');
  hashTree(hash, join(ROOT, 'src'));
  hashTree(hash, join(ROOT, 'samples', 'cdnow-orders.csv'));
  hashTree(hash, ENTRY);
  hash.update(new Date().toISOString().slice(0, 10));
  const path = join(tmpdir(), `retain-e2e-demo-${hash.digest('hex').slice(0, 16)}.db`);
  const loginPath = `${path}.json`; // written last: its presence means the store is complete
  const lock = `${path}.lock`;
  const waited = Date.now();
  while (!existsSync(loginPath)) {
    try {
      mkdirSync(lock);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // Another suite is making it; a lock left by a killed run is taken over after 5 minutes.
      const locked = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - locked > 300_000) {
        rmSync(lock, { recursive: true, force: true });
      } else if (Date.now() - waited > 420_000) {
        throw new Error(`the prepared demo store ${path} was not made in 7 minutes`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    try {
      if (!existsSync(loginPath)) await prepareDemoStore(path, loginPath);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return { path, login: JSON.parse(readFileSync(loginPath, 'utf8')) as DemoLogin };
}

/** Runs the first `retain start` on an empty store, waits for its jobs, stops it and keeps the store at `path`. */
async function prepareDemoStore(path: string, loginPath: string): Promise<void> {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('retain-e2e-demo-')) continue;
    const old = join(tmpdir(), name);
    const made = statSync(old, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
    if (Date.now() - made > PREPARED_KEPT_MS) rmSync(old, { recursive: true, force: true });
  }
  const directory = mkdtempSync(join(tmpdir(), 'retain-e2e-prepare-'));
  try {
    const storeUrl = `sqlite:${join(directory, 'retain.db')}`;
    const { child, output } = await spawnStart(
      storeUrl,
      (text) => LISTENING.test(text) && PRINTED_LOGIN.test(text),
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const [, email, password, workspace] = output().match(PRINTED_LOGIN)!;
      await untilJobsDone(storeUrl);
      child.kill('SIGTERM');
      await exited;
      if (child.exitCode !== 0) throw new Error(`retain start did not stop cleanly:\n${output()}`);
      // The last connection's close checkpointed the WAL into the file: the file is the whole store.
      const building = `${path}.${process.pid}`;
      copyFileSync(join(directory, 'retain.db'), building);
      renameSync(building, path);
      writeFileSync(`${loginPath}.${process.pid}`, JSON.stringify({ email, password, workspace }));
      renameSync(`${loginPath}.${process.pid}`, loginPath);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Waits until the store holds jobs and none is queued or running (twice in a row); a failed job throws. */
async function untilJobsDone(storeUrl: string): Promise<void> {
  const connection = openDatabase(storeUrl);
  try {
    const started = Date.now();
    let quietPolls = 0;
    while (quietPolls < 2) {
      const jobs = await connection.db.selectFrom('job').select(['type', 'status', 'last_error']).execute();
      const failed = jobs.filter(
        (job) => job.status !== 'queued' && job.status !== 'running' && job.status !== 'succeeded',
      );
      if (failed.length > 0) throw new Error(`a first-run job failed: ${JSON.stringify(failed)}`);
      const pending = jobs.length === 0 || jobs.some((job) => job.status !== 'succeeded');
      quietPolls = pending ? 0 : quietPolls + 1;
      if (Date.now() - started > 240_000)
        throw new Error(`first-run jobs still pending: ${JSON.stringify(jobs)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await connection.close();
  }
}

/** `retain start` from the sources on a copy of the prepared demo store and a free port, up once it listens. */
export async function startServer(): Promise<Server> {
  const prepared = await preparedDemoStore();
  const directory = mkdtempSync(join(tmpdir(), 'retain-e2e-'));
  copyFileSync(prepared.path, join(directory, 'retain.db'));
  const storeUrl = `sqlite:${join(directory, 'retain.db')}`;
  const { child, output } = await spawnStart(
    storeUrl,
    (text) => LISTENING.test(text) && /Demo login: /.test(text),
  );
  // The server finds the demo made by the first run: it names the login (its password was printed then).
  expect(output()).toContain(`Demo login: ${prepared.login.email} (its password was printed on first run`);
  return {
    url: output().match(LISTENING)![1]!,
    ...prepared.login,
    storeUrl,
    child,
    directory,
  };
}

export interface Tab {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly problems: string[];
}

export async function open(browser: Browser, look: Look): Promise<Tab> {
  const context = await browser.newContext(LOOKS[look]);
  const page = await context.newPage();
  const problems = await watchProblems(page);
  return { context, page, problems };
}

export async function screenshot(page: Page, name: string) {
  await page.mouse.move(0, 0); // no hover tooltip in the picture
  await page.screenshot({ path: join(RESULTS, `${name}.png`), fullPage: true });
}

/**
 * How many pixels the page is wider than the screen (0 or less: it fits). Measured against the
 * root's client width, not `window.innerWidth`: a phone (and Chromium's mobile emulation) widens
 * its layout viewport to a page that overflows and zooms out, so `innerWidth` grows with the page.
 */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

export async function apiJson<Body>(page: Page, server: Server, path: string): Promise<Body> {
  const response = await page.context().request.get(`${server.url}${path}`);
  expect(response.status(), path).toBe(200);
  return (await response.json()) as Body;
}

/** Every text the page shows that is an i18n key instead of its text, or an unfilled {placeholder}. */
export async function untranslated(page: Page): Promise<string[]> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a person reads (hidden tooltips left out).
  const text = await page.evaluate(() => document.body.innerText);
  const keys = Object.keys(en).filter((key) =>
    new RegExp(`(^|\\s)${key.replaceAll('.', '\\.')}($|\\s)`).test(text),
  );
  return [...keys, ...(text.match(/\{\w+\}/g) ?? [])];
}

export async function logIn(page: Page, server: Server, email = server.email, password = server.password) {
  await page.goto(`${server.url}/`);
  await page.locator('input[name="workspace"]').fill(server.workspace);
  await page.locator('input[name="email"]').fill(email);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('button[type="submit"]').click();
  await page.locator('.app-header').waitFor({ timeout: 30_000 }); // logged in: the cookie is set
}

/** Builds dist/web when stale (the suites look at the current sources) and makes test-results/. */
export function prepareWeb(): void {
  execFileSync(process.execPath, [join(ROOT, 'web', 'scripts', 'build-if-stale.mjs')], { stdio: 'inherit' });
  mkdirSync(RESULTS, { recursive: true });
}

/** Stops the server (SIGTERM, waits for it) and removes its store. */
export async function stopServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
  rmSync(server.directory, { recursive: true, force: true });
}

/** A dashboard suite's server and browser (valid inside tests and hooks), and the helpers bound to them. */
export interface DashboardSuite {
  readonly server: Server;
  readonly browser: Browser;
  /** A tab of the suite's browser in `look`. */
  open(look: Look): Promise<Tab>;
  /** `apiJson` against the suite's server. */
  apiJson<Body>(page: Page, path: string): Promise<Body>;
  /** `logIn` to the suite's server (default: the demo login). */
  logIn(page: Page, email?: string, password?: string): Promise<void>;
}

/**
 * Declares the hooks every dashboard suite shares: beforeAll builds dist/web when stale, then
 * starts `retain start` on a copy of the demo store and Chromium side by side, then runs `setup`
 * (the suite's own data: a second workspace, help articles) — 240 s in all; afterAll closes the
 * browser and stops the server (60 s). Call it at the top level of the test file.
 */
export function dashboardSuite(setup?: (suite: DashboardSuite) => Promise<void>): DashboardSuite {
  let server: Server | undefined;
  let browser: Browser | undefined;
  const suite: DashboardSuite = {
    get server() {
      if (server === undefined) throw new Error('the suite’s server is started in beforeAll');
      return server;
    },
    get browser() {
      if (browser === undefined) throw new Error('the suite’s browser is launched in beforeAll');
      return browser;
    },
    open: (look) => open(suite.browser, look),
    apiJson: (page, path) => apiJson(page, suite.server, path),
    logIn: (page, email, password) => logIn(page, suite.server, email, password),
  };
  beforeAll(async () => {
    prepareWeb();
    [server, browser] = await Promise.all([startServer(), launchChromium()]);
    await setup?.(suite);
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await stopServer(server);
  }, 60_000);
  return suite;
}
