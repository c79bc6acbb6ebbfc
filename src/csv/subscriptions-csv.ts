import type { CategoricalColumn } from '../core/index.js';
import {
  annualizedCents,
  type BillingInterval,
  fail,
  ok,
  type Result,
  type SubscriptionTable,
} from '../core/index.js';
import { amountProblem, parseAmountCents } from './amount.js';
import { detach, type FieldSpec, hasColumns, type ResolvedColumns, resolveColumns } from './columns.js';
import { type CsvIssue, IssueCollector } from './csv-issue.js';
import { recordLines, streamCsv } from './csv-stream.js';
import { dateProblem, InstantParser } from './instant-parser.js';
import {
  CurrencyCheck,
  CustomerInterner,
  optionIssue,
  SkipCounter,
  streamFailure,
} from './reader-support.js';

export interface ReadSubscriptionsOptions {
  /** IANA zone for date-times written without an offset in the generic layout; default `UTC`. */
  readonly timeZone?: string;
  /** `auto` (default) recognises a Stripe subscriptions export by its header. */
  readonly format?: 'auto' | 'generic' | 'stripe';
  /** Logical field → header name (fields: see `readSubscriptionsCsv`). */
  readonly map?: Readonly<Record<string, string>>;
  /** Extra columns kept as categorical attributes of each subscription. */
  readonly attributes?: readonly string[];
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** At most this many issues are collected (default 100). */
  readonly maxIssues?: number;
}

/** What `readSubscriptionsCsv` returns. */
export interface SubscriptionsFile {
  readonly table: SubscriptionTable;
  readonly format: 'generic' | 'stripe';
  /** The file's currency (upper case) when it has a currency column, else null. */
  readonly currency: string | null;
  /** Paid subscriptions in the table. */
  readonly rows: number;
  /** Rows left out on purpose (trials, free plans, never paid…), by reason. */
  readonly skipped: { readonly reason: string; readonly count: number }[];
  /** Earliest and latest paid start (epoch ms). */
  readonly firstStartedAt: number;
  readonly lastStartedAt: number;
}

const GENERIC_FIELDS: readonly FieldSpec[] = [
  { field: 'customer_id', headers: ['customer_id'], required: true },
  { field: 'subscription_id', headers: ['subscription_id'], required: true },
  { field: 'started_at', headers: ['started_at'], required: true },
  { field: 'ended_at', headers: ['ended_at'], required: true },
  { field: 'amount', headers: ['amount'], required: true },
  { field: 'interval', headers: ['interval'], required: true },
  { field: 'interval_count', headers: ['interval_count'], required: false },
  { field: 'status', headers: ['status'], required: false },
  { field: 'currency', headers: ['currency'], required: false },
];

/** Stripe Dashboard → Billing → Subscriptions → Export. Its dates are UTC (the headers say so). */
const STRIPE_FIELDS: readonly FieldSpec[] = [
  { field: 'subscription_id', headers: ['id'], required: true },
  { field: 'customer_id', headers: ['customer id'], required: true },
  { field: 'amount', headers: ['amount'], required: true },
  { field: 'quantity', headers: ['quantity'], required: false },
  { field: 'interval', headers: ['interval'], required: true },
  { field: 'interval_count', headers: ['interval count'], required: false },
  { field: 'status', headers: ['status'], required: true },
  // `Start (UTC)` in older exports is the date of the latest change, not the start: not used.
  { field: 'started_at', headers: ['start date (utc)', 'created (utc)'], required: true },
  { field: 'current_period_start', headers: ['current period start (utc)'], required: false },
  { field: 'current_period_end', headers: ['current period end (utc)'], required: true },
  { field: 'trial_end', headers: ['trial end (utc)'], required: false },
  { field: 'canceled_at', headers: ['canceled at (utc)'], required: false },
  { field: 'ended_at', headers: ['ended at (utc)'], required: false },
  { field: 'cancel_at_period_end', headers: ['cancel at period end'], required: false },
  { field: 'currency', headers: ['currency'], required: false },
];
const STRIPE_SIGNATURE = ['id', 'customer id', 'status', 'interval', 'amount', 'current period end (utc)'];

/** metrics.md §1: a past-due subscription stays active for 14 days (the workspace default). */
const PAST_DUE_GRACE_MS = 14 * 86_400_000;

const INTERVAL_NAMES: Readonly<Record<string, BillingInterval>> = {
  day: 'day',
  days: 'day',
  daily: 'day',
  week: 'week',
  weeks: 'week',
  weekly: 'week',
  month: 'month',
  months: 'month',
  monthly: 'month',
  year: 'year',
  years: 'year',
  yearly: 'year',
  annual: 'year',
  annually: 'year',
};

/** Statuses that never paid: left out and counted. */
const UNPAID_STATUSES = new Set(['trialing', 'incomplete', 'incomplete_expired', 'paused']);

/** Growable columns of a `SubscriptionTable`. */
class SubscriptionColumns {
  customer = new Int32Array(1024);
  startedAt = new Float64Array(1024);
  endedAt = new Float64Array(1024);
  annualCents = new Float64Array(1024);
  readonly subscriptionIds: string[] = [];
  readonly attributeCodes: Int32Array[] = [];
  length = 0;

  constructor(attributeCount: number) {
    for (let index = 0; index < attributeCount; index++) this.attributeCodes.push(new Int32Array(1024));
  }

  add(
    customer: number,
    startedAt: number,
    endedAt: number,
    annualCents: number,
    subscriptionId: string,
  ): number {
    if (this.length === this.customer.length) this.grow();
    const row = this.length++;
    this.customer[row] = customer;
    this.startedAt[row] = startedAt;
    this.endedAt[row] = endedAt;
    this.annualCents[row] = annualCents;
    this.subscriptionIds.push(detach(subscriptionId));
    return row;
  }

  private grow(): void {
    const size = this.customer.length * 2;
    const grown = <T extends Int32Array | Float64Array>(column: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(column);
      return next;
    };
    this.customer = grown(this.customer, (n) => new Int32Array(n));
    this.startedAt = grown(this.startedAt, (n) => new Float64Array(n));
    this.endedAt = grown(this.endedAt, (n) => new Float64Array(n));
    this.annualCents = grown(this.annualCents, (n) => new Float64Array(n));
    for (let index = 0; index < this.attributeCodes.length; index++) {
      this.attributeCodes[index] = grown(this.attributeCodes[index]!, (n) => new Int32Array(n));
    }
  }
}

/**
 * Reads a subscriptions CSV into a `SubscriptionTable` of paid subscriptions, streaming the file.
 *
 * - generic: `customer_id, subscription_id, started_at, ended_at, amount, interval[,
 *   interval_count][, status][, currency]`; `interval` is day|week|month|year (plural and -ly forms
 *   accepted); a blank `ended_at` is ongoing; `amount` is the price per billing period.
 * - Stripe subscriptions export (`id, Customer ID, …, Amount, Interval, Status, Start Date (UTC) or
 *   Created (UTC), Current Period End (UTC), Trial End (UTC), Ended At (UTC), …`): price =
 *   `Amount` × `Quantity`; times are UTC whatever `timeZone` says. The paid part starts at
 *   `Trial End` when a trial preceded it; a cancelled subscription ends at the end of its paid
 *   period (`Current Period End`), as does one set to cancel at period end; `unpaid` ends when its
 *   last paid period did (`Current Period Start`); `past_due` stays active 14 days after
 *   `Current Period Start` (metrics.md §1).
 *
 * Rows that never paid (status trialing, incomplete, incomplete_expired, paused, a trial cancelled
 * before it converted) and free ones (amount 0) are left out and counted in `skipped`
 * (metrics.md §1: trials and free plans neither make a customer active nor carry MRR).
 * Problems give `{ ok: false, error: issues }`, never a partial table. O(file size).
 */
export async function readSubscriptionsCsv(
  path: string,
  options: ReadSubscriptionsOptions = {},
): Promise<Result<SubscriptionsFile, CsvIssue[]>> {
  const issues = new IssueCollector(options.maxIssues ?? 100);
  let localInstants: InstantParser;
  try {
    localInstants = new InstantParser(options.timeZone ?? 'UTC');
  } catch (error) {
    return fail([optionIssue(path, 'invalid-time-zone', (error as Error).message)]);
  }
  const utcInstants = new InstantParser('UTC');
  const requested = options.format ?? 'auto';
  if (requested !== 'auto' && requested !== 'generic' && requested !== 'stripe') {
    return fail([
      optionIssue(
        path,
        'invalid-format',
        `unknown subscriptions format "${String(requested)}": use auto, generic or stripe`,
      ),
    ]);
  }

  const customers = new CustomerInterner();
  const currency = new CurrencyCheck(issues);
  const skipped = new SkipCounter();
  let format = 'generic' as 'generic' | 'stripe';
  let columns: ResolvedColumns | null = null;
  let table: SubscriptionColumns | null = null;
  let attributeLabels: { index: Map<string, number>; labels: string[] }[] = [];
  let attributeColumns: number[] = [];
  let firstStartedAt = Number.POSITIVE_INFINITY;
  let lastStartedAt = Number.NEGATIVE_INFINITY;
  const at = (field: string): number => columns?.index.get(field) ?? -1;
  const columnName = (field: string): string => columns?.headerName.get(field) ?? field;
  const text = (fields: string[], field: string): string => {
    const index = at(field);
    return index === -1 ? '' : (fields[index] ?? '').trim();
  };

  /** A date of `field`; blank → `blank`; unreadable → an issue and NaN. */
  const date = (fields: string[], field: string, record: number, blank: number): number => {
    const value = text(fields, field);
    if (value === '') return blank;
    const instant = (format === 'stripe' ? utcInstants : localInstants).parse(value);
    if (Number.isNaN(instant)) {
      issues.add(
        record,
        columnName(field),
        'invalid-date',
        `cannot read "${value}" as a date: ${dateProblem(value).reason}`,
      );
    }
    return instant;
  };

  const row = (fields: string[], record: number): boolean => {
    const before = issues.count;
    const customerId = text(fields, 'customer_id');
    const subscriptionId = text(fields, 'subscription_id');
    if (customerId === '')
      issues.add(record, columnName('customer_id'), 'missing-value', 'the customer id is blank');

    const amountText = text(fields, 'amount');
    let amountCents = parseAmountCents(amountText);
    if (Number.isNaN(amountCents)) {
      const problem = amountText === '' ? null : amountProblem(amountText);
      issues.add(
        record,
        columnName('amount'),
        problem?.code ?? (amountText === '' ? 'missing-value' : 'invalid-amount'),
        amountText === ''
          ? 'the amount is blank'
          : `cannot read "${amountText}" as an amount${problem?.reason ? `: ${problem.reason}` : ''}`,
      );
    }
    const quantityText = text(fields, 'quantity');
    const quantity = quantityText === '' ? 1 : Number(quantityText);
    if (!(Number.isSafeInteger(quantity) && quantity >= 0)) {
      issues.add(
        record,
        columnName('quantity'),
        'invalid-quantity',
        `cannot read "${quantityText}" as a quantity (a whole number)`,
      );
    }
    amountCents *= quantity;

    const intervalText = text(fields, 'interval');
    const interval = INTERVAL_NAMES[intervalText.toLowerCase()];
    if (interval === undefined) {
      issues.add(
        record,
        columnName('interval'),
        'invalid-interval',
        `cannot read "${intervalText}" as a billing interval: use day, week, month or year`,
      );
    }
    const countText = text(fields, 'interval_count');
    const intervalCount = countText === '' ? 1 : Number(countText);
    if (!(Number.isSafeInteger(intervalCount) && intervalCount >= 1)) {
      issues.add(
        record,
        columnName('interval_count'),
        'invalid-interval-count',
        `cannot read "${countText}" as an interval count (a whole number from 1)`,
      );
    }
    const status = text(fields, 'status').toLowerCase();

    let startedAt = date(fields, 'started_at', record, Number.NaN);
    if (text(fields, 'started_at') === '')
      issues.add(record, columnName('started_at'), 'missing-value', 'the start date is blank');
    let endedAt: number;
    let neverPaid = false;
    if (format === 'stripe') {
      const periodStart = date(fields, 'current_period_start', record, Number.NaN);
      const periodEnd = date(fields, 'current_period_end', record, Number.NaN);
      const trialEnd = date(fields, 'trial_end', record, Number.NaN);
      const canceledAt = date(fields, 'canceled_at', record, Number.NaN);
      const stripeEndedAt = date(fields, 'ended_at', record, Number.NaN);
      if (trialEnd > startedAt) startedAt = trialEnd; // the paid part begins when the trial ends
      const cancelAtPeriodEnd = text(fields, 'cancel_at_period_end').toLowerCase() === 'true';
      const paidEnd = !Number.isNaN(periodEnd)
        ? periodEnd
        : !Number.isNaN(stripeEndedAt)
          ? stripeEndedAt
          : canceledAt;
      switch (status) {
        case 'canceled':
        case 'cancelled':
          endedAt = paidEnd;
          if (Number.isNaN(endedAt)) {
            issues.add(
              record,
              columnName('current_period_end'),
              'missing-value',
              'a canceled subscription needs its Current Period End or Ended At',
            );
          }
          // Cancelled before the trial ended: it never paid.
          if (
            !Number.isNaN(trialEnd) &&
            (!Number.isNaN(stripeEndedAt) ? stripeEndedAt : canceledAt) <= trialEnd
          )
            neverPaid = true;
          break;
        case 'past_due':
          endedAt = (!Number.isNaN(periodStart) ? periodStart : startedAt) + PAST_DUE_GRACE_MS;
          break;
        case 'unpaid':
          endedAt = !Number.isNaN(periodStart) ? periodStart : startedAt;
          break;
        case 'active':
          endedAt = cancelAtPeriodEnd && !Number.isNaN(periodEnd) ? periodEnd : Number.POSITIVE_INFINITY;
          break;
        default:
          endedAt = Number.POSITIVE_INFINITY;
          if (!UNPAID_STATUSES.has(status)) {
            issues.add(
              record,
              columnName('status'),
              'invalid-status',
              `unknown subscription status "${status}"`,
            );
          }
      }
    } else {
      endedAt = date(fields, 'ended_at', record, Number.POSITIVE_INFINITY);
    }
    if (issues.count > before) return !issues.full;

    if (UNPAID_STATUSES.has(status)) {
      skipped.add(status);
      return true;
    }
    if (neverPaid) {
      skipped.add('trial canceled before paying');
      return true;
    }
    if (amountCents === 0) {
      skipped.add('free (amount 0)');
      return true;
    }
    if (amountCents < 0) {
      issues.add(
        record,
        columnName('amount'),
        'invalid-amount',
        `a subscription price cannot be negative ("${amountText}")`,
      );
      return !issues.full;
    }
    if (endedAt < startedAt) {
      issues.add(
        record,
        columnName('ended_at'),
        'ends-before-start',
        'the subscription ends before it starts',
      );
      return !issues.full;
    }
    if (at('currency') !== -1) currency.check(fields[at('currency')] ?? '', record, columnName('currency'));
    if (issues.count > 0) return !issues.full;

    const added = table!.add(
      customers.indexOf(customerId),
      startedAt,
      endedAt,
      annualizedCents(amountCents, interval!, intervalCount),
      subscriptionId,
    );
    if (startedAt < firstStartedAt) firstStartedAt = startedAt;
    if (startedAt > lastStartedAt) lastStartedAt = startedAt;
    for (let attribute = 0; attribute < attributeColumns.length; attribute++) {
      const value = fields[attributeColumns[attribute]!] ?? '';
      const dictionary = attributeLabels[attribute]!;
      let code = dictionary.index.get(value);
      if (code === undefined) {
        code = dictionary.labels.length;
        const label = detach(value);
        dictionary.index.set(label, code);
        dictionary.labels.push(label);
      }
      table!.attributeCodes[attribute]![added] = code;
    }
    return true;
  };

  const outcome = await streamCsv(
    path,
    {
      header: (names) => {
        format =
          requested === 'auto' ? (hasColumns(names, STRIPE_SIGNATURE) ? 'stripe' : 'generic') : requested;
        columns = resolveColumns(
          names,
          format === 'stripe' ? STRIPE_FIELDS : GENERIC_FIELDS,
          options.map,
          options.attributes,
          issues,
        );
        if (columns === null) return false;
        attributeColumns = columns.attributes.map((attribute) => attribute.index);
        attributeLabels = attributeColumns.map(() => ({ index: new Map([['', 0]]), labels: [''] }));
        table = new SubscriptionColumns(attributeColumns.length);
        return true;
      },
      row,
    },
    options.onProgress,
  );

  if (outcome.status !== 'read') return fail([streamFailure(path, outcome)]);
  const built = table as SubscriptionColumns | null;
  if (issues.count === 0 && (built === null || built.length === 0)) {
    if (outcome.records === 0) issues.add(0, null, 'no-rows', 'the file has a header but no rows');
    else issues.add(0, null, 'no-rows', `no paid subscription is left to read: ${skipped.describe()}`);
  }
  if (issues.count > 0 || built === null) {
    const lines = await recordLines(path, issues.records());
    return fail(issues.resolve(path, (record) => lines.get(record) ?? 1));
  }
  const length = built.length;
  const attributes = new Map<string, CategoricalColumn>();
  (columns as ResolvedColumns | null)?.attributes.forEach((attribute, index) => {
    attributes.set(attribute.name, {
      labels: attributeLabels[index]!.labels,
      codes: built.attributeCodes[index]!.slice(0, length),
    });
  });
  return ok({
    table: {
      length,
      customer: built.customer.slice(0, length),
      startedAt: built.startedAt.slice(0, length),
      endedAt: built.endedAt.slice(0, length),
      annualCents: built.annualCents.slice(0, length),
      customerIds: customers.customerIds,
      subscriptionIds: built.subscriptionIds,
      attributes,
    },
    format,
    currency: currency.value,
    rows: length,
    skipped: skipped.list(),
    firstStartedAt,
    lastStartedAt,
  });
}
