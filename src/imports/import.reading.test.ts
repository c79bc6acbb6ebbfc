/**
 * The import reads strictly (issue 9 §2 and §4), on both databases: the probe's files that were
 * imported as `succeeded` with rows silently lost or mangled — an unclosed quote, text after a
 * closing quote, Latin-1 text read as UTF-8 — and the inputs that failed with a raw database error
 * (a NUL) or took gigabytes (no bound on fields, columns, records) are refused with the line and
 * column named, nothing written; `--encoding latin1` converts. Expected rows are read off the
 * small files written in each test.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { runImport } from './import.service.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-import-reading-'));
let fileCounter = 0;
function csvFile(content: string | Buffer): string {
  const path = join(directory, `file-${++fileCounter}.csv`);
  writeFileSync(path, content);
  return path;
}

const HEADER = 'order_id,customer_id,ordered_at,amount';

describeEachDatabase('import reading', (getDb) => {
  const workspace = async () =>
    (await createWorkspace(getDb().db, { name: 'Shop', slug: `shop-${newId()}` })).workspace.id;
  const stored = async (workspaceId: number) =>
    (
      await getDb()
        .db.selectFrom('customer_order as o')
        .innerJoin('customer as c', (join) =>
          join.onRef('c.workspace_id', '=', 'o.workspace_id').onRef('c.id', '=', 'o.customer_id'),
        )
        .select(['o.external_id', 'c.external_id as customer'])
        .where('o.workspace_id', '=', workspaceId)
        .orderBy('o.external_id')
        .execute()
    ).map((row) => [row.external_id, row.customer]);

  it('refuses an unclosed quote on its line instead of importing 1 row of 4 (the probe file)', async () => {
    const workspaceId = await workspace();
    const path = csvFile(
      `${HEADER}\nq-1,qc-1,2024-01-01,1.00\n"q-2,qc-2,2024-01-02,2.00\nq-3,qc-3,2024-01-03,3.00\nq-4,qc-4,2024-01-04,4.00\n`,
    );
    const outcome = await runImport(getDb().db, { workspaceId, path, type: 'orders' });
    expect(outcome.run).toMatchObject({ status: 'rejected', rowsWritten: 0 });
    expect(outcome.run.problems).toEqual([
      {
        line: 3,
        column: 'order_id',
        code: 'unclosed-quote',
        message: 'a quoted field opened on this line is never closed',
      },
    ]);
    // Not even with --skip-invalid: the rest of the file cannot be split into records.
    const skipping = await runImport(getDb().db, { workspaceId, path, type: 'orders', skipInvalid: true });
    expect(skipping.run.status).toBe('rejected');
    expect(await stored(workspaceId)).toEqual([]);
  });

  it('refuses text after a closing quote on its line instead of storing order "junk"', async () => {
    const workspaceId = await workspace();
    const path = csvFile(`${HEADER}\nq-4,qc-4,2024-01-04,4.00\n"q-5"junk,qc-5,2024-01-05,5.00\n`);
    const outcome = await runImport(getDb().db, { workspaceId, path, type: 'orders' });
    expect(outcome.run).toMatchObject({ status: 'rejected', rowsRejected: 1, rowsWritten: 0 });
    expect(outcome.run.problems).toEqual([
      {
        line: 3,
        column: 'order_id',
        code: 'malformed-quotes',
        message: 'a closing quote must be followed by "," or the end of the line',
      },
    ]);
    // One record's fault: --skip-invalid writes the others and lists it in the rejects file.
    const skipping = await runImport(getDb().db, { workspaceId, path, type: 'orders', skipInvalid: true });
    expect(skipping.run).toMatchObject({ status: 'succeeded', rowsWritten: 1, rowsRejected: 1 });
    expect(await stored(workspaceId)).toEqual([['q-4', 'qc-4']]);
  });

  it('refuses Latin-1 text read as UTF-8, naming the line and --encoding, and converts it with encoding latin1', async () => {
    const workspaceId = await workspace();
    // "José" and "Zoë" written by a Latin-1 export: é = 0xE9, ë = 0xEB (invalid alone in UTF-8).
    const path = csvFile(
      Buffer.concat([
        Buffer.from(`${HEADER}\no1,ann,2024-01-01,1\no2,Jos`),
        Buffer.from([0xe9]),
        Buffer.from(',2024-01-02,2\no3,Zo'),
        Buffer.from([0xeb]),
        Buffer.from(',2024-01-03,3\n'),
      ]),
    );
    const refused = await runImport(getDb().db, { workspaceId, path, type: 'orders' });
    expect(refused.run).toMatchObject({ status: 'rejected', rowsWritten: 0 });
    expect(refused.run.problems).toHaveLength(1);
    expect(refused.run.problems[0]).toMatchObject({ line: 3, code: 'invalid-utf8' });
    expect(refused.run.problems[0]!.message).toContain('0xE9');
    expect(refused.run.problems[0]!.message).toContain('--encoding latin1');
    expect(await stored(workspaceId)).toEqual([]);

    const converted = await runImport(getDb().db, { workspaceId, path, type: 'orders', encoding: 'latin1' });
    expect(converted.run).toMatchObject({ status: 'succeeded', rowsWritten: 3 });
    expect(await stored(workspaceId)).toEqual([
      ['o1', 'ann'],
      ['o2', 'José'],
      ['o3', 'Zoë'],
    ]);
  });

  it('strips a UTF-8 byte-order mark and converts windows-1252 (€ = 0x80)', async () => {
    const workspaceId = await workspace();
    const bom = csvFile(`\uFEFF${HEADER}\nb1,Łukasz,2024-01-01,1\n`);
    expect((await runImport(getDb().db, { workspaceId, path: bom, type: 'orders' })).run.status).toBe(
      'succeeded',
    );
    const windows = csvFile(
      Buffer.concat([
        Buffer.from(`${HEADER}\nw1,`),
        Buffer.from([0x80, 0x31]),
        Buffer.from(',2024-01-01,1\n'),
      ]),
    );
    expect(
      (await runImport(getDb().db, { workspaceId, path: windows, type: 'orders', encoding: 'windows-1252' }))
        .run.status,
    ).toBe('succeeded');
    expect(await stored(workspaceId)).toEqual([
      ['b1', 'Łukasz'],
      ['w1', '€1'],
    ]);
  });

  it('refuses a NUL character with a problem on its line, never a database error, and skips it with --skip-invalid', async () => {
    // Before: PostgreSQL refused the text, the job retried five times and failed with its raw error.
    const workspaceId = await workspace();
    const path = csvFile(`${HEADER}\nn1,c1,2024-01-01,1\nn2,c\u00002,2024-01-02,2\n`);
    const outcome = await runImport(getDb().db, { workspaceId, path, type: 'orders' });
    expect(outcome.run).toMatchObject({ status: 'rejected', rowsRejected: 1, error: null });
    expect(outcome.run.problems).toEqual([
      expect.objectContaining({ line: 3, column: 'customer_id', code: 'nul-character' }),
    ]);
    const skipping = await runImport(getDb().db, { workspaceId, path, type: 'orders', skipInvalid: true });
    expect(skipping.run).toMatchObject({ status: 'succeeded', rowsWritten: 1, rowsRejected: 1 });
    expect(await stored(workspaceId)).toEqual([['n1', 'c1']]);
  });

  it('refuses event properties no store can keep (an escaped NUL, a lone surrogate, 5,000 levels) per row', async () => {
    // Before: PostgreSQL refused the NUL and surrogate (the whole import failed with its raw
    // error), and JSON.stringify overflowed the stack on the deep value, even with --skip-invalid.
    const workspaceId = await workspace();
    const deep = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    const cell = (json: string) => `"${json.replaceAll('"', '""')}"`;
    const path = csvFile(
      [
        'event,user_id,timestamp,properties',
        `signed_up,u1,2024-01-01T00:00:00Z,${cell('{"plan":"pro"}')}`,
        `clicked,u1,2024-01-02T00:00:00Z,${cell('{"label":"a\\u0000b"}')}`,
        `clicked,u1,2024-01-03T00:00:00Z,${cell('{"label":"\\ud800"}')}`,
        `clicked,u1,2024-01-04T00:00:00Z,${cell(deep)}`,
        '',
      ].join('\n'),
    );
    const outcome = await runImport(getDb().db, { workspaceId, path, type: 'events', skipInvalid: true });
    expect(outcome.run).toMatchObject({ status: 'succeeded', rowsWritten: 1, rowsRejected: 3, error: null });
    expect(outcome.run.problems.map((problem) => [problem.line, problem.column, problem.code])).toEqual([
      [3, 'properties', 'unstorable-text'],
      [4, 'properties', 'unstorable-text'],
      [5, 'properties', 'too-deep'],
    ]);
    const events = await getDb()
      .db.selectFrom('event')
      .select('name')
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(events.map((event) => event.name)).toEqual(['signed_up']);
  });

  it('bounds ids, fields, columns and records, naming the line and column', async () => {
    const workspaceId = await workspace();
    const longId = 'x'.repeat(1_001);
    const ids = await runImport(getDb().db, {
      workspaceId,
      path: csvFile(`${HEADER}\nl1,${longId},2024-01-01,1\nl2,c2,2024-01-01,1\n`),
      type: 'orders',
    });
    expect(ids.run.problems).toEqual([
      {
        line: 2,
        column: 'customer_id',
        code: 'value-too-long',
        message: 'the value has 1,001 characters, more than the 1,000 an identifier or e-mail may have',
      },
    ]);

    const field = await runImport(getDb().db, {
      workspaceId,
      path: csvFile(`${HEADER},note\nf1,c1,2024-01-01,1,ok\nf2,c1,2024-01-01,1,${'n'.repeat(65_537)}\n`),
      type: 'orders',
    });
    expect(field.run.problems).toEqual([
      expect.objectContaining({ line: 3, column: 'note', code: 'field-too-long' }),
    ]);

    const columns = Array.from({ length: 1_001 }, (_, index) => `extra_${index}`).join(',');
    const wide = await runImport(getDb().db, {
      workspaceId,
      path: csvFile(`${HEADER},${columns}\n`),
      type: 'orders',
    });
    expect(wide.run.problems).toEqual([
      {
        line: 1,
        column: null,
        code: 'too-many-columns',
        message: 'the header has more than 1,000 columns, the limit',
      },
    ]);

    // The probe's shape: one line of millions of fields (here 8 MB of them) is refused once it
    // passes 1 Mi characters, without reading it whole.
    const endless = await runImport(getDb().db, {
      workspaceId,
      path: csvFile(`${HEADER}\n${'1,'.repeat(4_000_000)}\n`),
      type: 'orders',
    });
    expect(endless.run.problems).toEqual([
      expect.objectContaining({ line: 2, column: null, code: 'record-too-large' }),
    ]);
    expect(endless.run.status).toBe('rejected');
    expect(await stored(workspaceId)).toEqual([]);
  });

  it('refuses a row with more or fewer fields than the header', async () => {
    const workspaceId = await workspace();
    const outcome = await runImport(getDb().db, {
      workspaceId,
      path: csvFile(`${HEADER}\nr1,c1,2024-01-01,1,surplus\nr2,c1,2024-01-01\n`),
      type: 'orders',
    });
    expect(outcome.run.problems).toEqual([
      { line: 2, column: null, code: 'field-count', message: 'line 2 has 5 fields, the header has 4' },
      { line: 3, column: null, code: 'field-count', message: 'line 3 has 3 fields, the header has 4' },
    ]);
  });

  it('reads strictly in the detected dialect: a ;-separated latin1 file with decimal commas, and its faults on their lines', async () => {
    const workspaceId = (
      await createWorkspace(getDb().db, {
        name: 'Shop',
        slug: `shop-${newId()}`,
        settings: { currency: 'EUR', timeZone: 'UTC' },
      })
    ).workspace.id;
    const header = 'Bestellnummer;Kunde;Datum;Betrag';
    const map = { order_id: 'Bestellnummer', customer_id: 'Kunde', ordered_at: 'Datum', amount: 'Betrag' };
    const latin1 = csvFile(
      Buffer.from(
        `${header}\nb-1;M\u00fcller;05.01.2024;1.234,50\n"b-2";"Tee; gr\u00fcn";06.01.2024;12,5\n`,
        'latin1',
      ),
    );
    const refused = await runImport(getDb().db, { workspaceId, path: latin1, type: 'orders', read: { map } });
    expect(refused.run.problems).toEqual([expect.objectContaining({ line: 2, code: 'invalid-utf8' })]);
    const outcome = await runImport(getDb().db, {
      workspaceId,
      path: latin1,
      type: 'orders',
      encoding: 'latin1',
      read: { map },
    });
    expect(outcome.dialect).toMatchObject({ delimiter: ';', decimal: ',', dateFormat: 'DD.MM.YYYY' });
    expect(outcome.run).toMatchObject({ status: 'succeeded', rowsWritten: 2 });
    expect(await stored(workspaceId)).toEqual([
      ['b-1', 'M\u00fcller'],
      ['b-2', 'Tee; gr\u00fcn'],
    ]);
    const amounts = await getDb()
      .db.selectFrom('customer_order')
      .select(['external_id', 'amount_cents'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('external_id')
      .execute();
    expect(amounts.map((row) => [row.external_id, Number(row.amount_cents)])).toEqual([
      ['b-1', 123_450],
      ['b-2', 1_250],
    ]);

    // The tokenizer splits at ';': a quote left open is the file's fault, on its line.
    const unclosed = await runImport(getDb().db, {
      workspaceId,
      path: csvFile(`${header}\nb-3;c3;07.01.2024;1,00\n"b-4;c4;08.01.2024;2,00\nb-5;c5;09.01.2024;3,00\n`),
      type: 'orders',
      read: { map },
    });
    expect(unclosed.run).toMatchObject({ status: 'rejected', rowsWritten: 0 });
    expect(unclosed.run.problems).toEqual([expect.objectContaining({ line: 3, code: 'unclosed-quote' })]);
  });
});
