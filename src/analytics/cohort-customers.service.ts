/**
 * `GET /analytics/cohorts/customers`: who one cell of the cohort matrix counts — the matrix of
 * `GET /analytics/cohorts` with the same options — a page at a time, by ascending customer id.
 */
import type { Kysely } from 'kysely';
import { orderCohortCellCustomers, subscriptionCohortCellCustomers } from '../core/index.js';
import type { Database } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { customerLabels, loadSubscriptionTable } from './analytics.repository.js';
import { type AnalyticsQuery, dayTable, reportOptions, resolve } from './analytics.service.js';

export interface CohortCellQuery extends AnalyticsQuery {
  /** The cohort's label, as a row of the matrix names it (`1997-03`). */
  readonly cohort: string;
  /** k: the cell's period is the cohort's + k. */
  readonly age: number;
  /** With `by`: the breakdown value whose matrix the cell is in. */
  readonly value?: string | undefined;
}

export interface CursorPage {
  readonly limit: number;
  /** The last customer id of the previous page (decimal); absent for the first page. */
  readonly cursor?: string | undefined;
}

/**
 * The cell's customers, ascending by id, `limit` after `cursor`, with the cell's `count` (its
 * value in the matrix: every page adds up to it) and the cursor of the next page (`null` on the
 * last). Each customer comes with their external id, e-mail and name. Errors: an unknown cohort,
 * an age outside the row or an incomplete period (whose count is `null`), a value without `by`:
 * 400 naming the parameter; no orders (or paid subscriptions in subscription mode): 404.
 * O(rows) in the core over the same aggregation as the matrix, plus one lookup of the page.
 */
export async function cohortCustomersReport(
  db: Kysely<Database>,
  workspaceId: number,
  query: CohortCellQuery,
  page: CursorPage,
) {
  const cell = {
    cohort: query.cohort,
    age: query.age,
    ...(query.value === undefined ? {} : { value: query.value }),
  };
  let ids: string[];
  let options: Awaited<ReturnType<typeof reportOptions>>;
  if (query.mode === 'subscription') {
    options = await reportOptions(db, workspaceId, query);
    const table = await loadSubscriptionTable(
      db,
      workspaceId,
      options.by === undefined ? {} : { attribute: options.by },
    );
    if (table.length === 0) {
      throw new RetainError('not_found', 'This workspace has no paid subscriptions to analyse yet.');
    }
    ids = subscriptionCohortCellCustomers(table, options, cell);
  } else {
    const analysis = await resolve(db, workspaceId, query);
    options = analysis.options;
    const table = await dayTable(db, workspaceId, analysis, { attribute: true });
    ids = orderCohortCellCustomers(table, options, cell);
  }
  // Store ids in decimal: sorted as numbers, paged after the cursor.
  const sorted = Float64Array.from(ids, Number).sort();
  const after = page.cursor === undefined ? Number.NEGATIVE_INFINITY : Number(page.cursor);
  let start = 0;
  while (start < sorted.length && sorted[start]! <= after) start++;
  const pageIds = Array.from(sorted.subarray(start, start + page.limit), String);
  const labels = await customerLabels(db, workspaceId, pageIds);
  const last = pageIds[pageIds.length - 1];
  return {
    mode: query.mode ?? 'transactional',
    period: options.period,
    kind: options.cohortKind ?? 'first-time',
    measure: options.cohortMeasure ?? 'classic',
    by: options.by ?? null,
    value: query.value ?? null,
    cohort: query.cohort,
    age: query.age,
    count: sorted.length,
    limit: page.limit,
    customers: pageIds.map((customerId) => {
      const label = labels.get(customerId);
      return {
        customerId,
        externalId: label?.externalId ?? null,
        email: label?.email ?? null,
        name: label?.name ?? null,
      };
    }),
    nextCursor: last !== undefined && start + page.limit < sorted.length ? last : null,
  };
}
