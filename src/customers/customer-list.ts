/**
 * The customer list's query: filters (profile, orders, subscriptions, consent, search, and the
 * stored scores: RFM segment, risk, value), a sort (newest, or one of the stored sort keys), keyset
 * pages and a bounded count — over `customer` joined to `customer_score` (migration 005).
 *
 * Why it stays fast at a million customers: every sort key is a column of `customer_score` with an
 * index `(workspace_id, coalesce(key, -1), customer_id)`, and a page continues from its cursor with
 * the row comparison `(coalesce(key, -1), customer_id) < (k, id)` — one index range, whatever the
 * page's depth. The default order (newest first) walks the customer's `(workspace_id, id)` key.
 * The search by prefix reads the lower-cased expression indexes of e-mail, name and external id;
 * the search by substring (the default, as before) has no index and scans the workspace's
 * customers until the page is full — bounded by the workspace's size (docs/benchmarks.md).
 */
import { type Expression, type SqlBool, sql } from 'kysely';
import { type CustomerRow, dialectOf, type RowId, toFlag } from '../db/index.js';
import { type CustomerFilter, LIVE_SUBSCRIPTION_STATUSES } from './customer.repository.js';
import { withScoreTables } from './customer-tables.js';
import { type RfmSegmentCode, STORED_SCORE_COLUMNS } from './score.repository.js';
import type { Executor } from './upsert-batch.js';

/** The orders of the list. `newest`: by id (creation order); the others read `customer_score`. */
export const CUSTOMER_SORTS = ['newest', 'lastOrder', 'orders', 'spent', 'risk', 'clv'] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];
export type SortDirection = 'asc' | 'desc';

/** The `customer_score` column each stored sort key reads. */
const SORT_COLUMNS = {
  lastOrder: 'last_order_at',
  orders: 'orders_count',
  spent: 'value_cents',
  risk: 'risk_score',
  clv: 'predicted_clv_cents',
} as const satisfies Record<Exclude<CustomerSort, 'newest'>, string>;

/** The list's filters: the profile ones of `CustomerFilter` and those over the stored scores. */
export interface CustomerListFilter extends CustomerFilter {
  /** How `search` matches: a substring anywhere (default) or the start of a field (indexed). */
  readonly match?: 'contains' | 'prefix';
  /** Any of these RFM segments. */
  readonly segments?: readonly RfmSegmentCode[];
  /** At-risk score in [riskFrom, riskTo). */
  readonly riskFrom?: number;
  readonly riskTo?: number;
  /** What `minValueCents` / `maxValueCents` bound: value to date (default) or predicted CLV. */
  readonly valueBy?: 'spent' | 'clv';
  /** Inclusive bounds, cents. */
  readonly minValueCents?: number;
  readonly maxValueCents?: number;
}

/** Where a page starts: after the row with this sort key (coalesced) and customer id. */
export interface ListPosition {
  readonly key: number;
  readonly id: RowId;
}

/** A customer row with its stored scores (`null` when not scored yet). */
export interface ListedCustomerRow extends CustomerRow {
  readonly score_run_id: RowId | null;
  readonly score_computed_at: number | null;
  readonly score_risk_score: number | null;
  readonly score_reasons: string | null;
  readonly score_p_alive: number | null;
  readonly score_expected_purchases: number | null;
  readonly score_predicted_clv_cents: number | null;
  readonly score_rfm_segment: string | null;
  readonly score_rfm_r: number | null;
  readonly score_rfm_f: number | null;
  readonly score_rfm_m: number | null;
  readonly score_orders_count: number | null;
  readonly score_value_cents: number | null;
  readonly score_first_order_at: number | null;
  readonly score_last_order_at: number | null;
}

/** True when the filter reads `customer_score`. */
function filtersScores(filter: CustomerListFilter): boolean {
  return (
    (filter.segments !== undefined && filter.segments.length > 0) ||
    filter.riskFrom !== undefined ||
    filter.riskTo !== undefined ||
    filter.minValueCents !== undefined ||
    filter.maxValueCents !== undefined
  );
}

/** `%`, `_` and the escape character itself are literal in a substring search. */
export function likePattern(search: string): string {
  return `%${search.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/**
 * The least string above every string that starts with `prefix`, in code point order (byte order
 * of UTF-8, SQLite's BINARY and PostgreSQL's "C" collation): the prefix with its last code point
 * incremented (a maximal last code point is dropped and the previous one incremented). `null` when
 * there is no bound (every code point maximal). O(length).
 * Example: `prefixUpperBound('ab')` → `'ac'`; `prefixUpperBound('a\u{10FFFF}')` → `'b'`.
 */
export function prefixUpperBound(prefix: string): string | null {
  const points = Array.from(prefix, (character) => character.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < 0x10ffff) {
      // Skip the surrogate range: those code points are not text.
      points.push(last === 0xd7ff ? 0xe000 : last + 1);
      return String.fromCodePoint(...points);
    }
  }
  return null;
}

/**
 * Lower-cases a search the way the store's `lower()` does: SQLite's folds ASCII letters only,
 * PostgreSQL's every letter (as JavaScript's does).
 */
function lowerAsStore(text: string, dialect: 'sqlite' | 'postgres'): string {
  return dialect === 'sqlite'
    ? text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase())
    : text.toLowerCase();
}

/** The filtered rows of the list (no order, no page): the join and every `where`. */
function filteredQuery(db: Executor, workspaceId: number, filter: CustomerListFilter, sort: CustomerSort) {
  const dialect = dialectOf(db);
  const scoredOnly = sort !== 'newest' || filtersScores(filter);
  const scoped = withScoreTables(db);
  const from = scoped.selectFrom('customer as c');
  // Sorting or filtering by a stored score: only customers with a row (an inner join, which lets
  // the planner walk customer_score's index); otherwise every customer, scores when present.
  let query = (
    scoredOnly
      ? from
          .innerJoin('customer_score as s', (join) =>
            join.onRef('s.workspace_id', '=', 'c.workspace_id').onRef('s.customer_id', '=', 'c.id'),
          )
          .where('s.workspace_id', '=', workspaceId)
      : (from.leftJoin('customer_score as s', (join) =>
          join.onRef('s.workspace_id', '=', 'c.workspace_id').onRef('s.customer_id', '=', 'c.id'),
        ) as unknown as ReturnType<
          typeof from.innerJoin<'customer_score as s', 's.workspace_id', 'c.workspace_id'>
        >)
  ).where('c.workspace_id', '=', workspaceId);

  if (filter.country !== undefined) query = query.where('c.country', '=', filter.country.toUpperCase());
  const created = sql<number>`coalesce(c.signed_up_at, c.created_at)`;
  if (filter.createdFrom !== undefined) query = query.where(created, '>=', filter.createdFrom);
  if (filter.createdTo !== undefined) query = query.where(created, '<', filter.createdTo);
  if (filter.lastOrderFrom !== undefined || filter.lastOrderTo !== undefined) {
    // Correlated on the outer row's workspace and id: served by customer_order_customer_idx.
    const lastOrder = sql<number>`(select max(o.ordered_at) from customer_order o
      where o.workspace_id = c.workspace_id and o.customer_id = c.id and o.status <> 'cancelled')`;
    if (filter.lastOrderFrom !== undefined) query = query.where(lastOrder, '>=', filter.lastOrderFrom);
    if (filter.lastOrderTo !== undefined) query = query.where(lastOrder, '<', filter.lastOrderTo);
  }
  if (filter.hasSubscription !== undefined) {
    const wanted = filter.hasSubscription;
    query = query.where((eb) => {
      const live = eb.exists(
        eb
          .selectFrom('subscription as sub')
          .select('sub.id')
          .where('sub.workspace_id', '=', workspaceId)
          .whereRef('sub.customer_id', '=', 'c.id')
          .where('sub.status', 'in', [...LIVE_SUBSCRIPTION_STATUSES]),
      );
      return wanted ? live : eb.not(live);
    });
  }
  if (filter.consentEmailMarketing !== undefined) {
    query = query.where('c.consent_email_marketing', '=', toFlag(filter.consentEmailMarketing));
  }
  if (filter.consentSmsMarketing !== undefined) {
    query = query.where('c.consent_sms_marketing', '=', toFlag(filter.consentSmsMarketing));
  }
  const search = filter.search?.trim() ?? '';
  if (search !== '') {
    if (filter.match === 'prefix') {
      const low = lowerAsStore(search, dialect);
      const high = prefixUpperBound(low);
      const byteOrder = dialect === 'postgres' ? sql` collate "C"` : sql``;
      const startsWith = (column: 'c.email' | 'c.name' | 'c.external_id'): Expression<SqlBool> => {
        const lowered = sql`lower(${sql.ref(column)})${byteOrder}`;
        return high === null
          ? sql<SqlBool>`${lowered} >= ${low}`
          : sql<SqlBool>`(${lowered} >= ${low} and ${lowered} < ${high})`;
      };
      query = query.where((eb) =>
        eb.or([startsWith('c.email'), startsWith('c.name'), startsWith('c.external_id')]),
      );
    } else {
      const pattern = likePattern(search);
      // lower() on both sides: SQLite's LIKE folds ASCII only and PostgreSQL's not at all.
      const contains = (column: 'c.email' | 'c.name' | 'c.external_id'): Expression<SqlBool> =>
        sql<SqlBool>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
      query = query.where((eb) =>
        eb.or([contains('c.email'), contains('c.name'), contains('c.external_id')]),
      );
    }
  }
  if (filter.segments !== undefined && filter.segments.length > 0) {
    query = query.where('s.rfm_segment', 'in', [...filter.segments]);
  }
  const risk = sql<number>`coalesce(s.risk_score, -1)`;
  if (filter.riskFrom !== undefined) query = query.where(risk, '>=', filter.riskFrom);
  if (filter.riskTo !== undefined) query = query.where(risk, '<', filter.riskTo);
  if (filter.minValueCents !== undefined || filter.maxValueCents !== undefined) {
    const column = filter.valueBy === 'clv' ? 'predicted_clv_cents' : 'value_cents';
    const value = sql<number>`coalesce(${sql.ref(`s.${column}`)}, -1)`;
    query = query.where(`s.${column}`, 'is not', null);
    if (filter.minValueCents !== undefined) query = query.where(value, '>=', filter.minValueCents);
    if (filter.maxValueCents !== undefined) query = query.where(value, '<=', filter.maxValueCents);
  }
  return query;
}

/** The coalesced sort key of `sort` (see the file comment), as SQL. */
function sortKeyOf(sort: Exclude<CustomerSort, 'newest'>) {
  return sql<number>`coalesce(${sql.ref(`s.${SORT_COLUMNS[sort]}`)}, -1)`;
}

/**
 * One page of the list: `limit + 1` rows (so the caller knows whether more follow) in `sort`
 * order, `direction` applying to the key and to the id that breaks its ties, after `after`.
 * Walking the pages visits each matching customer once, in a stable order.
 * O(log n + rows examined): the rows examined are the page's when the order's index serves it.
 */
export async function listCustomerRows(
  db: Executor,
  workspaceId: number,
  filter: CustomerListFilter,
  order: { readonly sort: CustomerSort; readonly direction: SortDirection },
  page: { readonly limit: number; readonly after?: ListPosition },
): Promise<{ rows: ListedCustomerRow[]; keys: number[] }> {
  const { sort, direction } = order;
  let query = filteredQuery(db, workspaceId, filter, sort)
    .selectAll('c')
    .select([
      's.run_id as score_run_id',
      's.computed_at as score_computed_at',
      ...STORED_SCORE_COLUMNS.map((column) => `s.${column} as score_${column}` as const),
    ]);
  const comparison = direction === 'desc' ? sql.raw('<') : sql.raw('>');
  if (sort === 'newest') {
    if (page.after !== undefined)
      query = query.where('c.id', direction === 'desc' ? '<' : '>', page.after.id);
    const rows = await query
      .orderBy('c.id', direction)
      .limit(page.limit + 1)
      .execute();
    return { rows: rows as unknown as ListedCustomerRow[], keys: rows.map((row) => Number(row.id)) };
  }
  const key = sortKeyOf(sort);
  if (page.after !== undefined) {
    query = query.where(
      sql<SqlBool>`(${key}, s.customer_id) ${comparison} (${page.after.key}, ${page.after.id})`,
    );
  }
  const rows = await query
    .select(key.as('sort_key'))
    .orderBy(key, direction)
    .orderBy('s.customer_id', direction)
    .limit(page.limit + 1)
    .execute();
  return {
    rows: rows as unknown as ListedCustomerRow[],
    keys: rows.map((row) => Number((row as { sort_key: number }).sort_key)),
  };
}

/**
 * How many customers match, counted up to `cap` (then `capped`): a count stops at the cap, so it
 * costs at most `cap` index entries however large the workspace. O(min(matches, cap)) plus what
 * the filters examine.
 */
export async function countCustomerRows(
  db: Executor,
  workspaceId: number,
  filter: CustomerListFilter,
  sort: CustomerSort,
  cap: number,
): Promise<{ total: number; capped: boolean }> {
  const limited = filteredQuery(db, workspaceId, filter, sort)
    .select(sql<number>`1`.as('one'))
    .limit(cap + 1);
  const row = await withScoreTables(db)
    .selectFrom(limited.as('matching'))
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  const total = Number(row.total);
  return total > cap ? { total: cap, capped: true } : { total, capped: false };
}
