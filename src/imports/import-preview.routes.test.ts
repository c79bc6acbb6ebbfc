/**
 * `POST /api/v1/imports/preview` through the real app on both databases: the layout recognised as
 * the import recognises it (fixtures of each vendor), the column of each field, a `map` that binds
 * other headers, the first rows' problems by line as the import reports them, a cut last line, and
 * the bounds (64 KiB, roles, bad options).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { createApiKey } from '../auth/index.js';
import type { Role } from '../auth/roles.js';
import { newId } from '../db/index.js';
import { buildApp } from '../server/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { MAX_PREVIEW_BYTES, PREVIEW_ROWS } from './import.preview.js';

const NOW = Date.UTC(2024, 6, 1);
const FIXTURES = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'csv');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

describeEachDatabase('import preview API', (getDb) => {
  async function setup() {
    const { db, dialect } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'Shop', slug: `shop-${newId()}`, now: NOW });
    const keys = {} as Record<Role, string>;
    for (const role of ['analyst', 'agent'] as const) {
      keys[role] = (
        await createApiKey(db, {
          workspaceId: workspace.id,
          name: role,
          role,
          grantedBy: null,
          actor: { type: 'system' },
          now: NOW,
        })
      ).key;
    }
    const app = buildApp({ db, dialect, now: () => NOW });
    const preview = async (
      bytes: Uint8Array | string,
      fields: Record<string, string>,
      role: Role = 'analyst',
    ) => {
      const form = new FormData();
      form.set('file', new File([bytes], 'head.csv', { type: 'text/csv' }));
      for (const [name, value] of Object.entries(fields)) form.set(name, value);
      const response = await app.request('/api/v1/imports/preview', {
        method: 'POST',
        body: form,
        headers: { Authorization: `Bearer ${keys[role]}` },
      });
      // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted shape by shape.
      return { status: response.status, body: (await response.json()) as any };
    };
    return { preview, db, workspaceId: workspace.id };
  }

  it('recognises each vendor layout from the header, as the import does', async () => {
    const { preview } = await setup();
    const generic = await preview(fixture('generic-orders.csv'), { type: 'orders' });
    expect(generic.status).toBe(200);
    expect(generic.body).toMatchObject({
      type: 'orders',
      layout: 'generic',
      detectedBy: 'header',
      columns: ['customer_id', 'order_id', 'ordered_at', 'amount', 'currency', 'country'],
      missing: [],
      truncated: false,
    });
    expect(generic.body.mapping).toEqual({
      customer_id: 'customer_id',
      order_id: 'order_id',
      ordered_at: 'ordered_at',
      amount: 'amount',
      currency: 'currency',
    });
    expect(generic.body.fields.find((field: { field: string }) => field.field === 'status')).toEqual({
      field: 'status',
      required: false,
      column: null,
    });
    // The rows as written: the quoted customer id keeps its comma.
    expect(generic.body.rows[1]).toEqual([
      'Doe, Jane',
      'o2',
      '2024-01-06T10:15:00Z',
      '1,234.56',
      'USD',
      'FR',
    ]);

    const shopify = await preview(fixture('shopify-orders.csv'), { type: 'orders' });
    expect(shopify.body).toMatchObject({ layout: 'shopify', detectedBy: 'header', missing: [] });
    expect(shopify.body.mapping.email).toBe('Email');

    const stripe = await preview(fixture('stripe-subscriptions.csv'), { type: 'subscriptions' });
    expect(stripe.body).toMatchObject({ layout: 'stripe', detectedBy: 'header', missing: [] });
    // A format named by the caller is used as is: a Shopify file read as generic lacks its fields.
    const forced = await preview(fixture('shopify-orders.csv'), { type: 'orders', format: 'generic' });
    expect(forced.body).toMatchObject({ layout: 'generic', detectedBy: 'format' });
    expect(forced.body.missing).toEqual(['customer_id', 'order_id', 'ordered_at', 'amount']);
  });

  it('lists the missing fields, and binds other headers with a map', async () => {
    const { preview } = await setup();
    const csv = 'Client,Ref,Created at,Total\nann@example.com,A-1,2024-05-01 10:00:00 +0000,10.00\n';
    const unmapped = await preview(csv, { type: 'orders' });
    expect(unmapped.body.missing).toEqual(['customer_id', 'order_id', 'ordered_at', 'amount']);
    expect(unmapped.body.problems).toEqual([]);
    expect(unmapped.body.rows).toEqual([['ann@example.com', 'A-1', '2024-05-01 10:00:00 +0000', '10.00']]);

    const map = { customer_id: 'Client', order_id: 'Ref', ordered_at: 'created at', amount: 'Total' };
    const mapped = await preview(csv, { type: 'orders', map: JSON.stringify(map) });
    expect(mapped.status).toBe(200);
    expect(mapped.body.missing).toEqual([]);
    expect(mapped.body.mapping).toMatchObject({
      customer_id: 'Client',
      ordered_at: 'Created at',
      amount: 'Total',
    });
    expect(mapped.body.problems).toEqual([]);

    const wrong = await preview(csv, {
      type: 'orders',
      map: JSON.stringify({ ...map, colour: 'Total', amount: 'Price' }),
    });
    expect(wrong.body.problems).toHaveLength(2);
    expect(wrong.body.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: 1, code: 'unknown-field', column: null }),
        expect.objectContaining({ line: 1, code: 'missing-column', column: 'Price' }),
      ]),
    );
    expect(wrong.body.missing).toEqual(['amount']);
    expect((await preview(csv, { type: 'orders', map: '["not", "an object"]' })).status).toBe(400);
  });

  it('reports the first rows’ problems by physical line, as the import would', async () => {
    const { preview } = await setup();
    const csv = [
      'customer_id,order_id,ordered_at,amount',
      'c1,o1,2024-01-05,12.30',
      'c2,o2,"2024-01-06',
      'T10:15:00Z",abc', // a quoted date over two lines: the amount is on line 4
      'c3,o3,not a date,5',
      '',
    ].join('\n');
    const answer = await preview(csv, { type: 'orders' });
    expect(answer.status).toBe(200);
    expect(
      answer.body.problems.map((problem: { line: number; column: string }) => [problem.line, problem.column]),
    ).toEqual([
      [3, 'ordered_at'],
      [3, 'amount'],
      [5, 'ordered_at'],
    ]);
    expect(answer.body.problems[1].code).toBe('invalid-amount');
  });

  it('reads a file’s first 64 KiB: the cut last line is left out, more is refused', async () => {
    const { preview } = await setup();
    // Rows of ~5 KB (a long note): 64 KiB hold 12 of them and cut the 13th in the middle.
    const note = 'x'.repeat(5_000);
    const lines = ['customer_id,order_id,ordered_at,amount,note'];
    for (let index = 0; lines.join('\n').length < 2 * MAX_PREVIEW_BYTES; index++) {
      lines.push(`customer-${index},order-${index},2024-01-05T10:00:00Z,${index}.25,${note}`);
    }
    const file = new TextEncoder().encode(lines.join('\n'));
    const head = file.subarray(0, MAX_PREVIEW_BYTES);
    const answer = await preview(head, { type: 'orders', truncated: 'true' });
    expect(answer.status).toBe(200);
    expect(answer.body.rows).toHaveLength(12);
    expect(answer.body.rows.at(-1)[4]).toBe(note);
    expect(answer.body.problems).toEqual([]);
    expect(answer.body.truncated).toBe(true);
    // Sent as the whole file, the cut line is a row like another (and a short one).
    const whole = await preview(head, { type: 'orders' });
    expect(whole.body.rows).toHaveLength(13);
    // The first 20 rows of a file of short rows are read, however many more follow.
    const short = ['customer_id,order_id,ordered_at,amount'];
    for (let index = 0; index < 5_000; index++) short.push(`c${index},o${index},2024-01-05,1`);
    const many = await preview(new TextEncoder().encode(short.join('\n')).subarray(0, MAX_PREVIEW_BYTES), {
      type: 'orders',
      truncated: 'true',
    });
    expect(many.body.rows).toHaveLength(PREVIEW_ROWS);
    // One byte more than a preview reads: refused before anything is read.
    expect(
      (await preview(file.subarray(0, MAX_PREVIEW_BYTES + 1), { type: 'orders', truncated: 'true' })).status,
    ).toBe(413);
  });

  it('reads a ;-separated file with decimal commas as the import would, and takes the dialect fields', async () => {
    const { preview } = await setup();
    const german = readFileSync(join(FIXTURES, '..', 'dialects', 'shop-orders-de.csv'));
    const map = JSON.stringify({
      order_id: 'Bestellnummer',
      customer_id: 'Kunden-E-Mail',
      ordered_at: 'Bestelldatum',
      amount: 'Nettobetrag',
      currency: 'Währung',
    });
    const read = await preview(german, { type: 'orders', map });
    expect(read.status).toBe(200);
    expect(read.body.columns).toHaveLength(7);
    expect(read.body.dialect).toMatchObject({ delimiter: ';', decimal: ',', dateFormat: 'DD.MM.YYYY' });
    expect(read.body.rows[1]).toEqual([
      '10002',
      '05.01.2024 18:40',
      'jonas.weber@example.de',
      'Tee; grün, 100 g',
      '12,50',
      'EUR',
      'DE',
    ]);
    // The workspace is USD: the rows themselves read, so only the import's file-level check refuses.
    expect(read.body.problems).toEqual([]);
    // Forced to a decimal point, "12,50" is refused as the import would refuse it.
    const forced = await preview(german, { type: 'orders', map, decimal: '.' });
    expect(forced.body.dialect.reasons.decimal).toBe('as asked');
    expect(forced.body.problems[0]).toMatchObject({
      line: 2,
      column: 'Nettobetrag',
      code: 'ambiguous-amount',
    });
  });

  it('reads with the strict reader in the file’s dialect and encoding: latin1 converted, a bad quote named', async () => {
    const { preview } = await setup();
    const latin1 = Buffer.from(
      'order_id;customer_id;ordered_at;amount\no1;M\u00fcller;2024-01-05;12,50\n',
      'latin1',
    );
    // Not UTF-8: refused by default, naming the line and --encoding; read with encoding latin1.
    // (the decoder refuses the chunk before any record is handed on, so the header too: a 400)
    const refused = await preview(latin1, { type: 'orders' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.issues).toEqual([
      expect.objectContaining({
        path: ['file'],
        message: expect.stringMatching(/^line 2: .*not UTF-8.*latin1/u),
      }),
    ]);
    const read = await preview(latin1, { type: 'orders', encoding: 'latin1' });
    expect(read.body.dialect).toMatchObject({ delimiter: ';', decimal: ',' });
    expect(read.body.rows).toEqual([['o1', 'M\u00fcller', '2024-01-05', '12,50']]);
    expect(read.body.problems).toEqual([]);
    // Text after a closing quote, with ';' as the delimiter: that row's problem, by line.
    const junk = await preview(
      'order_id;customer_id;ordered_at;amount\no1;c1;2024-01-05;1\n"o2"x;c2;2024-01-06;2\n',
      {
        type: 'orders',
      },
    );
    expect(junk.body.problems).toEqual([
      {
        line: 3,
        column: 'order_id',
        code: 'malformed-quotes',
        message: 'a closing quote must be followed by ";" or the end of the line',
      },
    ]);
  });

  it('checks the role and the options', async () => {
    const { preview } = await setup();
    const csv = fixture('generic-orders.csv');
    expect((await preview(csv, { type: 'orders' }, 'agent')).status).toBe(403);
    expect((await preview(csv, { type: 'invoices' })).status).toBe(400);
    const shopifySubscriptions = await preview(csv, { type: 'subscriptions', format: 'shopify' });
    expect(shopifySubscriptions.status).toBe(400);
    expect(shopifySubscriptions.body.error.message).toMatch(
      /subscriptions can be imported as: auto, generic, stripe/,
    );
    expect((await preview('', { type: 'orders' })).status).toBe(400);
    const headerOnly = await preview('customer_id,order_id,ordered_at,amount\n', { type: 'orders' });
    expect(headerOnly.body.problems).toEqual([expect.objectContaining({ line: 1, code: 'no-rows' })]);
  });
});
