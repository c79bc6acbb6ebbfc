/**
 * Numbers, money, percentages and dates for a locale, all through `Intl` (nothing formatted by
 * hand). Rates from the API are percentages 0–100; dates are the workspace's local calendar dates
 * `YYYY-MM-DD`, formatted as calendar dates (no time zone shift).
 */
import type { Locale, MessageKey, Values } from './i18n';

const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function numberFormat(locale: Locale, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n|${locale}|${JSON.stringify(options)}`;
  let format = cache.get(key) as Intl.NumberFormat | undefined;
  if (!format) cache.set(key, (format = new Intl.NumberFormat(locale, options)));
  return format;
}

function dateFormat(locale: Locale, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d|${locale}|${JSON.stringify(options)}`;
  let format = cache.get(key) as Intl.DateTimeFormat | undefined;
  if (!format) cache.set(key, (format = new Intl.DateTimeFormat(locale, options)));
  return format;
}

/** A whole count: `23,570` / `23,570`. */
export function formatCount(value: number, locale: Locale): string {
  return numberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

/** A percentage given as 0–100: `96.3%` / `96.3%`. */
export function formatPercent(value: number, locale: Locale, digits = 1): string {
  return numberFormat(locale, {
    style: 'percent',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value / 100);
}

/** An amount in currency units: cents shown below 1,000, whole units from there (`$70,990`). */
export function formatMoney(value: number, currency: string, locale: Locale): string {
  const digits = Math.abs(value) >= 1000 ? 0 : 2;
  return numberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(value);
}

/** A signed relative change: `+4.2%`, `−3.0%`. */
export function formatRelativeChange(ratio: number, locale: Locale): string {
  return numberFormat(locale, {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
    signDisplay: 'exceptZero',
  }).format(ratio);
}

/** A number with one decimal (a size of change, percentage points): `1.9`. */
export function formatDecimal(value: number, locale: Locale): string {
  return numberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
}

/** A signed number with one decimal (percentage points): `+1.9`. */
export function formatSignedDecimal(value: number, locale: Locale): string {
  return numberFormat(locale, {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
    signDisplay: 'exceptZero',
  }).format(value);
}

/** The instant of local calendar date `YYYY-MM-DD`, to be formatted in UTC. */
function calendarDate(date: string): Date {
  return new Date(`${date}T00:00:00Z`);
}

/** A calendar date: `30 Jun 1998` / `1998年6月30日`. */
export function formatDate(date: string, locale: Locale): string {
  return dateFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(calendarDate(date));
}

/** A short date for axes: `Jun 30` / `6月30日`. */
export function formatShortDate(date: string, locale: Locale): string {
  return dateFormat(locale, { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(calendarDate(date));
}

/** An instant in the browser's zone, date and time: `7 Dec 2026, 08:15`. */
export function formatDateTime(iso: string, locale: Locale): string {
  return dateFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

type Translate = (key: MessageKey, values?: Values) => string;

/**
 * A period label from the API (`1998-05`, `1998-Q1`, `1997`, or a week by its first day
 * `1998-05-04`) in words: `May 1998` / `1998年5月`, `Q1 1998` / `1998年第1季度`, `1997` / `1997年`,
 * `May 4, 1998` / `1998年5月4日`; anything else is returned as is.
 */
export function formatPeriodLabel(label: string, locale: Locale, t: Translate): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(label)) return formatDate(label, locale);
  const month = /^(\d{4})-(\d{2})$/.exec(label);
  if (month) {
    return dateFormat(locale, { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(
      calendarDate(`${month[1]}-${month[2]}-01`),
    );
  }
  const quarter = /^(\d{4})-Q([1-4])$/.exec(label);
  if (quarter) return t('period.quarterLabel', { year: quarter[1]!, quarter: quarter[2]! });
  if (/^\d{4}$/.test(label)) return t('period.yearLabel', { year: label });
  return label;
}

/**
 * A short period label for chart axes: months as `May 98` / `98年5月`, weeks (their first day) as
 * `May 4` / `5月4日`, others as `formatPeriodLabel`.
 */
export function formatShortPeriodLabel(label: string, locale: Locale, t: Translate): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(label)) return formatShortDate(label, locale);
  const month = /^(\d{4})-(\d{2})$/.exec(label);
  if (month) {
    return dateFormat(locale, { year: '2-digit', month: 'short', timeZone: 'UTC' }).format(
      calendarDate(`${month[1]}-${month[2]}-01`),
    );
  }
  return formatPeriodLabel(label, locale, t);
}
