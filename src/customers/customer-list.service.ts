/**
 * The customer list as the API serves it (`GET /customers`, `/customers/at-risk`, the CSV export):
 * rows with their stored scores, opaque keyset cursors that carry the order they belong to, and a
 * count bounded so that no page costs a scan of a million customers.
 */
import type { Kysely } from 'kysely';
import type { AtRiskReason } from '../core/index.js';
import { type Database, fromJson, parseRowId, type RowId } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';
import {
  CUSTOMER_SORTS,
  type CustomerListFilter,
  type CustomerSort,
  countCustomerRows,
  type ListedCustomerRow,
  type ListPosition,
  listCustomerRows,
  type SortDirection,
} from './customer-list.js';
import {
  type Customer,
  isoOrNull,
  type PageRequest,
  pageSize,
  splitPage,
  toCustomer,
} from './customers.service.js';
import { latestScoreRun, type RfmSegmentCode, type RiskBand, riskBand } from './score.repository.js';
import type { Executor } from './upsert-batch.js';

/**
 * The list counts matches up to this many; beyond, `total` is this and `totalCapped` true — so a
 * count costs at most this many index entries of its filter, whatever the workspace's size.
 */
export const MAX_COUNTED_CUSTOMERS = 10_000;

/** A customer's stored scores as the API shows them (money in cents of the workspace currency). */
export interface CustomerScoreSummary {
  /** 0–100, higher = more at risk; null without a completed order. */
  readonly riskScore: number | null;
  readonly riskBand: RiskBand | null;
  /** Why, largest contribution first: codes and numbers (docs/api.md lists the codes). */
  readonly reasons: AtRiskReason[];
  /** Probability the customer is still active (the at-risk model's). */
  readonly pAlive: number | null;
  /** Expected purchases over the at-risk horizon. */
  readonly expectedPurchases: number | null;
  readonly predictedClvCents: number | null;
  readonly rfm: {
    readonly segment: RfmSegmentCode;
    readonly r: number;
    readonly f: number;
    readonly m: number;
  } | null;
  /** Completed orders. */
  readonly ordersCount: number;
  /** Completed orders minus refunds, cents. */
  readonly valueCents: number;
  readonly firstOrderAt: string | null;
  readonly lastOrderAt: string | null;
  readonly computedAt: string;
}

/** A customer of the list: the profile and the stored scores. */
export interface ListedCustomer extends Customer {
  readonly score: CustomerScoreSummary | null;
}

/** When the stored scores were computed, and the last data day they score as of. */
export interface ScoresAsOf {
  readonly asOf: string | null;
  readonly computedAt: string;
}

export interface CustomerListPage {
  readonly data: ListedCustomer[];
  readonly nextCursor: string | null;
  /**
   * Matching customers, on the first page only (null with a cursor); null too for a substring
   * search with more than one page (counting would scan again).
   */
  readonly total: number | null;
  /** True when more than `MAX_COUNTED_CUSTOMERS` match (`total` is then that bound). */
  readonly totalCapped: boolean;
  /** ISO 4217 code of the workspace: the currency of every `…Cents` value. */
  readonly currency: string;
  /** The score run the `score` fields come from; null before the first. */
  readonly scores: ScoresAsOf | null;
}

const number = (value: number | string | null) => (value === null ? null : Number(value));

/** The stored scores of a list row (`null` when the customer has no row yet). */
export function scoreSummaryOf(row: ListedCustomerRow): CustomerScoreSummary | null {
  if (row.score_run_id === null || row.score_computed_at === null) return null;
  const riskScore = number(row.score_risk_score);
  const segment = row.score_rfm_segment as RfmSegmentCode | null;
  return {
    riskScore,
    riskBand: riskScore === null ? null : riskBand(riskScore),
    reasons: row.score_reasons === null ? [] : fromJson<AtRiskReason[]>(row.score_reasons),
    pAlive: number(row.score_p_alive),
    expectedPurchases: number(row.score_expected_purchases),
    predictedClvCents: number(row.score_predicted_clv_cents),
    rfm:
      segment === null
        ? null
        : {
            segment,
            r: Number(row.score_rfm_r),
            f: Number(row.score_rfm_f),
            m: Number(row.score_rfm_m),
          },
    ordersCount: Number(row.score_orders_count ?? 0),
    valueCents: Number(row.score_value_cents ?? 0),
    firstOrderAt: isoOrNull(number(row.score_first_order_at)),
    lastOrderAt: isoOrNull(number(row.score_last_order_at)),
    computedAt: isoOrNull(Number(row.score_computed_at)) ?? '',
  };
}

/** A list row as the API shows it. */
export function toListedCustomer(row: ListedCustomerRow): ListedCustomer {
  return { ...toCustomer(row), score: scoreSummaryOf(row) };
}

/** What a list cursor holds: the order it was made for and the last row's position in it. */
interface ListCursor {
  readonly sort: CustomerSort;
  readonly direction: SortDirection;
  readonly position: ListPosition;
}

function encodeListCursor(cursor: ListCursor): string {
  const { sort, direction, position } = cursor;
  // Newest first keeps the shape of the cursors before sorting existed ({ id }).
  const value =
    sort === 'newest' && direction === 'desc'
      ? { id: position.id }
      : { id: position.id, k: position.key, s: sort, d: direction };
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function invalidCursor(message = 'Pass back a nextCursor from an earlier page, unchanged.'): RetainError {
  return new RetainError('invalid_input', 'The cursor is not valid.', [
    { path: ['query', 'cursor'], message },
  ]);
}

function decodeListCursor(text: string, sort: CustomerSort, direction: SortDirection): ListPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof value !== 'object' || value === null) throw invalidCursor();
  const { id, k, s, d } = value as { id?: unknown; k?: unknown; s?: unknown; d?: unknown };
  const rowId = parseRowId(id);
  if (rowId === undefined) throw invalidCursor();
  const cursorSort = s === undefined ? 'newest' : s;
  const cursorDirection = d === undefined ? 'desc' : d;
  if (
    !(CUSTOMER_SORTS as readonly unknown[]).includes(cursorSort) ||
    (cursorDirection !== 'asc' && cursorDirection !== 'desc')
  )
    throw invalidCursor();
  if (cursorSort !== sort || cursorDirection !== direction) {
    throw invalidCursor(
      `This cursor belongs to sort=${String(cursorSort)}&direction=${String(cursorDirection)}; a new order starts without one.`,
    );
  }
  if (sort === 'newest') return { key: rowId, id: rowId };
  if (typeof k !== 'number' || !Number.isFinite(k)) throw invalidCursor();
  return { key: k, id: rowId };
}

/** The order of a list request. */
export interface ListOrder {
  readonly sort?: CustomerSort;
  readonly direction?: SortDirection;
}

/** The workspace's currency and the run its scores come from. */
async function listContext(db: Executor, workspaceId: number) {
  const workspace = await getWorkspace(db as Kysely<Database>, workspaceId);
  const run = await latestScoreRun(db, workspaceId);
  return {
    currency: workspace?.settings.currency ?? 'USD',
    scores:
      run === undefined
        ? null
        : { asOf: run.asOf, computedAt: isoOrNull(run.finishedAt ?? run.startedAt) ?? '' },
  };
}

/**
 * One page of customers matching `filter` in `order` (default newest first), each with its stored
 * scores; the first page (no cursor) also counts the matches, up to `MAX_COUNTED_CUSTOMERS`.
 * Walking `nextCursor` until it is `null` visits every matching customer exactly once; a cursor
 * only continues the order it was made for (another answers 400).
 * O(log n + limit) per page when the order's index serves the filters, plus the bounded count.
 */
export async function listCustomersPage(
  db: Executor,
  workspaceId: number,
  filter: CustomerListFilter,
  request: PageRequest & ListOrder,
): Promise<CustomerListPage> {
  const limit = pageSize(request);
  const sort = request.sort ?? 'newest';
  const direction = request.direction ?? 'desc';
  const after = request.cursor === undefined ? undefined : decodeListCursor(request.cursor, sort, direction);
  const listed = await listCustomerRows(
    db,
    workspaceId,
    filter,
    { sort, direction },
    { limit, ...(after === undefined ? {} : { after }) },
  );
  const { rows, more } = splitPage(listed.rows, limit);
  const last = rows.length - 1;
  // A first page that is also the last counts itself; a substring search is not counted (it
  // scans, and the page already did); anything else counts up to the cap.
  const substring = filter.match !== 'prefix' && (filter.search?.trim() ?? '') !== '';
  const counted =
    request.cursor !== undefined
      ? null
      : !more && rows.length <= MAX_COUNTED_CUSTOMERS
        ? { total: rows.length, capped: false }
        : substring
          ? null
          : await countCustomerRows(db, workspaceId, filter, sort, MAX_COUNTED_CUSTOMERS);
  return {
    data: rows.map(toListedCustomer),
    nextCursor:
      more && last >= 0
        ? encodeListCursor({
            sort,
            direction,
            position: { key: listed.keys[last]!, id: Number(rows[last]!.id) as RowId },
          })
        : null,
    total: counted?.total ?? null,
    totalCapped: counted?.capped ?? false,
    ...(await listContext(db, workspaceId)),
  };
}

/**
 * Every matching customer in `order`, a keyset page of `pageRows` at a time, for the CSV export:
 * pages are read one after the other as the caller asks for them, so the list is never held whole.
 */
export async function* customerPages(
  db: Executor,
  workspaceId: number,
  filter: CustomerListFilter,
  order: Required<ListOrder>,
  pageRows = 1_000,
): AsyncGenerator<ListedCustomerRow[]> {
  let after: ListPosition | undefined;
  for (;;) {
    const { rows, keys } = await listCustomerRows(db, workspaceId, filter, order, {
      limit: pageRows,
      ...(after === undefined ? {} : { after }),
    });
    const page = rows.slice(0, pageRows);
    if (page.length > 0) yield page;
    if (rows.length <= pageRows) return;
    after = { key: keys[pageRows - 1]!, id: Number(page[pageRows - 1]!.id) };
  }
}
