/**
 * A segment's members as CSV (`GET /segments/{id}/members.csv`), streamed: a `ReadableStream`
 * that reads the next page of members only when the client has taken the previous one, so the list
 * is never held whole and a slow client slows the reads instead of filling memory; cancelling the
 * stream (the client went away) stops them.
 *
 * Cells are RFC 4180 (quoted when they hold a comma, quote or line break; quotes doubled), and a
 * text cell a spreadsheet would read as a formula — starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return — is prefixed with `'` and quoted (OWASP "CSV injection").
 */
import type { Kysely } from 'kysely';
import type { Database, RowId } from '../db/index.js';
import { listMembers, type SegmentMember } from './segment.repository.js';

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV cell: empty for null, text quoted when needed and defused when it starts like a formula.
 * O(length). Example: `csvCell('=1+1')` → `"'=1+1"`; `csvCell('a,b')` → `"a,b"`; `csvCell(null)` → ``.
 */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const formula = FORMULA_START.test(value);
  const text = formula ? `'${value}` : value;
  return formula || NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

interface Column {
  readonly name: string;
  /** E-mail and name: only for callers who see personal data. */
  readonly personal?: true;
  readonly value: (member: SegmentMember) => string | null;
}

const COLUMNS: readonly Column[] = [
  { name: 'customer_id', value: (member) => String(member.customerId) },
  { name: 'external_id', value: (member) => member.externalId },
  { name: 'email', personal: true, value: (member) => member.email },
  { name: 'name', personal: true, value: (member) => member.name },
  { name: 'country', value: (member) => member.country },
  { name: 'entered_at', value: (member) => new Date(member.enteredAt).toISOString() },
];

/** The export's columns for a level of access. */
export function memberColumns(personalData: boolean): readonly string[] {
  return COLUMNS.filter((column) => personalData || column.personal !== true).map((column) => column.name);
}

/**
 * Every member of the segment, by customer id, as CSV bytes: a header line, then one
 * `\r\n`-terminated line per member. Each pull reads one page of `pageRows` (default 1,000).
 */
export function membersCsvStream(
  db: Kysely<Database>,
  workspaceId: number,
  segmentId: RowId,
  options: { readonly personalData: boolean; readonly pageRows?: number },
): ReadableStream<Uint8Array> {
  const columns = COLUMNS.filter((column) => options.personalData || column.personal !== true);
  const pageRows = options.pageRows ?? 1_000;
  const encoder = new TextEncoder();
  let afterCustomerId: RowId | undefined;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(`${columns.map((column) => column.name).join(',')}\r\n`));
      },
      async pull(controller) {
        const page = await listMembers(db, workspaceId, segmentId, {
          limit: pageRows,
          ...(afterCustomerId === undefined ? {} : { afterCustomerId }),
        });
        if (page.length > 0) {
          const lines = page.map(
            (member) => `${columns.map((column) => csvCell(column.value(member))).join(',')}\r\n`,
          );
          controller.enqueue(encoder.encode(lines.join('')));
          afterCustomerId = page[page.length - 1]!.customerId;
        }
        if (page.length < pageRows) controller.close();
      },
    },
    { highWaterMark: 0 },
  );
}
