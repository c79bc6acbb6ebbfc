/**
 * Testing given customers against a rule, without storing anything: what a flow's branch step and
 * exit condition ask ("is this customer, now, in 'at risk, CLV over 200'?"). The rule is the
 * segments' language, compiled by the same compiler (segment-sql.ts) as a recompute, restricted to
 * the given ids.
 */
import type { Kysely } from 'kysely';
import type { Database, RowId } from '../db/index.js';
import { dialectOf } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';
import { parseSegmentRule, type RulePath } from './segment-rule.js';
import { type CustomerExpressionBuilder, rulePredicate } from './segment-sql.js';

/** Most customers one call tests (one statement with their ids as parameters). */
export const MAX_MATCH_CUSTOMERS = 1_000;

/**
 * The ids among `customerIds` (at most `MAX_MATCH_CUSTOMERS`) of live customers of the workspace
 * that match `rule` at `now` (relative windows count back from it; calendar dates are midnights in
 * the workspace's zone). Erased customers match nothing, as in segments. `invalid_input` naming
 * the path under `path` for a rule that is not valid. One statement.
 *
 * Example: `await customersMatchingRule(db, { workspaceId, rule: { all: [{ field: 'orders_count', op: '>=', value: 1 }] }, customerIds: [4, 5], now })` → `Set { 5 }`.
 */
export async function customersMatchingRule(
  db: Kysely<Database>,
  input: {
    readonly workspaceId: number;
    readonly rule: unknown;
    readonly customerIds: readonly RowId[];
    readonly now: number;
    readonly timeZone?: string;
    readonly path?: RulePath;
  },
): Promise<Set<RowId>> {
  if (input.customerIds.length === 0) return new Set();
  if (input.customerIds.length > MAX_MATCH_CUSTOMERS) {
    throw new RangeError(`customersMatchingRule tests at most ${MAX_MATCH_CUSTOMERS} customers a call`);
  }
  const parsed = parseSegmentRule(input.rule, input.path ?? ['rule']);
  if (!parsed.ok) {
    throw new RetainError(
      'invalid_input',
      `The rule is not valid: ${parsed.issues[0]?.message ?? ''}`,
      parsed.issues,
    );
  }
  const timeZone = input.timeZone ?? (await getWorkspace(db, input.workspaceId))?.settings.timeZone ?? 'UTC';
  const context = { dialect: dialectOf(db), now: input.now, timeZone };
  const rows = await db
    .selectFrom('customer as c')
    .select('c.id')
    .where('c.workspace_id', '=', input.workspaceId)
    .where('c.id', 'in', [...input.customerIds])
    .where('c.erased_at', 'is', null)
    .where((eb) => rulePredicate(eb as unknown as CustomerExpressionBuilder, parsed.rule, context))
    .execute();
  return new Set(rows.map((row) => row.id));
}
