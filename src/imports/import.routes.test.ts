/**
 * The imports API through the real app and middleware (API keys), on both databases: an upload
 * is queued as a job, the worker runs it, and GET reports the outcome; a bad file's problems are
 * reported by line and column; the dialect and column mapping fields reach the job; another
 * workspace's import is a 404; roles are checked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { createApiKey } from '../auth/index.js';
import type { Role } from '../auth/roles.js';
import { newId } from '../db/index.js';
import { Worker } from '../jobs/index.js';
import { buildApp } from '../server/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { importJobHandlers } from './import.jobs.js';

const NOW = Date.UTC(2024, 6, 1);
const directories: string[] = [];
afterAll(() => {
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
});

describeEachDatabase('imports API', (getDb) => {
  const setup = async () => {
    const { db, dialect } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'Shop', slug: `shop-${newId()}`, now: NOW });
    const key = async (role: Role) =>
      (
        await createApiKey(db, {
          workspaceId: workspace.id,
          name: role,
          role,
          grantedBy: null,
          actor: { type: 'system' },
          now: NOW,
        })
      ).key;
    const dataDirectory = mkdtempSync(join(tmpdir(), 'retain-import-routes-'));
    directories.push(dataDirectory);
    const app = buildApp({ db, dialect, now: () => NOW, dataDirectory });
    const upload = async (apiKey: string, csv: string, fields: Record<string, string>) => {
      const form = new FormData();
      form.set('file', new File([csv], 'orders.csv', { type: 'text/csv' }));
      for (const [name, value] of Object.entries(fields)) form.set(name, value);
      const response = await app.request('/api/v1/imports', {
        method: 'POST',
        body: form,
        headers: { Authorization: `Bearer ${apiKey}` },
      });
      // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted shape by shape.
      return { status: response.status, body: (await response.json()) as any };
    };
    const read = async (apiKey: string, id: string) => {
      const response = await app.request(`/api/v1/imports/${id}`, {
        headers: { Authorization: `Bearer ${apiKey}` },
      });
      // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted shape by shape.
      return { status: response.status, body: (await response.json()) as any };
    };
    const worker = new Worker({ db, handlers: importJobHandlers, now: () => NOW });
    return { workspaceId: workspace.id, key, upload, read, worker };
  };

  it('queues an upload as a job; once the worker ran it, GET reports rows read and written', async () => {
    const { key, upload, read, worker, workspaceId } = await setup();
    const analyst = await key('analyst');
    const created = await upload(
      analyst,
      'order_id,customer_id,ordered_at,amount\no1,c1,2024-01-05,10\no2,c2,2024-01-06,5\n',
      {
        type: 'orders',
      },
    );
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({
      status: 'queued',
      type: 'orders',
      format: 'auto', // the default: the job recognises the layout by its header
      fileName: 'orders.csv',
    });
    expect(await worker.drain()).toBe(1);
    const done = await read(analyst, created.body.id);
    expect(done).toMatchObject({
      status: 200,
      body: { status: 'succeeded', rowsRead: 2, rowsWritten: 2, rowsRejected: 0, problems: [] },
    });
    const stored = await getDb()
      .db.selectFrom('customer_order')
      .select('external_id')
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(stored.map((row) => row.external_id).sort()).toEqual(['o1', 'o2']);
  });

  it('reports a rejected file with its problems by line and column', async () => {
    const { key, upload, read, worker } = await setup();
    const admin = await key('admin');
    const created = await upload(admin, 'order_id,customer_id,ordered_at,amount\no1,c1,2024-13-05,10\n', {
      type: 'orders',
    });
    await worker.drain();
    const done = await read(admin, created.body.id);
    expect(done.body).toMatchObject({
      status: 'rejected',
      rowsRejected: 1,
      rowsWritten: 0,
      problems: [{ line: 2, column: 'ordered_at', code: 'invalid-date' }],
    });
  });

  it('answers 400 naming a bad type, 403 to a role that may not import, 404 for another workspace', async () => {
    const mine = await setup();
    const theirs = await setup();
    const analyst = await mine.key('analyst');
    const bad = await mine.upload(analyst, 'x\n1\n', { type: 'invoices' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error.issues)).toContain('type');
    const agent = await mine.key('agent');
    expect((await mine.upload(agent, 'x\n1\n', { type: 'orders' })).status).toBe(403);
    const created = await mine.upload(
      analyst,
      'order_id,customer_id,ordered_at,amount\no1,c1,2024-01-05,10\n',
      { type: 'orders' },
    );
    expect((await theirs.read(await theirs.key('admin'), created.body.id)).status).toBe(404);
    expect((await mine.read(await mine.key('agent'), created.body.id)).status).toBe(200);
  });

  it('reads the dialect and map fields: a ;-file with decimal commas, dates given as DD/MM/YYYY, columns mapped', async () => {
    const { key, upload, read, worker, workspaceId } = await setup();
    const analyst = await key('analyst');
    // 05/03/2024 alone does not say which comes first: dateFormat does. "12,50" shows the decimal comma.
    const csv = 'Nr;Kunde;Datum;Summe\nb1;k1;05/03/2024;12,50\nb2;k2;06/03/2024;1.234,00\n';
    const created = await upload(analyst, csv, {
      type: 'orders',
      delimiter: ';',
      decimal: ',',
      dateFormat: 'DD/MM/YYYY',
      map: JSON.stringify({ order_id: 'Nr', customer_id: 'Kunde', ordered_at: 'Datum', amount: 'Summe' }),
    });
    expect(created.status).toBe(202);
    await worker.drain();
    expect((await read(analyst, created.body.id)).body).toMatchObject({
      status: 'succeeded',
      rowsWritten: 2,
    });
    const stored = await getDb()
      .db.selectFrom('customer_order')
      .select(['external_id', 'ordered_at', 'amount_cents'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('external_id')
      .execute();
    expect(stored.map((row) => [row.external_id, Number(row.ordered_at), row.amount_cents])).toEqual([
      ['b1', Date.UTC(2024, 2, 5), 1_250],
      ['b2', Date.UTC(2024, 2, 6), 123_400],
    ]);

    // Without the fields, the job says what is missing and how to map it.
    const unmapped = await upload(analyst, csv, { type: 'orders' });
    await worker.drain();
    const refused = (await read(analyst, unmapped.body.id)).body;
    expect(refused.status).toBe('rejected');
    expect(refused.problems.at(-1).message).toContain("name the file's columns with --map");

    // A map that is not a JSON object of column names is a 400 naming map, before anything is queued.
    for (const map of ['customer_id=Kunde', '["Kunde"]', JSON.stringify({ customer_id: 7 })]) {
      const bad = await upload(analyst, csv, { type: 'orders', map });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body.error.issues)).toContain('map');
    }
    expect((await upload(analyst, csv, { type: 'orders', delimiter: ':' })).status).toBe(400);
  });
});
