/**
 * `retain import` reads strictly (issue 9 §2), on both databases: a Latin-1 file is refused
 * (exit 2) naming its line and `--encoding`, and `--encoding latin1` imports it converted; an
 * unclosed quote is refused naming its line, without suggesting --skip-invalid (it cannot help).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CliError } from '../../src/cli/cli-error.js';
import { runImportCommand } from '../../src/cli/commands/import.run.js';
import { newId } from '../../src/db/index.js';
import { createWorkspace } from '../../src/workspaces/workspace.repository.js';
import { runRetain } from '../support/cli.js';
import { describeEachDatabase } from '../support/databases.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-cli-import-reading-'));
let counter = 0;
function csv(content: string | Buffer): string {
  const path = join(directory, `orders-${++counter}.csv`);
  writeFileSync(path, content);
  return path;
}

describeEachDatabase('retain import, strict reading', (getDb) => {
  let previous: string | undefined;
  beforeEach(() => {
    previous = process.env.DATABASE_URL;
    process.env.DATABASE_URL = getDb().url;
  });
  afterEach(() => {
    if (previous === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = previous;
  });

  it('refuses a Latin-1 file naming the line and --encoding, and imports it with --encoding latin1', async () => {
    const { workspace } = await createWorkspace(getDb().db, { name: 'L', slug: `l-${newId()}` });
    // "Müller" written by a Latin-1 export (ü = 0xFC).
    const file = csv(
      Buffer.concat([
        Buffer.from('order_id,customer_id,ordered_at,amount\no1,M'),
        Buffer.from([0xfc]),
        Buffer.from('ller,2024-01-05,10\n'),
      ]),
    );
    const flags = { type: 'orders', format: 'generic', workspace: String(workspace.id) };
    const failure = await runImportCommand(file, flags).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as CliError).exitCode).toBe(2);
    const message = (failure as CliError).message;
    expect(message).toContain(`${file}:2: the text is not UTF-8 (bytes 0xFC)`);
    expect(message).toContain('--encoding latin1');
    expect(message).toContain('the file cannot be read as it is');
    expect(message).not.toContain('--skip-invalid');

    expect(await runImportCommand(file, { ...flags, encoding: 'latin1' })).toContain('Imported 1 order');
    const stored = await getDb()
      .db.selectFrom('customer')
      .select('external_id')
      .where('workspace_id', '=', workspace.id)
      .execute();
    expect(stored.map((row) => row.external_id)).toEqual(['Müller']);
  });

  it('refuses an unclosed quote naming its line, and an unknown --encoding (exit 2)', async () => {
    const { workspace } = await createWorkspace(getDb().db, { name: 'Q', slug: `q-${newId()}` });
    const file = csv(
      'order_id,customer_id,ordered_at,amount\nq-1,qc-1,2024-01-01,1.00\n"q-2,qc-2,2024-01-02,2.00\nq-3,qc-3,2024-01-03,3.00\n',
    );
    const run = await runRetain('import', file, '--type', 'orders', '--workspace', String(workspace.id));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${file}:3: column "order_id": a quoted field opened on this line is never closed`,
    );
    const unknown = await runRetain('import', file, '--type', 'orders', '--encoding', 'utf-16');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--encoding: expected one of utf-8, latin1, windows-1252, got "utf-16"');
  });
});
