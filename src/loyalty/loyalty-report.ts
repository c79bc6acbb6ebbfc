/**
 * The programme report (docs/metrics.md, "Loyalty"): members, points issued / redeemed / expired /
 * reversed in a window, the outstanding points and their liability in money, the redemption rate,
 * and the repeat rate and retention of members against non-members — with the caveat that members
 * choose to join (self-selection), so the gap is an association, not the programme's effect; a
 * randomised offer through a flow's holdout measures the effect.
 */
import { type Kysely, sql } from 'kysely';
import { type Database, fromJson } from '../db/index.js';
import { findProgramme } from './loyalty.repository.js';

export const SELF_SELECTION_CAVEAT =
  'Members chose to join: customers who buy more are likelier to become members, so the gap between members and non-members is an association, not the effect of the programme. To measure the effect, randomise an offer through a flow with a holdout.';

interface GroupRates {
  /** Customers with a completed order in the window. */
  readonly buyers: number;
  /** Of those, with 2 or more. */
  readonly repeatBuyers: number;
  readonly repeatRate: number | null;
  /** Customers with a completed order in the window of the same length before. */
  readonly previousBuyers: number;
  /** Of those, with a completed order in the window too. */
  readonly retained: number;
  readonly retention: number | null;
}

const rate = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/** The report for orders and entries in [from, to), outstanding points as of now. */
export async function loyaltyReport(db: Kysely<Database>, workspaceId: number, from: number, to: number) {
  const programme = await findProgramme(db, workspaceId);
  const pointValueCents = programme?.settings.pointValueCents ?? 1;
  const accounts = await db
    .selectFrom('loyalty_account')
    .select((eb) => [
      eb.fn.countAll<number>().as('members'),
      eb.fn.sum<number>('balance').as('balance'),
      eb.fn.sum<number>('pending').as('pending'),
    ])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  const flows = await db
    .selectFrom('loyalty_entry')
    .select((eb) => [
      'kind',
      eb.fn.sum<number>(eb.case().when('points', '>', 0).then(eb.ref('points')).else(0).end()).as('credits'),
      eb.fn
        .sum<number>(
          eb
            .case()
            .when('points', '<', 0)
            .then(eb.neg(eb.ref('points')))
            .else(0)
            .end(),
        )
        .as('debits'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('created_at', '>=', from)
    .where('created_at', '<', to)
    .groupBy('kind')
    .execute();
  const sumOf = (kind: string, side: 'credits' | 'debits') =>
    Number(flows.find((row) => row.kind === kind)?.[side] ?? 0);
  const issued = sumOf('earn', 'credits') + sumOf('adjust', 'credits');
  const redeemed = sumOf('redeem', 'debits');
  const expired = sumOf('expire', 'debits');
  const reversed = sumOf('reverse', 'debits');
  const adjustedDown = sumOf('adjust', 'debits');

  const length = to - from;
  const groups = await sql<{
    member: number;
    buyers: number;
    repeat_buyers: number;
    previous: number;
    retained: number;
  }>`
    with current_buyers as (
      select customer_id, count(*) as orders from customer_order
      where workspace_id = ${workspaceId} and status = 'completed' and ordered_at >= ${from} and ordered_at < ${to}
      group by customer_id
    ), previous_buyers as (
      select distinct customer_id from customer_order
      where workspace_id = ${workspaceId} and status = 'completed' and ordered_at >= ${from - length} and ordered_at < ${from}
    ), everyone as (
      select customer_id from current_buyers union select customer_id from previous_buyers
    )
    select
      case when a.customer_id is null then 0 else 1 end as member,
      sum(case when c.customer_id is null then 0 else 1 end) as buyers,
      sum(case when c.orders >= 2 then 1 else 0 end) as repeat_buyers,
      sum(case when p.customer_id is null then 0 else 1 end) as previous,
      sum(case when p.customer_id is not null and c.customer_id is not null then 1 else 0 end) as retained
    from everyone e
    left join current_buyers c on c.customer_id = e.customer_id
    left join previous_buyers p on p.customer_id = e.customer_id
    left join loyalty_account a on a.workspace_id = ${workspaceId} and a.customer_id = e.customer_id
    group by case when a.customer_id is null then 0 else 1 end`.execute(db);
  const groupOf = (member: boolean): GroupRates => {
    const row = groups.rows.find((candidate) => Number(candidate.member) === (member ? 1 : 0));
    const buyers = Number(row?.buyers ?? 0);
    const repeatBuyers = Number(row?.repeat_buyers ?? 0);
    const previousBuyers = Number(row?.previous ?? 0);
    const retained = Number(row?.retained ?? 0);
    return {
      buyers,
      repeatBuyers,
      repeatRate: rate(repeatBuyers, buyers),
      previousBuyers,
      retained,
      retention: rate(retained, previousBuyers),
    };
  };
  const workspace = await db
    .selectFrom('workspace')
    .select('settings')
    .where('id', '=', workspaceId)
    .executeTakeFirst();
  const currency =
    workspace === undefined ? 'USD' : (fromJson<{ currency?: string }>(workspace.settings).currency ?? 'USD');
  const balance = Number(accounts.balance ?? 0);
  const pending = Number(accounts.pending ?? 0);
  return {
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    members: Number(accounts.members),
    points: { issued, redeemed, expired, reversed, adjustedDown },
    outstanding: { balance, pending },
    currency,
    pointValueCents,
    liability: {
      spendable: ((balance * pointValueCents) / 100).toFixed(2),
      includingPending: (((balance + pending) * pointValueCents) / 100).toFixed(2),
    },
    redemptionRate: rate(redeemed, issued),
    membersGroup: groupOf(true),
    nonMembersGroup: groupOf(false),
    caveat: SELF_SELECTION_CAVEAT,
  };
}
