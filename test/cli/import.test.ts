/**
 * `retain import` against a real store (DATABASE_URL), on both databases: a clean import and its
 * summary, --json, a rejected file (exit 2, problems by line and column), --skip-invalid with its
 * rejects file, and the workspace rules (left out when there is one, required when there are two);
 * the layout and dialect said, --map and the dialect flags, header errors kept short with the
 * --map that fixes them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CliError } from '../../src/cli/cli-error.js';
import { runImportCommand } from '../../src/cli/commands/import.run.js';
import { newId } from '../../src/db/index.js';
import { createWorkspace } from '../../src/workspaces/workspace.repository.js';
import { describeEachDatabase } from '../support/databases.js';
import { fixturePath } from '../support/fixtures.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-cli-import-'));
let counter = 0;
function csv(text: string): string {
  const path = join(directory, `orders-${++counter}.csv`);
  writeFileSync(path, text);
  return path;
}

describeEachDatabase('retain import', (getDb) => {
  let previous: string | undefined;
  beforeEach(() => {
    previous = process.env.DATABASE_URL;
    process.env.DATABASE_URL = getDb().url;
  });
  afterEach(() => {
    if (previous === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = previous;
  });

  it('imports into the workspace named, prints a summary, and --json the counts', async () => {
    const { workspace } = await createWorkspace(getDb().db, { name: 'A', slug: `a-${newId()}` });
    const file = csv(
      'order_id,customer_id,ordered_at,amount\no1,c1,2024-01-05,10\no2,c2,2024-01-06,5\no3,c1,2024-01-07,1\n',
    );
    const text = await runImportCommand(file, {
      type: 'orders',
      format: 'generic',
      workspace: workspace.slug,
    });
    expect(text).toBe(
      `Imported 3 orders from ${file} (3 rows read).\n2 customers were created for the records that referenced them.\n`,
    );
    const json = JSON.parse(
      await runImportCommand(file, {
        type: 'orders',
        format: 'generic',
        workspace: String(workspace.id),
        json: true,
      }),
    );
    // The second run finds every row stored: still 3 written (upserted), no new customer.
    expect(json).toMatchObject({
      status: 'succeeded',
      rowsRead: 3,
      rowsWritten: 3,
      customersCreated: 0,
      rejectsFile: null,
    });
  });

  it('rejects a file with invalid rows (exit 2) listing each by line and column, and --skip-invalid writes the rest', async () => {
    const { workspace } = await createWorkspace(getDb().db, { name: 'B', slug: `b-${newId()}` });
    const file = csv('order_id,customer_id,ordered_at,amount\no1,c1,2024-01-05,10\no2,c1,yesterday,5\n');
    const failure = await runImportCommand(file, {
      type: 'orders',
      format: 'generic',
      workspace: String(workspace.id),
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as CliError).exitCode).toBe(2);
    expect((failure as CliError).message).toContain(
      `${file}:3: column "ordered_at": cannot read "yesterday" as a date`,
    );
    expect((failure as CliError).message).toContain('nothing was written');

    const text = await runImportCommand(file, {
      type: 'orders',
      format: 'generic',
      workspace: String(workspace.id),
      skipInvalid: true,
    });
    expect(text).toContain('Imported 1 order from');
    expect(text).toContain(
      `1 invalid row was left out; they are listed with their reasons in ${file}.rejects.csv`,
    );
    expect(readFileSync(`${file}.rejects.csv`, 'utf8').split('\n')[1]).toMatch(
      /^3,"column ""ordered_at"": cannot read ""yesterday"" as a date/,
    );
  });

  it('asks for --workspace when there are several, and refuses an unknown --type or a missing file', async () => {
    await createWorkspace(getDb().db, { name: 'C', slug: `c-${newId()}` });
    const file = csv('order_id,customer_id,ordered_at,amount\no1,c1,2024-01-05,10\n');
    await expect(runImportCommand(file, { type: 'orders', format: 'generic' })).rejects.toThrow(
      /--workspace/,
    );
    await expect(runImportCommand(file, { type: 'invoices', format: 'generic' })).rejects.toThrow(
      /--type: expected one of/,
    );
    await expect(
      runImportCommand(join(directory, 'missing.csv'), { type: 'orders', format: 'generic' }),
    ).rejects.toThrow(/no such file/);
  });

  it('says the layout and dialect it detected, and takes --map as a renamed file would', async () => {
    const db = getDb().db;
    const settings = { currency: 'EUR', timeZone: 'Europe/Berlin' };
    const mapped = (await createWorkspace(db, { name: 'D', slug: `d-${newId()}`, settings })).workspace;
    const german = fixturePath('dialects/shop-orders-de.csv');
    const text = await runImportCommand(german, {
      type: 'orders',
      format: 'auto',
      workspace: mapped.slug,
      map: [
        'customer_id=Kunden-E-Mail,order_id=Bestellnummer',
        'ordered_at="Bestelldatum",amount=Nettobetrag,currency=Währung',
      ],
      json: false,
    });
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe(`Imported 10 orders from ${german} (10 rows read).`);
    expect(lines[1]).toBe('Read as generic orders.');
    expect(lines[2]).toMatch(
      /^Read as ";"-separated \(.*\); decimal comma \(.*\); dates DD\.MM\.YYYY \(.*\)\.$/,
    );

    const renamed = csv(
      readFileSync(german, 'utf8').replace(
        'Bestellnummer;Bestelldatum;Kunden-E-Mail;Artikel;Nettobetrag;Währung',
        'order_id;ordered_at;customer_id;Artikel;amount;currency',
      ),
    );
    const plain = (await createWorkspace(db, { name: 'E', slug: `e-${newId()}`, settings })).workspace;
    const json = JSON.parse(
      await runImportCommand(renamed, { type: 'orders', format: 'auto', workspace: plain.slug, json: true }),
    );
    expect(json).toMatchObject({ status: 'succeeded', rowsWritten: 10, layout: 'generic orders' });
    expect(json.dialect).toMatchObject({ delimiter: ';', decimal: ',', dateFormat: 'DD.MM.YYYY' });
    const stored = (workspaceId: number) =>
      db
        .selectFrom('customer_order')
        .select(['external_id', 'ordered_at', 'amount_cents', 'currency', 'status'])
        .where('workspace_id', '=', workspaceId)
        .orderBy('external_id')
        .execute();
    expect(await stored(plain.id)).toEqual(await stored(mapped.id));
    expect(await stored(plain.id)).toHaveLength(10);
  });

  it("keeps a 79-column header's errors short: a few names, the --map that fixes it, or the --type meant", async () => {
    const { workspace } = await createWorkspace(getDb().db, { name: 'F', slug: `f-${newId()}` });
    // Shopify's orders export forced to the generic layout.
    const shopify = fixturePath('exports/shopify-orders.csv');
    const failure = (await runImportCommand(shopify, {
      type: 'orders',
      format: 'generic',
      workspace: workspace.slug,
    }).catch((error: unknown) => error)) as CliError;
    expect(failure).toBeInstanceOf(CliError);
    expect(failure.exitCode).toBe(2);
    const lines = failure.message.split('\n');
    expect(lines[0]).toBe(`${shopify} was not imported (nothing was written):`);
    expect(lines).toHaveLength(5); // customer_id, order_id, ordered_at, amount
    expect(failure.message.length).toBeLessThan(900);
    expect(failure.message).not.toContain('Payment References'); // the 79th column, never listed
    expect(failure.message.match(/Financial Status/gu)).toHaveLength(1); // the header named once
    expect(lines.at(-1)).toContain(
      '--map customer_id=Email,order_id=Name,ordered_at="Created at",amount=Subtotal',
    );

    const subscriptions = fixturePath('cli/subscriptions.csv');
    const wrongType = (await runImportCommand(subscriptions, {
      type: 'orders',
      format: 'auto',
      workspace: workspace.slug,
    }).catch((error: unknown) => error)) as CliError;
    expect(wrongType.message).toContain('did you mean --type subscriptions?');
  });

  it("says which column a Stripe export's subscription starts were read from", async () => {
    const { workspace } = await createWorkspace(getDb().db, { name: 'H', slug: `h-${newId()}` });
    const stripe = fixturePath('exports/stripe-subscriptions.csv');
    const text = await runImportCommand(stripe, {
      type: 'subscriptions',
      format: 'auto',
      workspace: workspace.slug,
    });
    expect(text).toContain(
      'Read as a Stripe subscriptions export.\nSubscription starts read from "Start Date (UTC)".',
    );
    const renamed = csv(readFileSync(stripe, 'utf8').replace('Start Date (UTC)', 'Start (UTC)'));
    const json = JSON.parse(
      await runImportCommand(renamed, {
        type: 'subscriptions',
        format: 'auto',
        workspace: workspace.slug,
        json: true,
      }),
    );
    expect(json.columns.started_at).toBe('Start (UTC)');
  });
});
