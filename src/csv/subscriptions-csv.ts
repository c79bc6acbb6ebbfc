import {
  annualizedCents,
  type CategoricalColumn,
  fail,
  ok,
  paidCoverage,
  type Result,
  type SubscriptionTable,
} from '../core/light.js';
import { detach, type ResolvedColumns } from './columns.js';
import { type CsvIssue, fileReadIssue, IssueCollector } from './csv-issue.js';
import { type DetectedDialect, type DialectRequest, readDialect } from './dialect.js';
import { InstantParser } from './instant-parser.js';
import { readLayoutRecords } from './layout-records.js';
import { detectSubscriptionLayout, SUBSCRIPTION_LAYOUTS } from './layouts/detect-layout.js';
import type { ReadSubscription, SubscriptionsFormat } from './layouts/subscription-layout.js';
import { CurrencyTally, CustomerInterner, optionIssue, SkipCounter } from './reader-support.js';
import type { RowReader } from './row-reader.js';
import type { CsvEncoding } from './text-decoding.js';

export interface ReadSubscriptionsOptions extends DialectRequest {
  /** IANA zone for date-times written without an offset in the generic layout; default `UTC`. */
  readonly timeZone?: string;
  /** `auto` (default) recognises a Stripe subscriptions export by its header (`detectSubscriptionLayout`). */
  readonly format?: 'auto' | SubscriptionsFormat;
  /** Logical field → header name (the fields of the layout's `FieldSpec`s). */
  readonly map?: Readonly<Record<string, string>>;
  /** Extra columns kept as categorical attributes of each subscription. */
  readonly attributes?: readonly string[];
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** At most this many issues are collected (default 100). */
  readonly maxIssues?: number;
  /** The file's text encoding: `utf-8` (default; invalid bytes are refused), `latin1`, `windows-1252`. */
  readonly encoding?: CsvEncoding;
}

/** What `readSubscriptionsCsv` returns. */
export interface SubscriptionsFile {
  readonly table: SubscriptionTable;
  readonly format: SubscriptionsFormat;
  /** The header each field was read from, as written (e.g. `{ started_at: 'Start (UTC)', … }`). */
  readonly columns: Readonly<Record<string, string>>;
  /** How the file was read: its delimiter, decimal separator and date format, and why. */
  readonly dialect: DetectedDialect;
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

/**
 * Reads a subscriptions CSV into a `SubscriptionTable` of paid subscriptions, streaming the file,
 * in three steps: each row is read by its layout's definition (`src/csv/layouts/`: generic or
 * Stripe's export, the same definitions `retain import` stores), then its paid coverage is the
 * core's `paidCoverage` (metrics.md §1: the rule the analytics API applies to stored rows), then
 * the paid ones are appended to the table (`SubscriptionColumns`).
 *
 * Rows that are not paid (trialing, paused, never paid, free) are left out and counted in
 * `skipped` by reason. Problems give `{ ok: false, error: issues }`, never a partial table.
 * O(file size). Example: `await readSubscriptionsCsv('subscriptions.csv', { timeZone: 'UTC' })`.
 */
export async function readSubscriptionsCsv(
  path: string,
  options: ReadSubscriptionsOptions = {},
): Promise<Result<SubscriptionsFile, CsvIssue[]>> {
  const problem = optionProblem(path, options);
  if (problem !== null) return fail([problem]);
  const requested = options.format ?? 'auto';
  const sample = await readDialect(path, options);
  if (sample.status !== 'read') return fail([fileReadIssue(path, sample)]);
  const dialect = sample.dialect;
  const issues = new IssueCollector(options.maxIssues ?? 100);
  const customers = new CustomerInterner();
  const currency = new CurrencyTally();
  const skipped = new SkipCounter();
  let table = new SubscriptionColumns([]);
  let currencyColumn = 'currency';

  const read = await readLayoutRecords(
    path,
    {
      layout: requested === 'auto' ? detectSubscriptionLayout : SUBSCRIPTION_LAYOUTS[requested],
      timeZone: options.timeZone ?? 'UTC',
      dialect,
      map: options.map,
      otherKind: {
        kind: 'orders',
        hint: 'this looks like an orders file: did you mean --mode transactional (the default)?',
      },
      attributes: options.attributes,
      onProgress: options.onProgress,
      read: { encoding: options.encoding },
    },
    issues,
    {
      header: (_layout, columns) => {
        currencyColumn = columns.headerName.get('currency') ?? 'currency';
        table = new SubscriptionColumns(columns.attributes);
      },
      read: (layout, lines) => layout.read(lines),
      record: (subscription, lines, firstRecord) => {
        const coverage = paidCoverage(subscription);
        if (!coverage.paid) {
          skipped.add(coverage.reason);
          return;
        }
        if (subscription.currency !== null) currency.add(subscription.currency, firstRecord);
        if (issues.count > 0) return; // the table will be discarded: stop building it
        table.add(customers.indexOf(subscription.customerId), subscription, coverage, lines[0]!);
      },
      skipped: (reason) => skipped.add(reason),
      finish: () => currency.report(issues, currencyColumn, 'subscription'),
      nothingLeft: () =>
        table.length === 0 ? `no paid subscription is left to read: ${skipped.describe()}` : null,
    },
  );
  if (!read.ok) return read;
  return ok({
    table: table.build(customers.customerIds),
    format: read.value.layout.format,
    columns: Object.fromEntries(read.value.columns.headerName),
    dialect,
    currency: currency.value,
    rows: table.length,
    skipped: skipped.list(),
    firstStartedAt: table.firstStartedAt,
    lastStartedAt: table.lastStartedAt,
  });
}

/** The issue with the options (an unknown zone or format), or null. */
function optionProblem(path: string, options: ReadSubscriptionsOptions): CsvIssue | null {
  try {
    new InstantParser(options.timeZone ?? 'UTC');
  } catch (error) {
    return optionIssue(path, 'invalid-time-zone', (error as Error).message);
  }
  const requested = options.format ?? 'auto';
  if (requested !== 'auto' && !(requested in SUBSCRIPTION_LAYOUTS)) {
    return optionIssue(
      path,
      'invalid-format',
      `unknown subscriptions format "${String(requested)}": use auto, ${Object.keys(SUBSCRIPTION_LAYOUTS).join(', ')}`,
    );
  }
  return null;
}

/** Growable columns of a `SubscriptionTable`, with its attribute dictionaries. */
class SubscriptionColumns {
  customer = new Int32Array(1024);
  startedAt = new Float64Array(1024);
  endedAt = new Float64Array(1024);
  annualCents = new Float64Array(1024);
  length = 0;
  firstStartedAt = Number.POSITIVE_INFINITY;
  lastStartedAt = Number.NEGATIVE_INFINITY;
  private readonly subscriptionIds: string[] = [];
  private readonly attributeColumns: ResolvedColumns['attributes'];
  private readonly attributeCodes: Int32Array[];
  /** Per attribute: label → code, and the labels by code (code 0 is the blank label). */
  private readonly dictionaries: { index: Map<string, number>; labels: string[] }[];

  constructor(attributes: ResolvedColumns['attributes']) {
    this.attributeColumns = attributes;
    this.attributeCodes = attributes.map(() => new Int32Array(1024));
    this.dictionaries = attributes.map(() => ({ index: new Map([['', 0]]), labels: [''] }));
  }

  /** Appends one paid subscription over its coverage, with the attribute values of its line. */
  add(
    customer: number,
    subscription: ReadSubscription,
    coverage: { readonly startedAt: number; readonly endedAt: number },
    line: RowReader,
  ): void {
    if (this.length === this.customer.length) this.grow();
    const row = this.length++;
    this.customer[row] = customer;
    this.startedAt[row] = coverage.startedAt;
    this.endedAt[row] = coverage.endedAt;
    this.annualCents[row] = annualizedCents(
      subscription.amountCents,
      subscription.interval,
      subscription.intervalCount,
    );
    this.subscriptionIds.push(detach(subscription.subscriptionId));
    if (coverage.startedAt < this.firstStartedAt) this.firstStartedAt = coverage.startedAt;
    if (coverage.startedAt > this.lastStartedAt) this.lastStartedAt = coverage.startedAt;
    this.attributeColumns.forEach((attribute, position) => {
      const value = line.fields[attribute.index] ?? '';
      const dictionary = this.dictionaries[position]!;
      let code = dictionary.index.get(value);
      if (code === undefined) {
        code = dictionary.labels.length;
        const label = detach(value);
        dictionary.index.set(label, code);
        dictionary.labels.push(label);
      }
      this.attributeCodes[position]![row] = code;
    });
  }

  /** The table of the rows added (columns trimmed to their length). */
  build(customerIds: readonly string[]): SubscriptionTable {
    const length = this.length;
    const attributes = new Map<string, CategoricalColumn>();
    this.attributeColumns.forEach((attribute, position) => {
      attributes.set(attribute.name, {
        labels: this.dictionaries[position]!.labels,
        codes: this.attributeCodes[position]!.slice(0, length),
      });
    });
    return {
      length,
      customer: this.customer.slice(0, length),
      startedAt: this.startedAt.slice(0, length),
      endedAt: this.endedAt.slice(0, length),
      annualCents: this.annualCents.slice(0, length),
      customerIds,
      subscriptionIds: this.subscriptionIds,
      attributes,
    };
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
    this.attributeCodes.forEach((codes, position) => {
      this.attributeCodes[position] = grown(codes, (n) => new Int32Array(n));
    });
  }
}
