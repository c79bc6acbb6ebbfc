/**
 * `retain import` against a real store (DATABASE_URL), on both databases: a clean import and its
 * summary, --json, a rejected file (exit 2, problems by line and column), --skip-invalid with its
 * rejects file, and the workspace rules (left out when there is one, required when there are two).
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
});
