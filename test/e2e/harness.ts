/**
 * What every end-to-end suite of the dashboard needs: `retain start` from the sources on a fresh
 * SQLite store (the demo workspace) and a free port, Chromium tabs in each look, logging in with the
 * printed demo login, screenshots into test-results/, the API read with the tab's cookie, and a check
 * that no text shows an untranslated key. A suite starts its own server in beforeAll
 * (`startServer` / `stopServer`).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { en } from '../../web/src/i18n/messages.js';
import { LOOKS, type Look, watchProblems } from './browser.js';

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

/** `retain start` from the sources on a fresh SQLite store and a free port, up once it listens. */
export async function startServer(): Promise<Server> {
  const directory = mkdtempSync(join(tmpdir(), 'retain-e2e-'));
  const storeUrl = `sqlite:${join(directory, 'retain.db')}`;
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
  });
  const started = Date.now();
  for (;;) {
    const listening = output.match(/listening on (http:\/\/localhost:\d+)/);
    const login = output.match(/Demo login: (\S+) \/ (\S+) \(workspace (\S+)\)/);
    if (listening && login) {
      return {
        url: listening[1]!,
        email: login[1]!,
        password: login[2]!,
        workspace: login[3]!,
        storeUrl,
        child,
        directory,
      };
    }
    if (child.exitCode !== null || Date.now() - started > 120_000) {
      child.kill('SIGKILL');
      throw new Error(`retain start did not come up:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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
