/**
 * Child process of the import crash test (src/imports/import.crash.test.ts): imports `CHILD_FILE` into
 * workspace `CHILD_WORKSPACE_ID` of `CHILD_DATABASE_URL` with batches of `CHILD_BATCH_SIZE`.
 * `CHILD_MODE=hang`: after the first committed batch prints `BATCH_COMMITTED` and waits forever
 * (the test kills it with SIGKILL); `CHILD_MODE=finish`: runs to the end and prints `DONE <json>`.
 */
import { openDatabase } from '../../src/db/index.js';
import { runImport } from '../../src/imports/index.js';

const { CHILD_DATABASE_URL, CHILD_FILE, CHILD_WORKSPACE_ID, CHILD_MODE, CHILD_BATCH_SIZE } = process.env;
if (!CHILD_DATABASE_URL || !CHILD_FILE || !CHILD_WORKSPACE_ID) throw new Error('missing CHILD_* variables');

const connection = openDatabase(CHILD_DATABASE_URL);
const outcome = await runImport(connection.db, {
  workspaceId: Number(CHILD_WORKSPACE_ID),
  path: CHILD_FILE,
  type: 'orders',
  batchSize: Number(CHILD_BATCH_SIZE ?? 1000),
  afterBatch: async ({ committedRecords }) => {
    process.stdout.write(`BATCH_COMMITTED ${committedRecords}\n`);
    if (CHILD_MODE === 'hang') await new Promise(() => setTimeout(() => undefined, 3_600_000));
  },
});
process.stdout.write(
  `DONE ${JSON.stringify({ status: outcome.run.status, resumed: outcome.resumed, rowsWritten: outcome.run.rowsWritten })}\n`,
);
await connection.close();
