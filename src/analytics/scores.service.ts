/**
 * Every customer's scores, as the customer list stores them (`customer_score`): computed by the
 * same functions, on the same day-aggregated orders and with the same options as the analytics
 * endpoints — the at-risk score, its reasons, P(alive) and the expected purchases of
 * `GET /analytics/at-risk` (`analyzeAtRisk`), the predicted CLV of `GET /analytics/clv` (`analyzeClv`:
 * BG/NBD and Gamma-Gamma, 12 months, 1 % a month), the RFM segment of `GET /analytics/rfm` — so a customer's
 * row says what those endpoints say about them (the tests compare them customer by customer).
 */
import { type Kysely, sql } from 'kysely';
import {
  analyzeAtRisk,
  analyzeClv,
  clvSummaries,
  DAYS_PER_MONTH,
  EARLIEST_INSTANT,
  LATEST_INSTANT,
  RFM_SEGMENT_NAMES,
  rfm,
} from '../core/index.js';
import {
  type CustomerScoreInput,
  fillUnscoredCustomers,
  rfmSegmentCode,
  writeCustomerScores,
} from '../customers/index.js';
import type { Database, RowId } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { dayTable, feedbackExtraSignals, fitName, resolve } from './analytics.service.js';

/** The CLV options of the stored predictions: `GET /analytics/clv`'s defaults (12 months, 1 %/month). */
const CLV_HORIZON_MONTHS = 12;
const CLV_OPTIONS = {
  model: 'bgnbd',
  timeUnit: 'week',
  predictT: (CLV_HORIZON_MONTHS * DAYS_PER_MONTH) / 7,
  horizonMonths: CLV_HORIZON_MONTHS,
  monthlyDiscountRate: 0.01,
  margin: 1,
} as const;

/** The scores of a workspace, ready to store, and how they were made. */
export interface ComputedScores {
  /** One row per customer with a completed order or a refund. */
  readonly rows: CustomerScoreInput[];
  /** The last local day of data scored (YYYY-MM-DD); null without orders. */
  readonly asOf: string | null;
  /** Customers with an at-risk score. */
  readonly scored: number;
  readonly model: string | null;
  readonly weights: 'learned' | 'default' | null;
  readonly horizonDays: number | null;
  readonly notes: string[];
}

interface OrderTotals {
  orders: number;
  amountCents: number;
  refundedCents: number;
  first: number | null;
  last: number | null;
}

/**
 * Completed orders (count, sum, first, last) and refunds per customer, within the supported dates
 * (as the analytics read them). Two grouped scans of the workspace's orders and refunds.
 */
async function orderTotals(db: Kysely<Database>, workspaceId: number): Promise<Map<number, OrderTotals>> {
  const totals = new Map<number, OrderTotals>();
  const entry = (customerId: number) => {
    let found = totals.get(customerId);
    if (found === undefined) {
      found = { orders: 0, amountCents: 0, refundedCents: 0, first: null, last: null };
      totals.set(customerId, found);
    }
    return found;
  };
  const orders = await db
    .selectFrom('customer_order')
    .select((eb) => [
      'customer_id',
      eb.fn.countAll<number>().as('orders'),
      eb.fn.sum<number>('amount_cents').as('amount'),
      eb.fn.min<number>('ordered_at').as('first'),
      eb.fn.max<number>('ordered_at').as('last'),
    ])
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'completed')
    .where('ordered_at', '>=', EARLIEST_INSTANT)
    .where('ordered_at', '<=', LATEST_INSTANT)
    .groupBy('customer_id')
    .execute();
  for (const row of orders) {
    const found = entry(Number(row.customer_id));
    found.orders = Number(row.orders);
    found.amountCents = Number(row.amount);
    found.first = Number(row.first);
    found.last = Number(row.last);
  }
  const refunds = await db
    .selectFrom('refund')
    .select(['customer_id', sql<number>`sum(amount_cents)`.as('refunded')])
    .where('workspace_id', '=', workspaceId)
    .where('refunded_at', '>=', EARLIEST_INSTANT)
    .where('refunded_at', '<=', LATEST_INSTANT)
    .groupBy('customer_id')
    .execute();
  for (const row of refunds) entry(Number(row.customer_id)).refundedCents = Number(row.refunded);
  return totals;
}

const finiteOrNull = (value: number | undefined): number | null =>
  value === undefined || !Number.isFinite(value) ? null : value;

/**
 * Computes every customer's scores (see the file comment). A workspace without orders gets no rows
 * (and a note); a model that cannot be fitted leaves its predictions null (and says why in
 * `notes`). O(orders) SQL and core passes plus the model fits (analyzeAtRisk's, and analyzeClv's
 * BG/NBD and Gamma-Gamma).
 */
export async function computeCustomerScores(
  db: Kysely<Database>,
  workspaceId: number,
): Promise<ComputedScores> {
  let analysis: Awaited<ReturnType<typeof resolve>>;
  try {
    analysis = await resolve(db, workspaceId, {});
  } catch (error) {
    if (error instanceof RetainError && error.code === 'not_found') {
      return {
        rows: [],
        asOf: null,
        scored: 0,
        model: null,
        weights: null,
        horizonDays: null,
        notes: [error.message],
      };
    }
    throw error;
  }
  const notes: string[] = [];
  const table = await dayTable(db, workspaceId, analysis);

  // The at-risk analysis, exactly as GET /analytics/at-risk runs it.
  const extraSignals = await feedbackExtraSignals(db, workspaceId, table.customerIds, {
    asOf: analysis.dataEndExclusive - 1,
    until: undefined,
  });
  const atRisk = analyzeAtRisk(table, {
    asOf: analysis.dataEndExclusive - 1,
    timeZone: analysis.options.timeZone,
    ...(extraSignals === undefined ? {} : { extraSignals }),
  });
  const risk = atRisk.ok ? atRisk.value : null;
  if (!atRisk.ok) notes.push(`At-risk: ${atRisk.error.message}`);
  else notes.push(...risk!.notes);
  const riskRow = new Map<string, number>();
  if (risk !== null) for (const [row, id] of risk.customers.ids.entries()) riskRow.set(id, row);

  // Predicted CLV, exactly as GET /analytics/clv computes it with its defaults (analyzeClv).
  const { summaries } = clvSummaries(table, {
    calibrationEnd: analysis.dataEndExclusive - 1,
    timeUnit: 'week',
    timeZone: analysis.options.timeZone,
  });
  const clv = analyzeClv(summaries, CLV_OPTIONS);
  if (!clv.ok) notes.push(`${fitName(clv.error.fit)}: ${clv.error.issue.message}`);
  const clvCustomers = clv.ok && clv.value.gammaGamma ? clv.value.customers : null;
  const clvIndex = new Map<string, number>();
  for (const [index, id] of summaries.ids.entries()) clvIndex.set(id, index);

  // RFM, exactly as GET /analytics/rfm: one row per order, before the analysis instant.
  const rfmTable = await dayTable(db, workspaceId, analysis, { forRfm: true });
  const rfmScores = rfm(rfmTable, { asOf: analysis.dataEnd, timeZone: analysis.options.timeZone });
  const rfmPosition = new Map<string, number>();
  for (let position = 0; position < rfmScores.length; position++) {
    rfmPosition.set(rfmTable.customerIds[rfmScores.customer[position]!]!, position);
  }

  const totals = await orderTotals(db, workspaceId);
  const rows: CustomerScoreInput[] = [];
  let scored = 0;
  for (const [customerId, total] of totals) {
    const key = String(customerId);
    const row = riskRow.get(key);
    const columns = risk?.customers;
    const index = clvIndex.get(key);
    const position = rfmPosition.get(key);
    const riskScore = row === undefined || columns === undefined ? null : columns.scores[row]!;
    if (riskScore !== null) scored++;
    rows.push({
      customerId,
      riskScore,
      reasons: row === undefined || columns === undefined ? [] : [...columns.reasonData[row]!],
      pAlive: row === undefined ? null : finiteOrNull(columns?.pAlive[row]),
      expectedPurchases: row === undefined ? null : finiteOrNull(columns?.expectedPurchases[row]),
      // analyzeClv's CLV is in currency units (the amounts' cents / 100).
      predictedClvCents:
        clvCustomers === null || index === undefined
          ? null
          : finiteOrNull((clvCustomers[index]?.clv ?? Number.NaN) * 100),
      rfmSegment:
        position === undefined ? null : rfmSegmentCode(RFM_SEGMENT_NAMES[rfmScores.segment[position]!]!),
      rfmR: position === undefined ? null : rfmScores.r[position]!,
      rfmF: position === undefined ? null : rfmScores.f[position]!,
      rfmM: position === undefined ? null : rfmScores.m[position]!,
      ordersCount: total.orders,
      valueCents: total.amountCents - total.refundedCents,
      firstOrderAt: total.first,
      lastOrderAt: total.last,
    });
  }
  return {
    rows,
    asOf: risk?.asOf ?? new Date(analysis.dataEnd).toISOString().slice(0, 10),
    scored,
    model: risk?.model?.name ?? null,
    weights: risk?.weights.source ?? null,
    horizonDays: risk?.horizonDays ?? null,
    notes,
  };
}

/** What one refresh stored: the run's counts and how the scores were made. */
export interface RefreshedScores {
  readonly asOf: string | null;
  /** Rows written: scored customers and the empty rows of the others. */
  readonly customers: number;
  readonly scored: number;
  readonly model: string | null;
  readonly weights: 'learned' | 'default' | null;
  readonly horizonDays: number | null;
  readonly notes: string[];
}

/**
 * Computes every customer's scores and stores them as run `runId`: the computed rows, then an
 * empty row for every other live customer (`fillUnscoredCustomers`). `now`: the rows'
 * `computed_at` (default the clock once the computation is done).
 */
export async function refreshCustomerScores(
  db: Kysely<Database>,
  workspaceId: number,
  runId: RowId,
  now?: number,
): Promise<RefreshedScores> {
  const computed = await computeCustomerScores(db, workspaceId);
  const computedAt = now ?? Date.now();
  const written = await writeCustomerScores(db, workspaceId, runId, computed.rows, computedAt);
  const filled = await fillUnscoredCustomers(db, workspaceId, runId, computedAt);
  const { rows: _rows, ...made } = computed;
  return { ...made, customers: written + filled };
}
