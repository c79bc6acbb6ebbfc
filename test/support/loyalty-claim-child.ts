/**
 * Child process of the reward crash test (src/loyalty/reward.processes.test.ts), with its own
 * connection to `CHILD_DATABASE_URL`: claims reward `CHILD_REWARD_ID` for customer
 * `CHILD_CUSTOMER_ID` of workspace `CHILD_WORKSPACE_ID` one claim after another (keys
 * `<CHILD_PREFIX>-<n>`), printing `CLAIMED <n> <status>` after each commit, until killed.
 */
import { openDatabase } from '../../src/db/index.js';
import { claimReward } from '../../src/loyalty/reward.service.js';

const env = process.env;
const url = env.CHILD_DATABASE_URL;
if (!url) throw new Error('missing CHILD_DATABASE_URL');
const workspaceId = Number(env.CHILD_WORKSPACE_ID);
const customerId = Number(env.CHILD_CUSTOMER_ID);
const rewardId = Number(env.CHILD_REWARD_ID);
const prefix = env.CHILD_PREFIX ?? 'child';
const connection = openDatabase(url, { maxConnections: 2 });

for (let index = 0; ; index++) {
  const answer = await claimReward(
    connection.db,
    workspaceId,
    customerId,
    rewardId,
    { key: `${prefix}-${index}` },
    Date.now(),
  );
  process.stdout.write(`CLAIMED ${index} ${answer.status}\n`);
  if (answer.status !== 201) break;
}
await connection.close();
