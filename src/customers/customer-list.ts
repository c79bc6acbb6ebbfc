/**
 * The customer list's query: filters (profile, orders, subscriptions, consent, search, and the
 * stored scores: RFM segment, risk, value), a sort (newest, or one of the stored sort keys), keyset
 * pages and a bounded count — over `customer` joined to `customer_score` (migration 006).
 *
 * Why it stays fast at a million customers: every sort key is a column of `customer_score` with an
 * index `(workspace_id, coalesce(key, -1), customer_id)`, and a page continues from its cursor with
 * the row comparison `(coalesce(key, -1), customer_id) < (k, id)` — one index range, whatever the
 * page's depth. The default order (newest first) walks the customer's `(workspace_id, id)` key.
 * The search by prefix reads the lower-cased expression indexes of e-mail, name and external id;
 * the search by substring (the default, as before) has no index: it scans, and only the newest
 * `CONTAINS_SEARCH_SCOPE` customers, so no search costs more than that scan (docs/benchmarks.md).
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
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

/**
 * The newest customers a substring search looks at: it has no index, so it scans, and the scan
 * stops there (a prefix search covers every customer through its indexes).
 */
export const CONTAINS_SEARCH_SCOPE = 100_000;

/** The list's filters: the profile ones of `CustomerFilter` and those over the stored scores. */
export interface CustomerListFilter extends CustomerFilter {
  /** How `search` matches: a substring anywhere (default) or the start of a field (indexed). */
  readonly match?: 'contains' | 'prefix';
  /** Any of these RFM segments. */
  readonly segments?: readonly RfmSegmentCode[];
  /** At-risk score in [riskFrom, riskTo). */
  readonly riskFrom?: number;
  /**
   * The last order *as scored* (customer_score.last_order_at, as of the score run) at or after:
   * the at-risk list's "still active" bound, read from the same run as the score it ranks by.
   */
  readonly scoredLastOrderFrom?: number;
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

/** True when the filter reads `customer` (or the tables hanging off it). */
function filtersCustomers(filter: CustomerListFilter): boolean {
  return (
    filter.country !== undefined ||
    filter.createdFrom !== undefined ||
    filter.createdTo !== undefined ||
    filter.lastOrderFrom !== undefined ||
    filter.lastOrderTo !== undefined ||
    filter.hasSubscription !== undefined ||
    filter.consentEmailMarketing !== undefined ||
    filter.consentSmsMarketing !== undefined ||
    (filter.search !== undefined && filter.search.trim() !== '')
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

type Term = RawBuilder<SqlBool>;

/** The filter terms an index may serve: which of them SQLite may seek (see `whereTerms`). */
type IndexedTerm = 'country' | 'segment' | 'risk' | 'spent' | 'clv';

/** The term a stored sort key's own range filter is. */
const SORT_TERMS: Partial<Record<CustomerSort, IndexedTerm>> = { risk: 'risk', spent: 'spent', clv: 'clv' };

/**
 * What a page in `sort` order lets SQLite seek: its sort key's range (and one segment, whose index
 * is in the risk order); a newest-first page, the country (its index is in id order). Null: a
 * count, which seeks the equality terms when there are some (a country, one segment: usually
 * narrower than a score range — a risk band holds a third of the customers), else every term.
 */
function seekable(sort: CustomerSort | null, filter: CustomerListFilter): ReadonlySet<IndexedTerm> | null {
  if (sort === null) {
    const equality = filter.country !== undefined || filter.segments?.length === 1;
    return equality ? new Set<IndexedTerm>(['country', 'segment']) : null;
  }
  if (sort === 'newest') return new Set<IndexedTerm>(['country']);
  if (sort === 'risk') return new Set<IndexedTerm>(['risk', 'segment']);
  const own = SORT_TERMS[sort];
  return new Set<IndexedTerm>(own === undefined ? [] : [own]);
}

/**
 * The `where` terms of `filter`, over `c` (customer) and `s` (customer_score), for a page in
 * `sort` order (null: a count). On SQLite, whose planner has no statistics to weigh a range against
 * an order, a term that should not pick an index is written `+term` — SQLite's documented way to
 * keep a term from using an index — so a sorted page walks its sort key's index and filters,
 * instead of collecting every match of a wide range and sorting them (`seekable`).
 */
function whereTerms(
  dialect: 'sqlite' | 'postgres',
  workspaceId: number,
  filter: CustomerListFilter,
  sort: CustomerSort | null,
): { customer: Term[]; score: Term[] } {
  const seek = dialect === 'sqlite' ? seekable(sort, filter) : null;
  const term = (name: IndexedTerm, expression: RawBuilder<unknown>) =>
    seek === null || seek.has(name) ? expression : sql`+${expression}`;

  const customer: Term[] = [];
  if (filter.country !== undefined) {
    customer.push(sql<SqlBool>`${term('country', sql`c.country`)} = ${filter.country.toUpperCase()}`);
  }
  const created = sql`coalesce(c.signed_up_at, c.created_at)`;
  if (filter.createdFrom !== undefined) customer.push(sql<SqlBool>`${created} >= ${filter.createdFrom}`);
  if (filter.createdTo !== undefined) customer.push(sql<SqlBool>`${created} < ${filter.createdTo}`);
  if (filter.lastOrderFrom !== undefined || filter.lastOrderTo !== undefined) {
    // Correlated on the outer row's workspace and id: served by customer_order_customer_idx.
    const lastOrder = sql`(select max(o.ordered_at) from customer_order o
      where o.workspace_id = c.workspace_id and o.customer_id = c.id and o.status <> 'cancelled')`;
    if (filter.lastOrderFrom !== undefined)
      customer.push(sql<SqlBool>`${lastOrder} >= ${filter.lastOrderFrom}`);
    if (filter.lastOrderTo !== undefined) customer.push(sql<SqlBool>`${lastOrder} < ${filter.lastOrderTo}`);
  }
  if (filter.hasSubscription !== undefined) {
    const live = sql<SqlBool>`exists (select 1 from subscription sub where sub.workspace_id = ${workspaceId}
      and sub.customer_id = c.id and sub.status in (${sql.join([...LIVE_SUBSCRIPTION_STATUSES])}))`;
    customer.push(filter.hasSubscription ? live : sql<SqlBool>`not ${live}`);
  }
  if (filter.consentEmailMarketing !== undefined) {
    customer.push(sql<SqlBool>`c.consent_email_marketing = ${toFlag(filter.consentEmailMarketing)}`);
  }
  if (filter.consentSmsMarketing !== undefined) {
    customer.push(sql<SqlBool>`c.consent_sms_marketing = ${toFlag(filter.consentSmsMarketing)}`);
  }
  const search = filter.search?.trim() ?? '';
  if (search !== '' && filter.match === 'prefix') {
    // Each field's matches read from its lower-cased index; their ids drive the page.
    const low = lowerAsStore(search, dialect);
    const high = prefixUpperBound(low);
    const byteOrder = dialect === 'postgres' ? sql` collate "C"` : sql``;
    const matches = (column: 'email' | 'name' | 'external_id') => {
      const lowered = sql`lower(${sql.ref(column)})${byteOrder}`;
      return sql`select id from customer where workspace_id = ${workspaceId} and ${lowered} >= ${low}
        ${high === null ? sql`` : sql`and ${lowered} < ${high}`}`;
    };
    customer.push(
      sql<SqlBool>`c.id in (${matches('email')} union ${matches('name')} union ${matches('external_id')})`,
    );
  } else if (search !== '') {
    // A substring has no index: the scan is bounded to the newest customers (see the file comment).
    customer.push(
      sql<SqlBool>`c.id >= coalesce((select id from customer where workspace_id = ${workspaceId}
        order by id desc limit 1 offset ${CONTAINS_SEARCH_SCOPE - 1}), 0)`,
    );
    const pattern = likePattern(search);
    // lower() on both sides: SQLite's LIKE folds ASCII only and PostgreSQL's not at all.
    const contains = (column: 'email' | 'name' | 'external_id') =>
      sql`lower(${sql.ref(`c.${column}`)}) like ${pattern} escape '\\'`;
    customer.push(sql<SqlBool>`(${contains('email')} or ${contains('name')} or ${contains('external_id')})`);
  }

  const score: Term[] = [];
  if (filter.segments !== undefined && filter.segments.length > 0) {
    // The (segment, risk) index serves one segment in the risk order.
    const segment =
      filter.segments.length === 1 || seek === null || sort === null
        ? term('segment', sql`s.rfm_segment`)
        : sql`+s.rfm_segment`;
    score.push(sql<SqlBool>`${segment} in (${sql.join([...filter.segments])})`);
  }
  const risk = term('risk', sql`coalesce(s.risk_score, -1)`);
  if (filter.riskFrom !== undefined) score.push(sql<SqlBool>`${risk} >= ${filter.riskFrom}`);
  if (filter.riskTo !== undefined) score.push(sql<SqlBool>`${risk} < ${filter.riskTo}`);
  if (filter.scoredLastOrderFrom !== undefined) {
    // Never the index to walk (SQLite's `+`): the risk order is, and most customers pass this.
    const lastOrder = dialect === 'sqlite' ? sql`+s.last_order_at` : sql`s.last_order_at`;
    score.push(sql<SqlBool>`${lastOrder} >= ${filter.scoredLastOrderFrom}`);
  }
  if (filter.minValueCents !== undefined || filter.maxValueCents !== undefined) {
    const clv = filter.valueBy === 'clv';
    const column = clv ? 'predicted_clv_cents' : 'value_cents';
    const value = term(clv ? 'clv' : 'spent', sql`coalesce(${sql.ref(`s.${column}`)}, -1)`);
    score.push(sql<SqlBool>`${sql.ref(`s.${column}`)} is not null`);
    if (filter.minValueCents !== undefined) score.push(sql<SqlBool>`${value} >= ${filter.minValueCents}`);
    if (filter.maxValueCents !== undefined) score.push(sql<SqlBool>`${value} <= ${filter.maxValueCents}`);
  }
  return { customer, score };
}

const all = (terms: readonly Term[]) =>
  terms.length === 0 ? sql<SqlBool>`true` : sql<SqlBool>`${sql.join(terms, sql` and `)}`;

/** The filtered rows of a page (no order, no page yet): the join and every `where`. */
function filteredQuery(db: Executor, workspaceId: number, filter: CustomerListFilter, sort: CustomerSort) {
  const dialect = dialectOf(db);
  const scoredOnly = sort !== 'newest' || filtersScores(filter);
  const terms = whereTerms(dialect, workspaceId, filter, sort);
  const from = withScoreTables(db).selectFrom('customer as c');
  // Sorting or filtering by a stored score: only customers with a row (an inner join, which lets
  // the planner walk customer_score's index); otherwise every customer, scores when present.
  const joined = scoredOnly
    ? from
        .innerJoin('customer_score as s', (join) =>
          join.onRef('s.workspace_id', '=', 'c.workspace_id').onRef('s.customer_id', '=', 'c.id'),
        )
        .where('s.workspace_id', '=', workspaceId)
    : (from.leftJoin('customer_score as s', (join) =>
        join.onRef('s.workspace_id', '=', 'c.workspace_id').onRef('s.customer_id', '=', 'c.id'),
      ) as unknown as ReturnType<
        typeof from.innerJoin<'customer_score as s', 's.workspace_id', 'c.workspace_id'>
      >);
  return joined.where('c.workspace_id', '=', workspaceId).where(all([...terms.customer, ...terms.score]));
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
  // A prefix search yields few rows: on SQLite they drive the page (read from the search indexes,
  // then sorted) — the key written `+key` so that walking the whole sort index is not preferred.
  const searchDriven =
    dialectOf(db) === 'sqlite' && filter.match === 'prefix' && (filter.search?.trim() ?? '') !== '';
  const key = searchDriven ? sql<number>`+${sortKeyOf(sort)}` : sortKeyOf(sort);
  if (page.after !== undefined) {
    // The row comparison is exact; the bound on the key alone is what lets SQLite seek the index.
    const bound = direction === 'desc' ? sql.raw('<=') : sql.raw('>=');
    query = query
      .where(sql<SqlBool>`${key} ${bound} ${page.after.key}`)
      .where(sql<SqlBool>`(${key}, s.customer_id) ${comparison} (${page.after.key}, ${page.after.id})`);
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
 * The join of a count that reads both tables. SQLite: CROSS JOIN fixes the order — from the
 * customers of a country or of a prefix search (their indexes) when there is one, else from the
 * scores; PostgreSQL plans it.
 */
function joinOrder(dialect: 'sqlite' | 'postgres', filter: CustomerListFilter) {
  if (dialect === 'postgres') return sql`customer c join customer_score s`;
  const prefixSearch = filter.match === 'prefix' && (filter.search?.trim() ?? '') !== '';
  return filter.country !== undefined || prefixSearch
    ? sql`customer c cross join customer_score s`
    : sql`customer_score s cross join customer c`;
}

/**
 * How many customers match, counted up to `cap` (then `capped`): a count stops at the cap, so it
 * costs at most `cap` index entries however large the workspace. It reads only the tables its
 * filters need: `customer_score` alone for score filters, `customer` alone for profile filters.
 * O(min(matches, cap)) plus what the filters examine.
 */
export async function countCustomerRows(
  db: Executor,
  workspaceId: number,
  filter: CustomerListFilter,
  sort: CustomerSort,
  cap: number,
): Promise<{ total: number; capped: boolean }> {
  const dialect = dialectOf(db);
  const terms = whereTerms(dialect, workspaceId, filter, null);
  const scores = sort !== 'newest' || filtersScores(filter);
  const customers = filtersCustomers(filter);
  const source =
    scores && !customers
      ? sql`customer_score s where s.workspace_id = ${workspaceId}`
      : !scores
        ? sql`customer c where c.workspace_id = ${workspaceId}`
        : sql`${joinOrder(dialect, filter)} on s.workspace_id = c.workspace_id and s.customer_id = c.id
            where c.workspace_id = ${workspaceId} and s.workspace_id = ${workspaceId}`;
  const where =
    scores && !customers ? terms.score : !scores ? terms.customer : [...terms.customer, ...terms.score];
  const result = await sql<{ total: number | string }>`select count(*) as total from
    (select 1 as one from ${source} and ${all(where)} limit ${cap + 1}) as matching`.execute(db);
  const total = Number(result.rows[0]?.total ?? 0);
  return total > cap ? { total: cap, capped: true } : { total, capped: false };
}
