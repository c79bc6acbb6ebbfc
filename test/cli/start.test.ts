/**
 * `retain start` and `retain worker` for real: a child process on a temporary SQLite store and a
 * free port, probed over HTTP, then stopped with SIGTERM; it must exit 0 and leave a usable store.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase } from '../../src/db/index.js';
import { listWorkspaces } from '../../src/workspaces/workspace.repository.js';

const ENTRY = join(import.meta.dirname, 'start-entry.ts');
const directories: string[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  // A failed assertion must not leave a server running: stop every child this file started.
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function launch(
  command: string,
  databaseUrl: string,
  port = '0',
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, command], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
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
    // The analytics of the served app run in worker threads opening this store (issue 9).
    expect(output()).toMatch(/Analytics are computed in \d+ worker threads? \(at most 60 s a request/);

    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const document = (await (await fetch(`${url}/api/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toContain('/api/v1/analytics/retention');

    // An upload is run by the server's own job worker: log in as the demo user, upload, poll.
    const [, password] = (await waitFor(
      output,
      /Demo login: demo@retain\.local \/ (\S+)/,
    )) as RegExpMatchArray;
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ workspace: 'demo-cdnow', email: 'demo@retain.local', password }),
    });
    expect(login.status).toBe(200);
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const form = new FormData();
    form.set('type', 'orders');
    form.set('format', 'generic');
    form.set(
      'file',
      new Blob([
        'customer_id,order_id,ordered_at,amount\nnew-1,upload-1,2024-01-05,12.30\nnew-2,upload-2,2024-01-06,4.00\n',
      ]),
      'orders.csv',
    );
    const upload = await fetch(`${url}/api/v1/imports`, {
      method: 'POST',
      headers: { Cookie: cookie, 'X-CSRF-Token': csrfToken },
      body: form,
    });
    expect(upload.status).toBe(202);
    const { id } = (await upload.json()) as { id: string };
    let status = 'queued';
    for (let attempt = 0; attempt < 100 && (status === 'queued' || status === 'running'); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const run = (await (
        await fetch(`${url}/api/v1/imports/${id}`, { headers: { Cookie: cookie } })
      ).json()) as { status: string };
      status = run.status;
    }
    expect(status).toBe('succeeded');

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

describe('retain start on a port in use', () => {
  it('says so in one line and exits 1 at once, leaving nothing running', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const store = temporaryStore();
      const { child, output } = launch('start', store.url, String(port));
      const started = Date.now();
      expect(await exitCode(child)).toBe(1);
      // Before the demo import: the port is checked first.
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(output()).toContain(
        `retain: port ${port} is in use; set PORT to a free one (e.g. PORT=${port + 1} npm start)`,
      );
      expect(output()).not.toMatch(/\n\s+at /); // no stack trace
      expect(output()).not.toContain('Demo login');
    } finally {
      blocker.close();
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
