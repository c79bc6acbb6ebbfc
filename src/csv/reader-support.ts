import type { OrderTableBuilder } from '../core/light.js';
import { detach } from './columns.js';
import type { CsvIssue, IssueCollector } from './csv-issue.js';

/**
 * Interns customer ids: a Map lookup per row, and for a new id a detached copy (see `detach`)
 * registered with the table builder (`customerOf`), so the ids kept never pin a parser chunk.
 */
export class CustomerInterner {
  private readonly known = new Map<string, number>();
  private readonly builder: Pick<OrderTableBuilder, 'customerOf'> | null;
  private readonly ids: string[] = [];

  /** With a builder, new ids are registered there; without, `ids` holds them. */
  constructor(builder: Pick<OrderTableBuilder, 'customerOf'> | null = null) {
    this.builder = builder;
  }

  /** Dense index of `customerId` (0, 1, 2… in order of first appearance). */
  indexOf(customerId: string): number {
    let index = this.known.get(customerId);
    if (index === undefined) {
      const id = detach(customerId);
      if (this.builder) index = this.builder.customerOf(id);
      else {
        index = this.ids.length;
        this.ids.push(id);
      }
      this.known.set(id, index);
    }
    return index;
  }

  /** The ids in index order (only when built without a builder). */
  get customerIds(): readonly string[] {
    return this.ids;
  }
}

/** One currency of a file: its code, how many records have it, and the first of them. */
export interface CurrencyCount {
  readonly code: string;
  readonly rows: number;
  /** The first record (or physical line, for the byte scanner) with this currency. */
  readonly first: number;
}

/**
 * Counts the records of each currency of a file (blank values are not counted: they take the
 * workspace's currency on import). A file with more than one is refused by `report` with one issue
 * listing every currency and its count, since Retain never adds amounts of different currencies.
 * O(1) a record (the previous value is compared first).
 */
export class CurrencyTally {
  private readonly counts = new Map<string, { code: string; rows: number; first: number }>();
  private lastText: string | null = null;
  private last: { rows: number } | null = null;

  /** Counts `text` (a currency code as written) for record `at`. */
  add(text: string, at: number): void {
    if (text === this.lastText && this.last !== null) {
      this.last.rows++;
      return;
    }
    const code = text.trim().toUpperCase();
    if (code === '') return;
    let entry = this.counts.get(code);
    if (entry === undefined) {
      entry = { code, rows: 0, first: at };
      this.counts.set(code, entry);
    }
    entry.rows++;
    this.lastText = text;
    this.last = entry;
  }

  /** The first currency counted (the file's, when it has one), or null. */
  get value(): string | null {
    return this.counts.values().next().value?.code ?? null;
  }

  /** The currencies in order of first appearance. */
  list(): CurrencyCount[] {
    return [...this.counts.values()].map((entry) => ({ ...entry }));
  }

  /** Adds the `mixed-currencies` issue (see `reportMixedCurrencies`) when there is more than one. */
  report(issues: IssueCollector, column: string, unit: string): void {
    reportMixedCurrencies(issues, this.list(), column, unit);
  }
}

/**
 * When `currencies` holds more than one: one `mixed-currencies` issue, on the first record of the
 * second currency, listing each currency with its count (`unit`: what is counted, e.g. `order`).
 * Example: `the file mixes 2 currencies: EUR (3 orders), USD (1 order); amounts in different
 * currencies are never added up: split the file by currency`.
 */
export function reportMixedCurrencies(
  issues: IssueCollector,
  currencies: readonly CurrencyCount[],
  column: string,
  unit: string,
): void {
  if (currencies.length < 2) return;
  issues.add(currencies[1]!.first, column, 'mixed-currencies', mixedCurrenciesMessage(currencies, unit));
}

/** The sentence of a `mixed-currencies` issue (at most 10 currencies named). */
export function mixedCurrenciesMessage(currencies: readonly CurrencyCount[], unit: string): string {
  const counted = (rows: number) => `${rows.toLocaleString('en-US')} ${unit}${rows === 1 ? '' : 's'}`;
  const listed = currencies
    .slice(0, 10)
    .map((currency) => `${currency.code} (${counted(currency.rows)})`)
    .join(', ');
  const more = currencies.length > 10 ? ` and ${currencies.length - 10} more` : '';
  return `the file mixes ${currencies.length} currencies: ${listed}${more}; amounts in different currencies are never added up: split the file by currency`;
}

/** Counts rows or orders left out on purpose, by reason, in order of first appearance. */
export class SkipCounter {
  private readonly counts = new Map<string, number>();

  add(reason: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }

  list(): { reason: string; count: number }[] {
    return [...this.counts].map(([reason, count]) => ({ reason, count }));
  }

  /** e.g. "2 refunded, 1 no customer email", or "nothing was skipped". */
  describe(): string {
    const parts = this.list().map(({ reason, count }) => `${count} ${reason}`);
    return parts.length === 0 ? 'nothing was skipped' : `${parts.join(', ')} skipped`;
  }
}

/** An issue about the options rather than a line of the file (line 0). */
export function optionIssue(file: string, code: string, message: string): CsvIssue {
  return { file, line: 0, column: null, code, message };
}
