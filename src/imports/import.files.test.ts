/**
 * The files the server keeps for an import (issue 9, §3): the probe found `--skip-invalid` rejects
 * written to `/tmp/retain-imports/<id>.csv.rejects.csv`, world-readable, never deleted, untouched
 * by erasure, and failed uploads kept for ever. Through the real app and worker, on both databases:
 * uploads and rejects files live in the data directory, folders 0700 and files 0600; the expiry job
 * deletes them when the retention after the import's end has passed (driven by the worker's clock,
 * never by waiting), failed imports' uploads included; erasing a customer deletes the kept files
 * that name them and leaves the others.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { createApiKey } from '../auth/index.js';
import { newId, parseRowId } from '../db/index.js';
import { type JobHandler, listJobs, Worker } from '../jobs/index.js';
import { eraseCustomer } from '../privacy/index.js';
import { buildApp } from '../server/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { fileHoldsAny, IMPORT_FILES_JOB_TYPE } from './import.files.js';
import { IMPORT_JOB_TYPE, importJobHandlers } from './import.jobs.js';

const NOW = Date.UTC(2024, 6, 1);
const DAY = 86_400_000;
const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

/** Orders with one invalid row (line 3, Bob's), for `skipInvalid`. */
const WITH_BOB_REJECTED = [
  'order_id,customer_id,email,ordered_at,amount',
  'o1,ann-1,ann@example.com,2024-01-05,10.00',
  'o2,bob-2,Bob.Two@Example.com,2024-01-06,not-an-amount',
  'o3,cy-3,cy@example.com,2024-01-07,5.00',
].join('\n');

/** Orders with one invalid row that is not Bob's. */
const WITH_CY_REJECTED = [
  'order_id,customer_id,email,ordered_at,amount',
  'o4,bob-2,bob.two@example.com,2024-01-08,10.00',
  'o5,cy-3,cy@example.com,someday,5.00',
].join('\n');

const modeOf = (path: string): number => statSync(path).mode & 0o777;

describeEachDatabase('imports: kept files', (getDb) => {
  const setup = async (options: { retentionDays?: number } = {}) => {
    const { db, dialect } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'Shop', slug: `files-${newId()}`, now: NOW });
    const { key } = await createApiKey(db, {
      workspaceId: workspace.id,
      name: 'analyst',
      role: 'admin',
      grantedBy: null,
      actor: { type: 'system' },
      now: NOW,
    });
    const dataDirectory = mkdtempSync(join(tmpdir(), 'retain-import-files-'));
    directories.push(dataDirectory);
    const app = buildApp(
      { db, dialect, now: () => NOW, dataDirectory },
      options.retentionDays === undefined ? {} : { importFilesRetentionMs: options.retentionDays * DAY },
    );
    const folder = join(dataDirectory, 'imports', String(workspace.id));
    const upload = async (csv: string, skipInvalid = true): Promise<number> => {
      const form = new FormData();
      form.set('file', new File([csv], 'orders.csv', { type: 'text/csv' }));
      form.set('type', 'orders');
      form.set('format', 'generic');
      form.set('skipInvalid', String(skipInvalid));
      const response = await app.request('/api/v1/imports', {
        method: 'POST',
        body: form,
        headers: { Authorization: `Bearer ${key}` },
      });
      expect(response.status).toBe(202);
      return parseRowId(((await response.json()) as { id: string }).id)!;
    };
    /**
     * A worker whose clock reads `at`, running every due job. Tests in a block share the database,
     * so it runs other workspaces' jobs too: assertions look at this workspace's files and jobs.
     */
    const runJobsAt = (at: number, handlers = importJobHandlers) =>
      new Worker({ db, handlers, now: () => at, backoff: { baseMs: 0 } }).drain();
    const files = () => (existsSync(folder) ? readdirSync(folder).sort() : []);
    const expiryJobs = async (status: 'queued' | 'succeeded') =>
      (await listJobs(db, workspace.id, { type: IMPORT_FILES_JOB_TYPE, status })).length;
    const importJob = async () => (await listJobs(db, workspace.id, { type: IMPORT_JOB_TYPE }))[0];
    return {
      workspaceId: workspace.id,
      dataDirectory,
      folder,
      upload,
      runJobsAt,
      files,
      expiryJobs,
      importJob,
    };
  };

  it('keeps the upload and the rejects file in the data directory, folders 0700 and files 0600, not in /tmp', async () => {
    const { dataDirectory, folder, upload, runJobsAt, files } = await setup();
    // An older install's folder, readable by all, is tightened.
    mkdirSync(join(dataDirectory, 'imports'), { mode: 0o755 });
    const id = await upload(WITH_BOB_REJECTED);
    expect(files()).toEqual([`${id}.csv`]);
    expect(modeOf(join(dataDirectory, 'imports'))).toBe(0o700);
    expect(modeOf(folder)).toBe(0o700);
    expect(modeOf(join(folder, `${id}.csv`))).toBe(0o600);

    await runJobsAt(NOW); // the import; its files' expiry is not due
    // The upload goes with the verdict; the rejects file stays, owner-only, beside where it was.
    expect(files()).toEqual([`${id}.rejects.csv`]);
    const rejects = join(folder, `${id}.rejects.csv`);
    expect(modeOf(rejects)).toBe(0o600);
    expect(readFileSync(rejects, 'utf8')).toContain('o2,bob-2,Bob.Two@Example.com');
    expect(existsSync(join(tmpdir(), 'retain-imports', `${id}.csv.rejects.csv`))).toBe(false);
  });

  it('deletes the files when the retention after the import finished has passed, and not before', async () => {
    const { upload, runJobsAt, files, expiryJobs } = await setup();
    const id = await upload(WITH_BOB_REJECTED);
    // The import runs two days after the upload: its files are due 7 days after that.
    await runJobsAt(NOW + 2 * DAY);
    expect(files()).toEqual([`${id}.rejects.csv`]);
    // 7 days after the upload the check runs, finds the import finished 5 days ago, and waits.
    await runJobsAt(NOW + 7 * DAY);
    expect(files()).toEqual([`${id}.rejects.csv`]);
    expect(await expiryJobs('queued')).toBe(1);
    await runJobsAt(NOW + 9 * DAY - 1);
    expect(files()).toEqual([`${id}.rejects.csv`]);
    await runJobsAt(NOW + 9 * DAY);
    expect(files()).toEqual([]);
    expect(await expiryJobs('queued')).toBe(0);
  });

  it('takes the retention from the app options (RETAIN_IMPORT_FILES_DAYS)', async () => {
    const { upload, runJobsAt, files } = await setup({ retentionDays: 1 });
    const id = await upload(WITH_BOB_REJECTED);
    await runJobsAt(NOW);
    expect(files()).toEqual([`${id}.rejects.csv`]);
    await runJobsAt(NOW + DAY);
    expect(files()).toEqual([]);
  });

  it('keeps the upload of an import not yet run, and deletes that of an import that failed for good', async () => {
    const { upload, runJobsAt, files, importJob } = await setup();
    const id = await upload(WITH_BOB_REJECTED);
    // Nobody ran the import for 7 days: the check finds it unfinished and looks again later.
    const expiryOnly = Object.fromEntries(
      Object.entries(importJobHandlers).filter(([type]) => type !== IMPORT_JOB_TYPE),
    );
    await runJobsAt(NOW + 7 * DAY, expiryOnly);
    expect(files()).toEqual([`${id}.csv`]);
    // Now every attempt of the import fails (5 attempts, no backoff): the job is dead at +8 days.
    const failing: JobHandler = async () => {
      throw new Error('the worker ran out of memory');
    };
    await runJobsAt(NOW + 8 * DAY, { ...expiryOnly, [IMPORT_JOB_TYPE]: failing });
    expect(await importJob()).toMatchObject({ status: 'dead', attempts: 5, finishedAt: NOW + 8 * DAY });
    expect(files()).toEqual([`${id}.csv`]);
    // The check set for +14 days finds it failed for good at +8: due at +15.
    await runJobsAt(NOW + 15 * DAY - 1, expiryOnly);
    expect(files()).toEqual([`${id}.csv`]);
    await runJobsAt(NOW + 15 * DAY, expiryOnly);
    expect(files()).toEqual([]);
  });

  it('deletes on erasure the kept files that name the customer, and only those', async () => {
    const { db } = getDb();
    const { workspaceId, dataDirectory, upload, runJobsAt, files } = await setup();
    const bobs = await upload(WITH_BOB_REJECTED);
    const cys = await upload(WITH_CY_REJECTED);
    await runJobsAt(NOW);
    expect(files()).toEqual([`${bobs}.rejects.csv`, `${cys}.rejects.csv`].sort());
    // An upload not yet imported names Bob too: it is the import's until it has finished.
    const pending = await upload(WITH_BOB_REJECTED.replace('o1,', 'o9,'));
    const bob = await db
      .selectFrom('customer')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('external_id', '=', 'bob-2')
      .executeTakeFirstOrThrow();
    const result = await eraseCustomer(db, {
      workspaceId,
      customerId: bob.id,
      actor: { type: 'system' },
      now: NOW,
      dataDirectory,
    });
    expect(result.importFilesDeleted).toBe(1);
    // Bob's rejected row is gone with its file; Cy's rejects file (Bob's row in it was valid, so
    // not kept) stays; the pending upload stays.
    expect(files()).toEqual([`${cys}.rejects.csv`, `${pending}.csv`].sort());
    for (const name of files().filter((name) => name.endsWith('.rejects.csv'))) {
      expect(readFileSync(join(dataDirectory, 'imports', String(workspaceId), name), 'utf8')).not.toMatch(
        /bob/i,
      );
    }
  });
});

it('finds an identity as a whole value, whatever its case, across chunk edges, not inside a longer id', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'retain-import-holds-'));
  directories.push(directory);
  const file = (name: string, text: string): string => {
    const path = join(directory, name);
    writeFileSync(path, text);
    return path;
  };
  const padding = 'x,'.repeat(600_000); // past the 1 MiB read chunk
  expect(await fileHoldsAny(file('a.csv', `id,email\nbob-2,BOB@example.com\n`), ['bob@example.com'])).toBe(
    true,
  );
  expect(await fileHoldsAny(file('b.csv', `id\nbob-22\nxbob-2\n`), ['bob-2'])).toBe(false);
  expect(await fileHoldsAny(file('c.csv', `${padding}"bob-2"`), ['bob-2'])).toBe(true);
  expect(await fileHoldsAny(file('d.csv', `${padding.slice(0, 1_048_570)}bob-2,`), ['bob-2'])).toBe(true);
  expect(await fileHoldsAny(file('e.csv', 'bob-2'), ['bob-2'])).toBe(true);
  expect(await fileHoldsAny(file('f.csv', 'bob-2'), ['', '  '])).toBe(false);
});
