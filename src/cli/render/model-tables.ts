/**
 * Small table helpers for the model commands (`clv`, `survival`, `churn`, `at-risk`). Rounding
 * happens here only; the JSON outputs keep unrounded numbers.
 */
import Table from 'cli-table3';
import colors from 'picocolors';

/** A table whose columns after the first are right-aligned. */
export function numberTable(head: string[]): Table.Table {
  return new Table({
    head,
    style: { head: colors.isColorSupported ? ['cyan'] : [], border: colors.isColorSupported ? ['grey'] : [] },
    colAligns: head.map((_, index) => (index === 0 ? 'left' : 'right')),
  });
}

export function heading(text: string): string {
  return colors.isColorSupported ? colors.bold(text) : text;
}

/** A number to `significant` significant figures (no exponent for ordinary magnitudes); '–' for null/NaN. */
export function formatSignificant(value: number | null, significant = 4): string {
  if (value === null || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const digits = Math.max(0, significant - 1 - Math.floor(Math.log10(Math.abs(value))));
  return value.toLocaleString('en-US', { maximumFractionDigits: Math.min(digits, 10), useGrouping: true });
}

export function formatFixed(value: number | null, digits = 2): string {
  if (value === null || Number.isNaN(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A fraction in [0, 1] as a percentage. */
export function formatShare(value: number | null, digits = 1): string {
  if (value === null || Number.isNaN(value)) return '–';
  return `${(value * 100).toFixed(digits)} %`;
}

/** Key/value rows as a two-column table. */
export function keyValueTable(rows: readonly (readonly [string, string])[]): string {
  const table = numberTable(['', 'value']);
  for (const [key, value] of rows) table.push([key, value]);
  return table.toString();
}
