/**
 * `import_run.problems` keeps the line and the reason, never the cell values (issue 9, §3): the
 * stored JSON of a run whose rows hold an e-mail, a name, a country or an amount it could not read
 * does not contain them, on both databases, for every import type, while the caller of the import
 * still gets each problem as read (`problemsAsRead`, what `retain import` prints).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { newId } from '../db/index.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { withoutCellValues } from './import.problems.js';
import { runImport } from './import.service.js';
import type { ImportFormat, ImportType } from './import.types.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-import-problems-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let files = 0;
function csvFile(lines: readonly string[]): string {
  const path = join(directory, `file-${++files}.csv`);
  writeFileSync(path, lines.join('\n'));
  return path;
}

describe('withoutCellValues', () => {
  it('blanks each quoted value of the record, as written, trimmed or case-changed, and nothing else', () => {
    const lines = [['c1', ' Bob@Example ', 'He said "hi"', 'fr']];
    expect(withoutCellValues('"bob@example" is not an e-mail address', lines)).toBe(
      '"…" is not an e-mail address',
    );
    expect(withoutCellValues('cannot read "He said "hi"" as a date', lines)).toBe(
      'cannot read "…" as a date',
    );
    expect(withoutCellValues('expected a 2-letter country code, got "FR"', lines)).toBe(
      'expected a 2-letter country code, got "…"',
    );
    // Fixed text in quotes that is no cell of the record stays.
    expect(withoutCellValues('properties must be a JSON object, e.g. {"plan":"pro"}', lines)).toBe(
      'properties must be a JSON object, e.g. {"plan":"pro"}',
    );
  });
});

/** A bad row per import type and format, with the personal values that must not be stored. */
const CASES: readonly {
  readonly type: ImportType;
  readonly format: ImportFormat;
  readonly lines: readonly string[];
  readonly secrets: readonly string[];
}[] = [
  {
    type: 'customers',
    format: 'generic',
    lines: [
      'customer_id,email,name,country,time_zone,signed_up_at',
      'c1,ann@example.com,Ann,FR,Europe/Paris,2024-01-01',
      'c2,zoe.secret@@example.com,Zoe Secret,Zoeland,Zoe/Town,zoe-birthday',
    ],
    secrets: ['zoe.secret@@example.com', 'Zoeland', 'ZOELAND', 'Zoe/Town', 'zoe-birthday'],
  },
  {
    type: 'orders',
    format: 'generic',
    lines: [
      'order_id,customer_id,email,ordered_at,amount,status',
      'o1,c1,ann@example.com,2024-01-05,10.00,completed',
      'o2,zoe-secret-id,zoe.secret@@example.com,zoe-birthday,12;34 zoe,zoe-status',
    ],
    secrets: ['zoe.secret@@example.com', 'zoe-birthday', '12;34 zoe', 'zoe-status'],
  },
  {
    type: 'subscriptions',
    format: 'generic',
    lines: [
      'customer_id,subscription_id,email,started_at,amount,interval,status',
      'c1,s1,ann@example.com,2024-01-01,29.00,month,active',
      'zoe-secret-id,s2,zoe.secret@@example.com,zoe-birthday,-5.00,zoe-interval,zoe-status',
    ],
    secrets: ['zoe.secret@@example.com', 'zoe-birthday', 'zoe-interval', 'zoe-status', '-5.00'],
  },
  {
    type: 'events',
    format: 'generic',
    lines: ['event,user_id,timestamp,properties', 'Signed Up,zoe-secret-id,zoe-birthday,"{""x"":1}"'],
    secrets: ['zoe-birthday'],
  },
  {
    type: 'orders',
    format: 'shopify',
    lines: [
      'Name,Email,Financial Status,Created at,Currency,Subtotal,Shipping,Taxes,Total,Lineitem quantity,Lineitem name,Lineitem price',
      '#1001,zoe.secret@@example.com,zoe-status,zoe-birthday,USD,10.00,0.00,0.00,10.00,1,Gift,10.00',
    ],
    secrets: ['zoe.secret@@example.com', 'zoe-status', 'zoe-birthday'],
  },
];

describeEachDatabase('imports: problems without cell values', (getDb) => {
  const workspace = async () =>
    (await createWorkspace(getDb().db, { name: 'Shop', slug: `problems-${newId()}` })).workspace.id;
  const storedProblems = async (workspaceId: number, id: number): Promise<string> => {
    const { rows } = await sql<{ problems: string }>`
      select problems from import_run where workspace_id = ${workspaceId} and id = ${id}
    `.execute(getDb().db);
    return String(rows[0]?.problems);
  };

  for (const { type, format, lines, secrets } of CASES) {
    it(`${type} (${format}): the stored problems hold lines and reasons, not the values`, async () => {
      const workspaceId = await workspace();
      const path = csvFile(lines);
      for (const skipInvalid of [false, true]) {
        const outcome = await runImport(getDb().db, { workspaceId, path, type, format, skipInvalid });
        expect(outcome.run.problems.length).toBeGreaterThan(0);
        const stored = await storedProblems(workspaceId, outcome.run.id);
        const asRead = JSON.stringify(outcome.problemsAsRead);
        for (const secret of secrets) {
          expect(stored).not.toContain(secret);
          expect(JSON.stringify(outcome.run.problems)).not.toContain(secret);
        }
        // What was left out is the values only: same lines, columns and codes as read, and the
        // caller still sees at least one of the values (so the check above can fail).
        expect(outcome.run.problems.map(({ line, column, code }) => [line, column, code])).toEqual(
          outcome.problemsAsRead.map(({ line, column, code }) => [line, column, code]),
        );
        expect(secrets.some((secret) => asRead.includes(secret))).toBe(true);
        expect(stored).toContain('"line":');
      }
    });
  }
});
