/**
 * The import of files in other dialects and layouts, on both databases: a `;`-separated European
 * export with decimal commas and day-first dates (read with `map`, exactly as the same file with the
 * generic column names), a tab-separated file, ambiguous dates and amounts refused naming the
 * option that decides, mixed currencies and a currency other than the workspace's refused, and the
 * header errors (short, with the `--map` that fixes them, or the other `--type`). Expected values
 * are read off the fixtures by hand (the arithmetic is in the comments).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { fixturePath } from '../../test/support/fixtures.js';
import { readOrdersCsv } from '../csv/index.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { runImport } from './import.service.js';
import type { ImportReadOptions } from './import.types.js';

const GERMAN = fixturePath('dialects/shop-orders-de.csv');
const TABS = fixturePath('dialects/orders.tsv');
/** The German columns named for the generic fields (what the header error suggests, see below). */
const GERMAN_MAP = {
  order_id: 'Bestellnummer',
  customer_id: 'Kunden-E-Mail',
  ordered_at: 'Bestelldatum',
  amount: 'Nettobetrag',
  currency: 'Währung',
};

const directory = mkdtempSync(join(tmpdir(), 'retain-import-dialects-'));
let fileCounter = 0;
function file(text: string, extension = 'csv'): string {
  const path = join(directory, `file-${++fileCounter}.${extension}`);
  writeFileSync(path, text);
  return path;
}

/** The German file with its header replaced by the generic names (same bytes otherwise). */
function renamedGermanFile(): string {
  const text = readFileSync(GERMAN, 'utf8');
  const body = text.slice(text.indexOf('\r\n'));
  return file(`\ufefforder_id;ordered_at;customer_id;Artikel;amount;currency;Land${body}`);
}

describeEachDatabase('imports in other dialects', (getDb) => {
  const workspace = async (settings: { currency?: string; timeZone?: string } = {}) =>
    (await createWorkspace(getDb().db, { name: 'Shop', slug: `shop-${newId()}`, settings })).workspace.id;
  const stored = async (workspaceId: number) => {
    const { db } = getDb();
    const orders = await db
      .selectFrom('customer_order as o')
      .innerJoin('customer as c', (join) =>
        join.onRef('c.workspace_id', '=', 'o.workspace_id').onRef('c.id', '=', 'o.customer_id'),
      )
      .select([
        'o.external_id',
        'c.external_id as customer',
        'o.ordered_at',
        'o.amount_cents',
        'o.currency',
        'o.status',
      ])
      .where('o.workspace_id', '=', workspaceId)
      .orderBy('o.external_id')
      .execute();
    const refunds = await db
      .selectFrom('refund')
      .select(['amount_cents', 'refunded_at'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    return { orders: orders.map((order) => ({ ...order, ordered_at: Number(order.ordered_at) })), refunds };
  };
  const importOrders = (workspaceId: number, path: string, read?: ImportReadOptions) =>
    runImport(getDb().db, {
      workspaceId,
      path,
      type: 'orders',
      format: 'auto',
      ...(read === undefined ? {} : { read }),
    });

  it('imports a ;-separated export with decimal commas and day-first dates through map, as the renamed file and as analyze', async () => {
    const settings = { currency: 'EUR', timeZone: 'Europe/Berlin' };
    const mapped = await workspace(settings);
    const outcome = await importOrders(mapped, GERMAN, { map: GERMAN_MAP });
    expect(outcome.run.problems).toEqual([]);
    expect(outcome.run).toMatchObject({ status: 'succeeded', rowsRead: 10, rowsWritten: 10 });
    expect(outcome.dialect).toMatchObject({ delimiter: ';', decimal: ',', dateFormat: 'DD.MM.YYYY' });
    expect(outcome.layout).toBe('generic orders');
    const { orders, refunds } = await stored(mapped);
    // Berlin is UTC+1 until 31 March 2024 02:00, then UTC+2: 31.03.2024 23:59 is 21:59 UTC.
    const at = (month: number, day: number, hour: number, minute: number) =>
      Date.UTC(2024, month - 1, day, hour, minute);
    expect(
      orders.map((order) => [order.external_id, order.customer, order.ordered_at, order.amount_cents]),
    ).toEqual([
      ['10001', 'anna.schmidt@example.de', at(1, 2, 8, 15), 123_456], // "1.234,56"
      ['10002', 'jonas.weber@example.de', at(1, 5, 17, 40), 1_250], // "12,50"
      ['10003', 'marie.dubois@example.fr', at(1, 14, 10, 2), 8_990],
      ['10004', 'anna.schmidt@example.de', at(2, 3, 6, 55), 450], // "4,5"
      ['10005', 'lukas.gruber@example.at', at(2, 17, 19, 30), 14_900],
      ['10006', 'jonas.weber@example.de', at(2, 29, 11, 0), 2_500],
      ['10007', 'sofia.rossi@example.it', at(3, 4, 15, 20), 5_900],
      ['10008', 'anna.schmidt@example.de', at(3, 31, 21, 59), 1_800],
      ['10009', 'lena.fischer@example.de', at(4, 2, 6, 5), 999],
      // "-89,90" on R-10003: a refund row, stored as a zero-amount order holding the refund.
      ['R-10003:refund:2024-03-20T09:00:00.000Z', 'marie.dubois@example.fr', at(3, 20, 9, 0), 0],
    ]);
    expect(new Set(orders.map((order) => order.currency))).toEqual(new Set(['EUR']));
    expect(refunds).toEqual([{ amount_cents: 8_990, refunded_at: at(3, 20, 9, 0) }]);

    // The same file under the generic column names, no map: the same rows.
    const renamed = await workspace(settings);
    expect((await importOrders(renamed, renamedGermanFile())).run.status).toBe('succeeded');
    expect(await stored(renamed)).toEqual({ orders, refunds });

    // retain analyze reads the same orders: 9 orders and the refund, 1,602.45 − 89.90 = 1,512.55.
    const analyzed = await readOrdersCsv(GERMAN, { map: GERMAN_MAP, timeZone: 'Europe/Berlin' });
    if (!analyzed.ok) throw new Error(JSON.stringify(analyzed.error));
    const { table } = analyzed.value;
    expect(Array.from(table.amountCents).reduce((sum, cents) => sum + cents, 0)).toBe(151_255);
    expect(Array.from(table.orderedAt).sort()).toEqual(
      [...orders.map((order) => order.ordered_at)].sort((a, b) => a - b),
    );
  });

  it('reads a large ;-separated file in the reader thread with the same dialect (pass 2)', async () => {
    const workspaceId = await workspace({ currency: 'EUR' });
    // 20,000 rows (~0.7 MB, past the 512 KiB from which pass 2 runs in a worker thread): row k is
    // order o<k> of customer c<k mod 500> for "<k mod 1000>,<k mod 100>" euros (decimal comma).
    const lines = ['order_id;customer_id;ordered_at;amount;currency'];
    let expectedCents = 0;
    for (let row = 0; row < 20_000; row++) {
      const cents = (row % 1_000) * 100 + (row % 100);
      expectedCents += cents;
      const day = String(1 + (row % 28)).padStart(2, '0');
      lines.push(
        `o${row};c${row % 500};${day}.01.2024;${row % 1_000},${String(row % 100).padStart(2, '0')};EUR`,
      );
    }
    const path = file(`${lines.join('\n')}\n`);
    const outcome = await importOrders(workspaceId, path);
    expect(outcome.run).toMatchObject({ status: 'succeeded', rowsWritten: 20_000 });
    const total = await getDb()
      .db.selectFrom('customer_order')
      .select((eb) => eb.fn.sum<number>('amount_cents').as('cents'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirstOrThrow();
    expect(Number(total.cents)).toBe(expectedCents);
  });

  it('imports a tab-separated file, commas inside values kept', async () => {
    const workspaceId = await workspace();
    const outcome = await importOrders(workspaceId, TABS);
    expect(outcome.run).toMatchObject({ status: 'succeeded', rowsWritten: 6 });
    expect(outcome.dialect?.delimiter).toBe('\t');
    const { orders } = await stored(workspaceId);
    // A-2 is "Smith, Jane"'s "1,250.00"; A-5 "-19.99" is a refund row.
    expect(orders.find((order) => order.external_id === 'A-2')).toMatchObject({
      customer: 'Smith, Jane',
      amount_cents: 125_000,
    });
    expect(orders.map((order) => order.amount_cents)).toEqual([1_999, 125_000, 750, 4_200, 0, 12_000]);
  });

  it('refuses ambiguous slashed dates naming dateFormat, and reads them once it is given', async () => {
    const workspaceId = await workspace();
    // 05/03 and 06/03: nothing says whether the day or the month is first.
    const path = file(
      'order_id,customer_id,ordered_at,amount\no1,c1,05/03/2024,10\no2,c2,06/03/2024 14:30,12\n',
    );
    const refused = await importOrders(workspaceId, path);
    expect(refused.run.status).toBe('rejected');
    expect(refused.run.problems.map((problem) => [problem.line, problem.column, problem.code])).toEqual([
      [2, 'ordered_at', 'ambiguous-date'],
      [3, 'ordered_at', 'ambiguous-date'],
    ]);
    expect(refused.run.problems[0]!.message).toContain(
      'pass --date-format DD/MM/YYYY or --date-format MM/DD/YYYY',
    );
    const read = await importOrders(workspaceId, path, { dateFormat: 'DD/MM/YYYY' });
    expect(read.run.status).toBe('succeeded');
    expect((await stored(workspaceId)).orders.map((order) => order.ordered_at)).toEqual([
      Date.UTC(2024, 2, 5),
      Date.UTC(2024, 2, 6, 14, 30),
    ]);
  });

  it('refuses "1,234" in a ;-separated file that does not say its decimal separator, naming decimal', async () => {
    const workspaceId = await workspace();
    const path = file(
      'order_id;customer_id;ordered_at;amount\no1;c1;2024-01-05;12\no2;c2;2024-01-06;1,234\n',
    );
    const refused = await importOrders(workspaceId, path);
    const reason =
      '"," may group thousands or separate decimals, and the first rows of the file do not say which: pass --decimal . or --decimal , (API: decimal)';
    expect(refused.problemsAsRead).toEqual([
      {
        line: 3,
        column: 'amount',
        code: 'ambiguous-amount',
        message: `cannot read "1,234" as an amount: ${reason}`,
      },
    ]);
    // The stored run keeps the reason, not the value (import.problems.ts).
    expect(refused.run.problems[0]!.message).toBe(`cannot read "…" as an amount: ${reason}`);
    expect((await importOrders(workspaceId, path, { decimal: '.' })).run.status).toBe('succeeded');
    expect((await stored(workspaceId)).orders.map((order) => order.amount_cents)).toEqual([1_200, 123_400]);
  });

  it('refuses a file mixing currencies, listing each with its orders, and a file in another currency than the workspace', async () => {
    const workspaceId = await workspace({ currency: 'EUR' });
    const mixed = file(
      'order_id,customer_id,ordered_at,amount,currency\no1,c1,2024-01-05,10,EUR\no2,c2,2024-01-06,12,eur\no3,c3,2024-01-07,5,USD\no4,c1,2024-01-08,7,\n',
    );
    const refused = await importOrders(workspaceId, mixed);
    expect(refused.run.status).toBe('rejected');
    expect(refused.run.problems).toEqual([
      {
        line: 4,
        column: 'currency',
        code: 'mixed-currencies',
        message:
          'the file mixes 2 currencies: EUR (2 orders), USD (1 order); amounts in different currencies are never added up: split the file by currency',
      },
    ]);
    const dollars = file('order_id,customer_id,ordered_at,amount,currency\no1,c1,2024-01-05,10,USD\n');
    expect((await importOrders(workspaceId, dollars)).run.problems).toEqual([
      {
        line: 2,
        column: 'currency',
        code: 'currency-mismatch',
        message:
          "the file is in USD (1 order) but the workspace's currency is EUR: amounts are never converted; import it into a workspace whose currency is USD",
      },
    ]);
    expect((await stored(workspaceId)).orders).toEqual([]); // nothing was written
  });

  it('keeps header errors short, with the --map that fixes them or the --type that was meant', async () => {
    const workspaceId = await workspace({ currency: 'EUR', timeZone: 'Europe/Berlin' });
    const refused = await importOrders(workspaceId, GERMAN);
    expect(refused.run.problems.map((problem) => problem.message)).toEqual([
      'missing column "customer_id": the file has "Bestellnummer", "Bestelldatum", "Kunden-E-Mail", "Artikel", "Nettobetrag", "Währung" … and 1 more',
      'missing column "order_id"',
      'missing column "ordered_at"',
      // The file's currency column is named too: without it the orders would take the workspace's.
      'missing column "amount"; name the file\'s columns with --map customer_id=Kunden-E-Mail,order_id=Bestellnummer,ordered_at=Bestelldatum,amount=Nettobetrag,currency=Währung',
    ]);
    // The map the error suggests imports the file, its orders in the file's currency.
    const suggested = {
      customer_id: 'Kunden-E-Mail',
      order_id: 'Bestellnummer',
      ordered_at: 'Bestelldatum',
      amount: 'Nettobetrag',
      currency: 'Währung',
    };
    expect((await importOrders(workspaceId, GERMAN, { map: suggested })).run.status).toBe('succeeded');
    expect(new Set((await stored(workspaceId)).orders.map((order) => order.currency))).toEqual(
      new Set(['EUR']),
    );
    // In a USD workspace the same map is refused: the file says EUR.
    const dollars = await workspace({ currency: 'USD' });
    expect((await importOrders(dollars, GERMAN, { map: suggested })).run.problems[0]!.code).toBe(
      'currency-mismatch',
    );

    // A map that leaves the currency column unread is refused: the orders would take the workspace's.
    const { currency: _currency, ...withoutCurrency } = suggested;
    expect((await importOrders(workspaceId, GERMAN, { map: withoutCurrency })).run.problems).toEqual([
      {
        line: 1,
        column: 'Währung',
        code: 'unread-currency',
        message:
          'the column "Währung" looks like the currency, and no field reads it; name it with --map currency=Währung',
      },
    ]);

    // A subscriptions file imported as orders.
    const subscriptions = file(
      'subscription_id,customer_id,started_at,interval,amount\ns1,c1,2024-01-01,month,10\n',
    );
    const wrongType = await importOrders(workspaceId, subscriptions);
    expect(wrongType.run.problems.at(-1)!.message).toBe(
      'missing column "ordered_at"; this looks like a subscriptions file: did you mean --type subscriptions?',
    );
  });
});
