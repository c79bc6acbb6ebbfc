/**
 * Child process of the loyalty concurrency and crash tests (src/loyalty/loyalty.processes.test.ts),
 * with its own connection to `CHILD_DATABASE_URL`.
 *
 * `CHILD_MODE=race`: prints `READY`, waits until the file `CHILD_GO_FILE` exists (so every child
 * starts together), fires
 * `CHILD_COUNT` redemptions of `CHILD_POINTS` at once for customer `CHILD_CUSTOMER_ID` of workspace
 * `CHILD_WORKSPACE_ID`, keys `<CHILD_PREFIX>-<n>`, and prints `RESULT <json of the statuses>`.
 * `CHILD_MODE=hang`: takes the points inside a ledger transaction, prints `DEBITED`, and waits
 * forever without committing (the test kills it with SIGKILL).
 * `CHILD_MODE=loop`: redeems 1 point after another, printing `REDEEMED <n>` after each commit,
 * until killed.
 */
import { existsSync } from 'node:fs';
import { openDatabase } from '../../src/db/index.js';
import { debit, inLedgerTransaction } from '../../src/loyalty/loyalty.repository.js';
import { redeemPoints } from '../../src/loyalty/loyalty.service.js';

const env = process.env;
const url = env.CHILD_DATABASE_URL;
if (!url) throw new Error('missing CHILD_DATABASE_URL');
const workspaceId = Number(env.CHILD_WORKSPACE_ID);
const customerId = Number(env.CHILD_CUSTOMER_ID);
const prefix = env.CHILD_PREFIX ?? 'child';
const connection = openDatabase(url, { maxConnections: 5 });

if (env.CHILD_MODE === 'race') {
  const count = Number(env.CHILD_COUNT);
  const points = Number(env.CHILD_POINTS);
  process.stdout.write('READY\n');
  // Every child starts at once: when the test creates the go file (after all printed READY).
  const goFile = env.CHILD_GO_FILE ?? '';
  while (!existsSync(goFile)) await new Promise((resolve) => setTimeout(resolve, 2));
  const answers = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      redeemPoints(
        connection.db,
        workspaceId,
        customerId,
        { points, idempotencyKey: `${prefix}-${index}` },
        Date.now(),
      ),
    ),
  );
  process.stdout.write(`RESULT ${JSON.stringify(answers.map((answer) => answer.status))}\n`);
  await connection.close();
} else if (env.CHILD_MODE === 'hang') {
  await inLedgerTransaction(connection.db, async (trx) => {
    const outcome = await debit(trx, workspaceId, {
      customerId,
      kind: 'redeem',
      points: -Number(env.CHILD_POINTS),
      source: 'api',
      idempotencyKey: `api:${prefix}`,
      now: Date.now(),
    });
    process.stdout.write(outcome.ok ? 'DEBITED\n' : 'REFUSED\n');
    await new Promise(() => setTimeout(() => undefined, 3_600_000));
  });
} else if (env.CHILD_MODE === 'loop') {
  for (let index = 0; ; index++) {
    const answer = await redeemPoints(
      connection.db,
      workspaceId,
      customerId,
      { points: 1, idempotencyKey: `${prefix}-${index}` },
      Date.now(),
    );
    process.stdout.write(`REDEEMED ${index} ${answer.status}\n`);
    if (answer.status !== 201) break;
  }
  await connection.close();
}
