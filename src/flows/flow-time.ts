/** Instants a flow's wait steps end at. */
import { DateTime } from 'luxon';
import { isTimeZone } from '../core/index.js';

const MS_PER_MINUTE = 60_000;

/** The end of a wait of `days`, `hours` and `minutes` started at `from` (plain elapsed time). O(1). */
export function afterDuration(
  from: number,
  duration: { readonly days?: number; readonly hours?: number; readonly minutes?: number },
): number {
  return (
    from +
    ((duration.days ?? 0) * 1440 + (duration.hours ?? 0) * 60 + (duration.minutes ?? 0)) * MS_PER_MINUTE
  );
}

/**
 * The first instant at or after `from` whose local time in `timeZone` is `time` ("HH:MM"): today's
 * if it has not passed, else tomorrow's. A time that a daylight-saving change skips that day is
 * moved forward by the gap (Luxon's rule), so the wait still ends that day. An unknown zone is
 * read as `fallbackZone`. O(1).
 *
 * Example: `nextLocalTime(Date.UTC(2025, 5, 15, 12), '09:00', 'Europe/Paris')` → 2025-06-16T07:00Z.
 */
export function nextLocalTime(
  from: number,
  time: string,
  timeZone: string | null,
  fallbackZone = 'UTC',
): number {
  const zone =
    timeZone !== null && isTimeZone(timeZone) ? timeZone : isTimeZone(fallbackZone) ? fallbackZone : 'UTC';
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const local = DateTime.fromMillis(from, { zone });
  let candidate = local.set({ hour, minute, second: 0, millisecond: 0 });
  if (candidate.toMillis() < from)
    candidate = local.plus({ days: 1 }).set({ hour, minute, second: 0, millisecond: 0 });
  return candidate.toMillis();
}

/** The local calendar date of `instant` in `timeZone`, `YYYY-MM-DD`. */
export function localDate(instant: number, timeZone: string): string {
  return DateTime.fromMillis(instant, { zone: timeZone }).toISODate() ?? '1970-01-01';
}

/** The instant local midnight of `date` (`YYYY-MM-DD`) plus `days` days begins in `timeZone`. */
export function startOfLocalDate(date: string, timeZone: string, days = 0): number {
  return DateTime.fromISO(date, { zone: timeZone }).startOf('day').plus({ days }).toMillis();
}

/**
 * Whether the local date `today` (`YYYY-MM-DD`) is an anniversary of the local date `origin`: same
 * month and day, a later year; someone who signed up on 29 February celebrates on 28 February in
 * years without one. O(1).
 */
export function isAnniversary(origin: string, today: string): boolean {
  const [originYear, originRest] = [origin.slice(0, 4), origin.slice(5)];
  const [year, rest] = [today.slice(0, 4), today.slice(5)];
  if (year <= originYear) return false;
  if (rest === originRest) return true;
  const leap = (value: number) => (value % 4 === 0 && value % 100 !== 0) || value % 400 === 0;
  return originRest === '02-29' && rest === '02-28' && !leap(Number(year));
}
