/**
 * What an import keeps of a bad row: its line and the reason, never the cell values. A problem's
 * message quotes the value it could not read (`"bob@example" is not an e-mail address`), which is
 * useful on the terminal of the person importing their own file, but `import_run.problems` is
 * stored for as long as the run and served by the API to every role of the workspace, and erasure
 * cannot find a customer's data there. So the stored copy has the record's values blanked out.
 */
import type { RecordProblem } from './import.record-reader.js';

/** What replaces a cell value in a stored message. */
export const REDACTED_VALUE = '…';

/**
 * `message` with every quoted cell value of the record (`"<value>"`) replaced by `"…"`. A value is
 * matched as written, trimmed, lower- and upper-cased (the forms the readers quote). Messages name the
 * value they could not read in double quotes (src/csv/row-reader.ts and the layouts), and only
 * then; their other words are fixed text, enumerated words (a status) or a date's parts ("there
 * is no month 13"), which are left as they are.
 *
 * O(values · message length). Example:
 * `withoutCellValues('"bob@x" is not an e-mail address', [['c1', 'bob@x']])` →
 * `'"…" is not an e-mail address'`.
 */
export function withoutCellValues(message: string, lines: readonly (readonly string[])[]): string {
  if (!message.includes('"')) return message;
  const values = new Set<string>();
  for (const fields of lines) {
    for (const field of fields) {
      const trimmed = field.trim();
      if (trimmed === '') continue;
      values.add(field);
      values.add(trimmed);
      values.add(trimmed.toLowerCase());
      values.add(trimmed.toUpperCase());
    }
  }
  // Longest first: a value containing another is blanked whole.
  let redacted = message;
  for (const value of [...values].sort((left, right) => right.length - left.length)) {
    redacted = redacted.replaceAll(`"${value}"`, `"${REDACTED_VALUE}"`);
  }
  return redacted;
}

/** The problems of one record as stored: the same problems, their messages without cell values. */
export function storedProblems(
  problems: readonly RecordProblem[],
  lines: readonly (readonly string[])[],
): RecordProblem[] {
  return problems.map((problem) => ({ ...problem, message: withoutCellValues(problem.message, lines) }));
}
