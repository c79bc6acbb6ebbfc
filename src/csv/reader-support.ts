import type { OrderTableBuilder } from '../core/index.js';
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

/**
 * Checks that a file holds one currency: the first non-blank value sets it (upper-cased); the first
 * row with another one gets a `mixed-currencies` issue, once.
 */
export class CurrencyCheck {
  private raw: string | null = null;
  value: string | null = null;
  private reported = false;
  private readonly issues: IssueCollector;

  constructor(issues: IssueCollector) {
    this.issues = issues;
  }

  check(text: string, record: number, column: string): void {
    if (text === this.raw || this.reported) return;
    const code = text.trim().toUpperCase();
    if (code === '') return;
    if (this.value === null) {
      this.raw = text;
      this.value = code;
      return;
    }
    if (code === this.value) return;
    this.reported = true;
    this.issues.add(
      record,
      column,
      'mixed-currencies',
      `currency "${code}" differs from "${this.value}" on the rows before: a file must hold one currency`,
    );
  }
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
