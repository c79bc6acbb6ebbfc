/**
 * The Customers pages' formats beyond i18n/format.ts: instants as dates or date-times in the
 * workspace's time zone (orders are dated where the shop is, not where the reader is), cents as
 * money, and a customer's name for a person to read.
 */
import { formatMoney } from '../../i18n/format';
import type { Locale } from '../../i18n/i18n';

const formats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(locale: Locale, timeZone: string, withTime: boolean): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}|${withTime}`;
  let format = formats.get(key);
  if (!format) {
    let zone = timeZone;
    try {
      new Intl.DateTimeFormat(locale, { timeZone });
    } catch {
      zone = 'UTC'; // a zone this browser does not know
    }
    format = new Intl.DateTimeFormat(locale, {
      dateStyle: 'medium',
      ...(withTime ? { timeStyle: 'short' } : {}),
      timeZone: zone,
    });
    formats.set(key, format);
  }
  return format;
}

/** An ISO instant as a date in `timeZone`: `Jan 2, 1997` / `1997年1月2日`. */
export function formatInstantDate(iso: string, locale: Locale, timeZone: string): string {
  return dateFormat(locale, timeZone, false).format(new Date(iso));
}

/** An ISO instant as a date and time in `timeZone`. */
export function formatInstant(iso: string, locale: Locale, timeZone: string): string {
  return dateFormat(locale, timeZone, true).format(new Date(iso));
}

/** Cents of `currency` as money: `$12.50`. */
export function formatCents(cents: number, currency: string, locale: Locale): string {
  return formatMoney(cents / 100, currency, locale);
}

/** What to call a customer: the name, else the e-mail, else the external id, else `#id`. */
export function customerLabel(customer: {
  readonly id: string;
  readonly name: string | null;
  readonly email: string | null;
  readonly externalId: string | null;
}): string {
  return customer.name ?? customer.email ?? customer.externalId ?? `#${customer.id}`;
}
