/**
 * `retain analyze` reads as strictly as `retain import` (issue 9 §2): a Latin-1 file is refused
 * naming its line and `--encoding` (read leniently, "José" and "Josè" were one customer
 * "Jos\uFFFD"), `--encoding latin1` reads it; a Shopify export with text after a closing quote is
 * refused on its line, as the generic scanner always did.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runRetain } from '../support/cli.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-cli-analyze-encoding-'));

it('refuses Latin-1 bytes naming the line, and reads them with --encoding latin1', async () => {
  const path = join(directory, 'latin1.csv');
  // José (é = 0xE9) and Josè (è = 0xE8): two customers.
  writeFileSync(
    path,
    Buffer.concat([
      Buffer.from('customer_id,ordered_at,amount\nJos'),
      Buffer.from([0xe9]),
      Buffer.from(',2024-01-05,10\nJos'),
      Buffer.from([0xe8]),
      Buffer.from(',2024-02-05,12\n'),
    ]),
  );
  const refused = await runRetain('analyze', path, '--json');
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain(`${path}:2: the text is not UTF-8 (bytes 0xE9)`);
  expect(refused.stderr).toContain('--encoding latin1');
  const read = await runRetain('analyze', path, '--json', '--encoding', 'latin1');
  expect(read.code).toBe(0);
  const report = JSON.parse(read.stdout);
  expect(report.input).toMatchObject({ rows: 2 });
  expect(report.orders).toMatchObject({ customers: 2, orders: 2 }); // José and Josè
});

it('refuses text after a closing quote in a Shopify export, on its line', async () => {
  const path = join(directory, 'shopify.csv');
  writeFileSync(
    path,
    'Name,Email,Financial Status,Subtotal,Created at\n#1001,a@example.com,paid,10.00,2024-01-05 10:00:00 +0000\n"#1002"x,b@example.com,paid,12.00,2024-01-06 10:00:00 +0000\n',
  );
  const run = await runRetain('analyze', path);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain(
    `${path}:3: column "Name": a closing quote must be followed by "," or the end of the line`,
  );
});
