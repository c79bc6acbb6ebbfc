import { expect, it } from 'vitest';
import { describeEachDatabase } from '../../../test/support/databases.js';
import { ownTables } from '../dialect.js';
import { TABLES_IN_DEPENDENCY_ORDER } from './index.js';

describeEachDatabase('the table list of the migrations', (getDb) => {
  it('names every table the migrations create, each once', async () => {
    const { db } = getDb();
    const created = (await ownTables(db)).map((table) => table.name).sort();
    expect([...TABLES_IN_DEPENDENCY_ORDER].sort()).toEqual(created);
  });
});
