import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCsvIssue } from './csv-issue.js';
import { readTableCsv } from './table-csv.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-table-'));
function file(name: string, text: string): string {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
}

describe('readTableCsv', () => {
  it('infers numeric and text columns, with blanks as null and counted', async () => {
    const path = file(
      'customers.csv',
      'id,orders,plan,csat\r\n007,3,pro,4.5\r\n008,, basic ,\r\n009,-2,"pro, annual",1e1\r\n',
    );
    const read = await readTableCsv(path);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    // id: every value is a number ("007" → 7) unless forced to text.
    expect(read.value.kinds).toEqual({ id: 'numeric', orders: 'numeric', plan: 'text', csat: 'numeric' });
    expect(read.value.columns).toEqual({
      id: [7, 8, 9],
      orders: [3, null, -2],
      plan: ['pro', 'basic', 'pro, annual'],
      csat: [4.5, null, 10],
    });
    expect(read.value.blanks).toEqual({ id: 0, orders: 1, plan: 0, csat: 1 });
    expect(read.value.rows).toBe(3);
    const forced = await readTableCsv(path, { kinds: { id: 'text' } });
    expect(forced.ok && forced.value.columns.id).toEqual(['007', '008', '009']);
  });

  it('locates a short row and a bad number on their physical lines', async () => {
    // Line 1 header, line 2 ok, line 3 blank (skipped), line 4 has 2 fields instead of 3.
    const short = await readTableCsv(file('short.csv', 'a,b,c\n1,2,3\n\n4,5\n6,7,8\n'));
    expect(short.ok).toBe(false);
    if (short.ok) return;
    expect(short.error.map(formatCsvIssue)).toEqual([
      `${join(directory, 'short.csv')}:4: line 4 has 2 fields, the header has 3`,
    ]);
    // A row with more fields than the header is refused as well (the old reader kept the extra
    // fields inside the last one, so this read succeeded with c = "3,9").
    const long = await readTableCsv(file('long.csv', 'a,b,c\n1,2,3,9\n'));
    expect(long.ok || long.error[0]).toMatchObject({ line: 2, code: 'field-count' });
    const forced = await readTableCsv(file('bad-number.csv', 'a,b\n1,x\n2,3\n'), { kinds: { b: 'numeric' } });
    expect(forced.ok).toBe(false);
    if (forced.ok) return;
    expect(forced.error[0]).toMatchObject({ line: 2, column: 'b', code: 'invalid-number' });
  });

  it('rejects duplicate headers, missing and empty files', async () => {
    const duplicate = await readTableCsv(file('dup.csv', 'a,a\n1,2\n'));
    expect(!duplicate.ok && duplicate.error[0]).toMatchObject({ line: 1, code: 'duplicate-header' });
    const missing = await readTableCsv(join(directory, 'nope.csv'));
    expect(!missing.ok && missing.error[0]?.code).toBe('file-not-found');
    const empty = await readTableCsv(file('empty.csv', ''));
    expect(!empty.ok && empty.error[0]?.code).toBe('empty-file');
  });
});
