/**
 * When marketing mail may go: quiet hours in the customer's time zone and frequency caps.
 */
import { DateTime } from 'luxon';

/** Minutes after midnight of `HH:MM`, or `undefined` for anything else. */
export function minutesOf(time: string): number | undefined {
  const match = /^([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(time);
  return match === null ? undefined : Number(match[1]) * 60 + Number(match[2]);
}

/**
 * The first instant ≥ `at` outside quiet hours `[start, end)` (local wall time in `zone`; a window
 * whose start is after its end spans midnight, e.g. 21:00–08:00). An unknown zone counts as UTC;
 * equal start and end mean no quiet hours. O(1). Example: 22:30 in Europe/Paris with 21:00–08:00
 * → 08:00 the next morning, Paris time.
 */
export function endOfQuietHours(
  at: number,
  zone: string | null,
  quiet: { start: string; end: string } | null,
): number {
  if (quiet === null) return at;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === undefined || end === undefined || start === end) return at;
  let local = DateTime.fromMillis(at, { zone: zone ?? 'UTC' });
  if (!local.isValid) local = DateTime.fromMillis(at, { zone: 'UTC' });
  const minute = local.hour * 60 + local.minute;
  const quietNow = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!quietNow) return at;
  let resume = local.set({ hour: Math.floor(end / 60), minute: end % 60, second: 0, millisecond: 0 });
  if (resume.toMillis() <= at) resume = resume.plus({ days: 1 });
  return resume.toMillis();
}

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;
