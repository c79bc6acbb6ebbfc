/**
 * `retain start` and `retain worker` for real: a child process on a temporary SQLite store and a
 * free port, probed over HTTP, then stopped with SIGTERM; it must exit 0 and leave a usable store.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listWorkspaces, migrateToLatest, openDatabase } from '../../src/db/index.js';

const ENTRY = join(import.meta.dirname, 'start-entry.ts');
const directories: string[] = [];

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function launch(command: string, databaseUrl: string): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, command], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { child, output: () => text };
}

async function waitFor(output: () => string, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  const started = Date.now();
  for (;;) {
    const match = output().match(pattern);
    if (match) return match;
    if (Date.now() - started > timeoutMs)
      throw new Error(`Timed out waiting for ${pattern}; output:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

function temporaryStore(): { path: string; url: string } {
  const directory = mkdtempSync(join(tmpdir(), 'retain-start-'));
  directories.push(directory);
  const path = join(directory, 'retain.db');
  return { path, url: `sqlite:${path}` };
}

describe('retain start', () => {
  it('migrates, serves the API on PORT, and exits 0 on SIGTERM leaving the store intact', async () => {
    const store = temporaryStore();
    const { child, output } = launch('start', store.url);
    const exited = exitCode(child);
    const [, url] = await waitFor(output, /listening on (http:\/\/localhost:\d+)/);
    expect(output()).toMatch(/Store migrated \(001_initial/);
    expect(output()).toMatch(/Demo login: demo@retain\.local \/ \S+/);

    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const document = (await (await fetch(`${url}/api/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toContain('/api/v1/analytics/retention');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output()).toContain('Stopped.');

    expect(existsSync(store.path)).toBe(true);
    const reopened = openDatabase(store.url);
    try {
      expect(await migrateToLatest(reopened.db)).toEqual([]); // already at the latest schema
      // The demo workspace loaded on this first run is there after the shutdown.
      expect((await listWorkspaces(reopened.db)).map((workspace) => workspace.slug)).toEqual(['demo-cdnow']);
    } finally {
      await reopened.close();
    }
  }, 60_000);
});

describe('retain worker', () => {
  it('runs the job loop and exits 0 on SIGTERM', async () => {
    const store = temporaryStore();
    const { child, output } = launch('worker', store.url);
    const exited = exitCode(child);
    await waitFor(output, /Worker .* is running/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output()).toContain('Stopped.');
  }, 60_000);
});
