import { type AmountDecimal, amountProblem, parseAmountCents } from './amount.js';
import type { ResolvedColumns } from './columns.js';
import type { InstantParser } from './instant-parser.js';

/** One problem with a record, before its physical line is known. */
export interface RecordProblem {
  readonly column: string | null;
  readonly code: string;
  readonly message: string;
}

/** The per-file state a `RowReader` reads through (one per file, shared by its rows). */
export interface RowBinding {
  readonly columns: ResolvedColumns;
  readonly instants: InstantParser;
  /** The amounts' decimal separator (`parseAmountCents`). */
  readonly decimal: AmountDecimal;
  /** The problems of the record being read (emptied before each record). */
  readonly problems: RecordProblem[];
  /** Column index → header name, for columns no field claimed. */
  readonly extraColumns: readonly (readonly [number, string])[];
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'subscribed', 'opted_in', 'accepted']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', '', 'unsubscribed', 'not_subscribed', 'opted_out']);

/**
 * Reads the fields of one CSV line by logical field name (the names of the layout's `FieldSpec`s),
 * reporting each unreadable value as a problem located by the column's header name as written.
 * Values go through the same exact parsers as every reader (`parseAmountCents`, `InstantParser`),
 * so a layout read through it means the same in `retain analyze` and in `retain import`.
 *
 * Example: `row.amount('amount', true)` → 1230 for "12.30"; NaN and a problem for "12,3x".
 */
export class RowReader {
  readonly fields: readonly string[];
  /** 1-based data record number (the header is record 0). */
  readonly record: number;
  private readonly binding: RowBinding;

  constructor(fields: readonly string[], record: number, binding: RowBinding) {
    this.fields = fields;
    this.record = record;
    this.binding = binding;
  }

  /** The header name of `field` as written (for messages). */
  column(field: string): string {
    return this.binding.columns.headerName.get(field) ?? field;
  }

  /** Whether the file has a column for `field`. */
  has(field: string): boolean {
    return (this.binding.columns.index.get(field) ?? -1) !== -1;
  }

  /** The field's text, trimmed; '' when blank or absent. */
  text(field: string): string {
    const index = this.binding.columns.index.get(field) ?? -1;
    return index === -1 ? '' : (this.fields[index] ?? '').trim();
  }

  /** The field's text, or null when blank or absent. */
  optional(field: string): string | null {
    const value = this.text(field);
    return value === '' ? null : value;
  }

  problem(field: string | null, code: string, message: string): void {
    this.binding.problems.push({ column: field === null ? null : this.column(field), code, message });
  }

  /** The field's text; a problem when blank. */
  required(field: string, what: string): string {
    const value = this.text(field);
    if (value === '') this.problem(field, 'missing-value', `the ${what} is blank`);
    return value;
  }

  /** Exact cents, or null when blank and not required; NaN after reporting a problem. */
  amount(field: string, required: boolean): number | null {
    const text = this.text(field);
    if (text === '') {
      if (required) {
        this.problem(field, 'missing-value', 'the amount is blank');
        return Number.NaN;
      }
      return null;
    }
    const cents = parseAmountCents(text, this.binding.decimal);
    if (Number.isNaN(cents)) {
      const problem = amountProblem(text, this.binding.decimal);
      this.problem(
        field,
        problem?.code ?? 'invalid-amount',
        `cannot read "${text}" as an amount${problem?.reason ? `: ${problem.reason}` : ''}`,
      );
    }
    return cents;
  }

  /** An instant, or null when blank and not required; NaN after reporting a problem. */
  instant(field: string, required: boolean): number | null {
    const text = this.text(field);
    if (text === '') {
      if (required) {
        this.problem(field, 'missing-value', 'the date is blank');
        return Number.NaN;
      }
      return null;
    }
    const instant = this.binding.instants.parse(text);
    if (Number.isNaN(instant)) {
      const problem = this.binding.instants.problem(text);
      this.problem(field, problem.code, problem.message);
    }
    return instant;
  }

  /** yes/no, true/false, 1/0 (blank = false). A problem for any other word. */
  flag(field: string): boolean {
    const text = this.text(field).toLowerCase();
    if (TRUE_WORDS.has(text)) return true;
    if (!FALSE_WORDS.has(text)) this.problem(field, 'invalid-flag', `expected yes or no, got "${text}"`);
    return false;
  }

  /** A whole number ≥ `minimum`, `fallback` when blank. */
  integer(field: string, fallback: number, minimum: number): number {
    const text = this.text(field);
    if (text === '') return fallback;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < minimum) {
      this.problem(field, 'invalid-number', `expected a whole number ≥ ${minimum}, got "${text}"`);
      return fallback;
    }
    return value;
  }

  /** An e-mail address, lower-cased; null when blank; a problem when it has no `@`. */
  email(field: string): string | null {
    const text = this.text(field).toLowerCase();
    if (text === '') return null;
    if (!/^[^\s@]+@[^\s@]+$/u.test(text)) {
      this.problem(field, 'invalid-email', `"${text}" is not an e-mail address`);
      return null;
    }
    return text;
  }

  /** An ISO 4217 code (3 letters, upper-cased), or null when blank; a problem otherwise. */
  currency(field: string): string | null {
    const text = this.text(field).toUpperCase();
    if (text === '') return null;
    if (!/^[A-Z]{3}$/u.test(text))
      this.problem(field, 'invalid-currency', `"${text}" is not a currency code`);
    return text;
  }

  /** Columns not bound to a field, by header name (blank values left out): free attributes. */
  extraColumns(): Record<string, string> {
    const extras: Record<string, string> = {};
    for (const [index, name] of this.binding.extraColumns) {
      const value = (this.fields[index] ?? '').trim();
      if (value !== '') extras[name] = value;
    }
    return extras;
  }

  /** Whether any problem was reported on the current record. */
  get failed(): boolean {
    return this.binding.problems.length > 0;
  }
}
