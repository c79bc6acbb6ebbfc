/**
 * The customer list as CSV (`GET /customers/export.csv`): any filtered, sorted list, streamed — a
 * `ReadableStream` that reads the next keyset page only when the client has taken the previous
 * one, so the list is never held whole and a slow client slows the reads instead of filling memory.
 *
 * Cells are RFC 4180 (quoted when they hold a comma, quote or line break; quotes doubled). Text
 * cells that a spreadsheet would read as a formula — starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return — are prefixed with `'` and quoted (OWASP "CSV injection"), so a customer named
 * `=HYPERLINK(…)` stays text. Numbers are written by this code, never taken from text.
 *
 * Who gets which columns (personal data): owners, admins and marketers (who run campaigns) get the
 * profile — e-mail, name, phone, language, time zone; analysts get the same list pseudonymous (ids,
 * country and the figures); agents, who work one customer at a time, cannot export lists.
 */
import type { Role } from '../auth/roles.js';
import type { CustomerListFilter, CustomerSort, ListedCustomerRow, SortDirection } from './customer-list.js';
import { customerPages, scoreSummaryOf } from './customer-list.service.js';
import { isoOrNull } from './customers.service.js';
import type { Executor } from './upsert-batch.js';

/** The roles that may export customer lists, and whether they see personal data. */
export const EXPORT_ACCESS: Readonly<Record<Role, 'personal' | 'pseudonymous' | 'none'>> = {
  owner: 'personal',
  admin: 'personal',
  marketer: 'personal',
  analyst: 'pseudonymous',
  agent: 'none',
};

/** Starts of a text cell a spreadsheet would evaluate. */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV cell: empty for null, numbers as written, text quoted when needed and defused when it
 * starts like a formula. O(length).
 * Example: `csvCell('=1+1')` → `"'=1+1"`; `csvCell('a,b')` → `"a,b"`; `csvCell(-3.5)` → `-3.5`.
 */
export function csvCell(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const formula = FORMULA_START.test(value);
  const text = formula ? `'${value}` : value;
  return formula || NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

interface Column {
  readonly name: string;
  readonly personal?: true;
  readonly value: (
    row: ListedCustomerRow,
    score: ReturnType<typeof scoreSummaryOf>,
  ) => string | number | boolean | null;
}

/** Cents as currency units with two decimals, as a number cell. */
const units = (cents: number | null) => (cents === null ? null : Number((cents / 100).toFixed(2)));
const rounded = (value: number | null, digits: number) =>
  value === null ? null : Number(value.toFixed(digits));

const COLUMNS: readonly Column[] = [
  { name: 'id', value: (row) => String(row.id) },
  { name: 'external_id', value: (row) => row.external_id },
  { name: 'email', personal: true, value: (row) => row.email },
  { name: 'name', personal: true, value: (row) => row.name },
  { name: 'phone', personal: true, value: (row) => row.phone },
  { name: 'language', personal: true, value: (row) => row.language },
  { name: 'time_zone', personal: true, value: (row) => row.time_zone },
  { name: 'country', value: (row) => row.country },
  {
    name: 'signed_up_at',
    value: (row) => isoOrNull(row.signed_up_at === null ? null : Number(row.signed_up_at)),
  },
  { name: 'consent_email_marketing', value: (row) => Number(row.consent_email_marketing) !== 0 },
  { name: 'consent_sms_marketing', value: (row) => Number(row.consent_sms_marketing) !== 0 },
  { name: 'orders', value: (_, score) => score?.ordersCount ?? null },
  { name: 'value_to_date', value: (_, score) => units(score?.valueCents ?? null) },
  { name: 'first_order_at', value: (_, score) => score?.firstOrderAt ?? null },
  { name: 'last_order_at', value: (_, score) => score?.lastOrderAt ?? null },
  { name: 'risk_score', value: (_, score) => rounded(score?.riskScore ?? null, 2) },
  { name: 'risk_band', value: (_, score) => score?.riskBand ?? null },
  {
    name: 'risk_reasons',
    value: (_, score) => score?.reasons.map((reason) => reason.code).join(' ') ?? null,
  },
  { name: 'p_alive', value: (_, score) => rounded(score?.pAlive ?? null, 4) },
  { name: 'predicted_clv', value: (_, score) => units(score?.predictedClvCents ?? null) },
  { name: 'rfm_segment', value: (_, score) => score?.rfm?.segment ?? null },
  { name: 'erased_at', value: (row) => isoOrNull(row.erased_at === null ? null : Number(row.erased_at)) },
];

/** The export's columns for a level of access. */
export function exportColumns(access: 'personal' | 'pseudonymous'): readonly string[] {
  return COLUMNS.filter((column) => access === 'personal' || !column.personal).map((column) => column.name);
}

export interface CustomersCsvOptions {
  readonly access: 'personal' | 'pseudonymous';
  readonly currency: string;
  readonly sort: CustomerSort;
  readonly direction: SortDirection;
  /** Rows read per keyset page (default 1,000). */
  readonly pageRows?: number;
}

/**
 * The CSV of every customer matching `filter`, in order, as a byte stream: a header line (money
 * columns name the currency), then one line per customer, `\r\n`-terminated. Each `pull` reads
 * one keyset page; cancelling the stream (the client went away) stops the reads.
 */
export function customersCsvStream(
  db: Executor,
  workspaceId: number,
  filter: CustomerListFilter,
  options: CustomersCsvOptions,
): ReadableStream<Uint8Array> {
  const columns = COLUMNS.filter((column) => options.access === 'personal' || !column.personal);
  const encoder = new TextEncoder();
  const pages = customerPages(
    db,
    workspaceId,
    filter,
    { sort: options.sort, direction: options.direction },
    options.pageRows,
  );
  const header = columns
    .map((column) =>
      column.name === 'value_to_date' || column.name === 'predicted_clv'
        ? `${column.name}_${options.currency.toLowerCase()}`
        : column.name,
    )
    .map(csvCell)
    .join(',');
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(`${header}\r\n`));
      },
      async pull(controller) {
        const next = await pages.next();
        if (next.done === true) {
          controller.close();
          return;
        }
        let text = '';
        for (const row of next.value) {
          const score = scoreSummaryOf(row);
          text += `${columns.map((column) => csvCell(column.value(row, score))).join(',')}\r\n`;
        }
        controller.enqueue(encoder.encode(text));
      },
      async cancel() {
        await pages.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}
