/**
 * The overview's period choice, kept in the page's URL (`?period=quarter&from=…&to=…`) so a view
 * can be bookmarked and shared: its parsing, the API query it stands for, and the calendar periods
 * between the data's first and last dates to choose from. Dates are the workspace's local dates
 * (`YYYY-MM-DD`), so plain calendar arithmetic applies.
 */
import type { OverviewQuery } from '../../api';

export type PeriodKind = 'month' | 'quarter' | 'year' | 'custom';
export const PERIOD_KINDS: readonly PeriodKind[] = ['month', 'quarter', 'year', 'custom'];

export interface Selection {
  readonly kind: PeriodKind;
  /** The chosen range; absent: the server's default (the last complete period of `kind`). */
  readonly from?: string;
  readonly to?: string;
}

export interface CalendarPeriod {
  /** As the API labels it: `1998-05`, `1998-Q1`, `1998`. */
  readonly label: string;
  readonly from: string;
  readonly to: string;
  /** False when the data's last date falls before the period's end. */
  readonly complete: boolean;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isDate(value: string | null | undefined): value is string {
  if (!value || !DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** The selection in a URL's query; anything invalid falls back to the default month. */
export function parseSelection(search: URLSearchParams): Selection {
  const period = search.get('period');
  const kind: PeriodKind = PERIOD_KINDS.includes(period as PeriodKind) ? (period as PeriodKind) : 'month';
  const from = search.get('from');
  const to = search.get('to');
  if (isDate(from) && isDate(to) && from <= to) return { kind, from, to };
  return kind === 'custom' ? { kind: 'month' } : { kind };
}

/** The URL query of a selection (`''` for the default). */
export function selectionSearch(selection: Selection): string {
  const search = new URLSearchParams();
  if (selection.kind !== 'month' || selection.from) search.set('period', selection.kind);
  if (selection.from && selection.to) {
    search.set('from', selection.from);
    search.set('to', selection.to);
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** The API query of a selection: a custom range is shown with monthly trends. */
export function overviewQuery(selection: Selection): OverviewQuery {
  const period = selection.kind === 'custom' ? 'month' : selection.kind;
  return selection.from && selection.to ? { period, from: selection.from, to: selection.to } : { period };
}

const pad = (value: number) => String(value).padStart(2, '0');
const iso = (year: number, month: number, day: number) => `${year}-${pad(month)}-${pad(day)}`;
/** Last day of `month` (1–12) of `year`. */
const lastDay = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * The calendar periods of `kind` that hold data between `dataStart` and `dataEnd`, latest first.
 * Example: months of 1997-11-15 … 1998-01-10 → 1998-01 (incomplete), 1997-12, 1997-11.
 */
export function calendarPeriods(
  kind: Exclude<PeriodKind, 'custom'>,
  dataStart: string,
  dataEnd: string,
): CalendarPeriod[] {
  const months = kind === 'month' ? 1 : kind === 'quarter' ? 3 : 12;
  const startYear = Number(dataStart.slice(0, 4));
  const startMonth = Number(dataStart.slice(5, 7));
  // The first period's first month: January for years, the quarter's first month for quarters.
  let month = kind === 'year' ? 1 : kind === 'quarter' ? startMonth - ((startMonth - 1) % 3) : startMonth;
  let year = startYear;
  const periods: CalendarPeriod[] = [];
  for (;;) {
    const from = iso(year, month, 1);
    if (from > dataEnd) break;
    const endMonth = month + months - 1;
    const endYear = year + Math.floor((endMonth - 1) / 12);
    const endMonthInYear = ((endMonth - 1) % 12) + 1;
    const to = iso(endYear, endMonthInYear, lastDay(endYear, endMonthInYear));
    const label =
      kind === 'month'
        ? `${year}-${pad(month)}`
        : kind === 'quarter'
          ? `${year}-Q${(month + 2) / 3}`
          : `${year}`;
    // The API counts a period complete when it ends before the data's last instant (a local midnight).
    periods.push({ label, from, to, complete: to < dataEnd });
    month += months;
    if (month > 12) {
      year += Math.floor((month - 1) / 12);
      month = ((month - 1) % 12) + 1;
    }
    if (periods.length > 600) break; // 50 years of months: more than any export holds
  }
  return periods.reverse();
}
