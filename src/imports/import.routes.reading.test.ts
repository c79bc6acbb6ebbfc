/**
 * The probe's files through `POST /api/v1/imports` (issue 9 §2), on both databases, through the
 * real app, API key and job worker: an unclosed quote and text after a closing quote are rejected
 * with their line (they were `succeeded`, 1 row read, and order id `junk`); a Latin-1 upload is
 * rejected naming the encoding, and imported with the `encoding` field.
 */
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { createApiKey } from '../auth/index.js';
import { newId } from '../db/index.js';
import { Worker } from '../jobs/index.js';
import { buildApp } from '../server/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { importJobHandlers } from './import.jobs.js';

const NOW = Date.UTC(2024, 6, 1);
const HEADER = 'order_id,customer_id,ordered_at,amount';

describeEachDatabase('imports API, strict reading', (getDb) => {
  const setup = async () => {
    const { db, dialect } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'Shop', slug: `shop-${newId()}`, now: NOW });
    const { key } = await createApiKey(db, {
      workspaceId: workspace.id,
      name: 'analyst',
      role: 'analyst',
      grantedBy: null,
      actor: { type: 'system' },
      now: NOW,
    });
    const app = buildApp({ db, dialect, now: () => NOW });
    const worker = new Worker({ db, handlers: importJobHandlers });
    /** Uploads `content`, runs the job, and returns the import as GET reports it. */
    const importFile = async (content: string | Uint8Array, fields: Record<string, string> = {}) => {
      const form = new FormData();
      form.set('file', new File([content], 'orders.csv', { type: 'text/csv' }));
      form.set('type', 'orders');
      for (const [name, value] of Object.entries(fields)) form.set(name, value);
      const headers = { Authorization: `Bearer ${key}` };
      const created = await app.request('/api/v1/imports', { method: 'POST', body: form, headers });
      // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted shape by shape.
      const body = (await created.json()) as any;
      if (created.status !== 202) return { status: created.status, body };
      await worker.drain();
      const read = await app.request(`/api/v1/imports/${body.id}`, { headers });
      return { status: read.status, body: await read.json() };
    };
    const stored = async () =>
      (
        await db
          .selectFrom('customer_order')
          .select('external_id')
          .where('workspace_id', '=', workspace.id)
          .orderBy('external_id')
          .execute()
      ).map((row) => row.external_id);
    return { importFile, stored };
  };

  it('rejects an unclosed quote on its line (was: succeeded, 1 row read, 3 lost)', async () => {
    const { importFile, stored } = await setup();
    const done = await importFile(
      `${HEADER}\nq-1,qc-1,2024-01-01,1.00\n"q-2,qc-2,2024-01-02,2.00\nq-3,qc-3,2024-01-03,3.00\nq-4,qc-4,2024-01-04,4.00\n`,
    );
    expect(done.body).toMatchObject({
      status: 'rejected',
      rowsWritten: 0,
      problems: [{ line: 3, column: 'order_id', code: 'unclosed-quote' }],
    });
    expect(await stored()).toEqual([]);
  });

  it('rejects text after a closing quote on its line (was: stored as order "junk")', async () => {
    const { importFile, stored } = await setup();
    const done = await importFile(`${HEADER}\nq-4,qc-4,2024-01-04,4.00\n"q-5"junk,qc-5,2024-01-05,5.00\n`);
    expect(done.body).toMatchObject({
      status: 'rejected',
      rowsRejected: 1,
      problems: [{ line: 3, column: 'order_id', code: 'malformed-quotes' }],
    });
    expect(await stored()).toEqual([]);
  });

  it('rejects a NUL with a problem on its line (was: five attempts, then failed with a raw database error)', async () => {
    const { importFile, stored } = await setup();
    const done = await importFile(`${HEADER}\nn1,c\u00001,2024-01-01,1\n`);
    expect(done.body).toMatchObject({
      status: 'rejected',
      error: null,
      problems: [{ line: 2, column: 'customer_id', code: 'nul-character' }],
    });
    expect(await stored()).toEqual([]);
  });

  it('rejects Latin-1 bytes naming the line, and imports them with encoding=latin1', async () => {
    const { importFile, stored } = await setup();
    const latin1 = Buffer.concat([
      Buffer.from(`${HEADER}\nJos`),
      Buffer.from([0xe9]), // é in Latin-1
      Buffer.from(',c1,2024-01-01,1\n'),
    ]);
    const refused = await importFile(latin1);
    expect(refused.body).toMatchObject({ status: 'rejected', problems: [{ line: 2, code: 'invalid-utf8' }] });
    const converted = await importFile(latin1, { encoding: 'latin1' });
    expect(converted.body).toMatchObject({ status: 'succeeded', rowsWritten: 1 });
    expect(await stored()).toEqual(['José']);
    const unknown = await importFile(latin1, { encoding: 'ebcdic' });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('encoding');
  });
});
