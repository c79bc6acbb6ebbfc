import { DateTime } from 'luxon';
import { InvalidInputError } from '../input-error.js';
import { checkLimit, MAX_PERIODS } from '../limits.js';
import { MS_PER_DAY } from './units.js';

/**
 * Calendar arithmetic for Retain's periods. Every period is half-open `[start, end)` in an IANA
 * time zone (metrics.md, preamble): a "month" in Europe/Paris starts at local midnight on the 1st,
 * whatever the UTC offset that day. Instants are epoch milliseconds (UTC) throughout the core.
 *
 * Boundaries come from Luxon, never from hand-made offsets; hot loops then bucket instants against
 * a precomputed, sorted array of boundaries (`PeriodGrid`), so per-row cost is a binary search.
 */

/** The calendar units a period or cohort can have. */
export type Granularity = 'day' | 'week' | 'month' | 'quarter' | 'year';

export const GRANULARITIES: readonly Granularity[] = ['day', 'week', 'month', 'quarter', 'year'];

/** Which weekday a week starts on (metrics.md §3: Monday unless the workspace says Sunday). */
export type WeekStart = 'monday' | 'sunday';

export interface CalendarOptions {
  /** IANA time zone, e.g. `Europe/Paris`. Default `UTC`. */
  readonly timeZone?: string;
  /** Default `monday`. */
  readonly weekStartsOn?: WeekStart;
}

/** A calendar and the largest grid a caller accepts. */
export interface GridOptions extends CalendarOptions {
  /** Most periods a grid may have (default `MAX_PERIODS`, core/limits.ts); more throws `InvalidInputError`. */
  readonly maxPeriods?: number;
}

/** `12345` → `12,345`. */
export function groupDigits(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The error of a grid over the limit: what was asked, the limit, and what to do. */
function tooManyPeriods(from: number, to: number, granularity: Granularity, maxPeriods: number) {
  const day = (instant: number) => new Date(instant).toISOString().slice(0, 10);
  return new InvalidInputError(
    `${day(from)} to ${day(to - 1)} holds more than ${groupDigits(maxPeriods)} ${granularity} periods, ` +
      `the most one analysis computes: choose a shorter range or a longer period.`,
    ['period'],
  );
}

/**
 * True when `name` is a time zone periods can be cut in: an IANA name the runtime knows
 * (`Europe/Paris`, `UTC`) or a fixed offset Luxon reads (`UTC+3`). O(1) after the first call per name.
 * Example: `isTimeZone('Europe/Paris')` → `true`; `isTimeZone('Mars/Olympus')` → `false`.
 */
export function isTimeZone(name: string): boolean {
  return name !== '' && DateTime.fromMillis(0, { zone: name }).isValid;
}

/** Throws a `RangeError` naming the zone when it is not a valid IANA time zone. */
export function assertTimeZone(timeZone: string): void {
  if (!isTimeZone(timeZone)) {
    throw new InvalidInputError(
      `Unknown time zone "${timeZone}": use an IANA name such as "UTC" or "Europe/Paris".`,
    );
  }
}

function zoned(instant: number, timeZone: string): DateTime {
  const dateTime = DateTime.fromMillis(instant, { zone: timeZone });
  if (!dateTime.isValid) {
    throw new InvalidInputError(
      `Cannot place instant ${instant} in time zone "${timeZone}": ${dateTime.invalidReason}`,
    );
  }
  return dateTime;
}

function startOf(dateTime: DateTime, granularity: Granularity, weekStartsOn: WeekStart): DateTime {
  if (granularity !== 'week') return dateTime.startOf(granularity);
  const monday = dateTime.startOf('week', { useLocaleWeeks: false });
  if (weekStartsOn === 'monday') return monday;
  // Luxon's ISO week starts on Monday; a Sunday week starts the day before that Monday's week
  // unless the instant is itself on a Sunday.
  return dateTime.weekday === 7 ? dateTime.startOf('day') : monday.minus({ days: 1 });
}

/** Start (epoch ms) of the period of `granularity` that contains `instant`, in the options' zone. */
export function periodStart(
  instant: number,
  granularity: Granularity,
  options: CalendarOptions = {},
): number {
  const timeZone = options.timeZone ?? 'UTC';
  return startOf(zoned(instant, timeZone), granularity, options.weekStartsOn ?? 'monday').toMillis();
}

/**
 * Adds `count` whole periods (may be negative) to the period start `start` in local calendar terms;
 * the result is the start of another period of the same granularity.
 */
export function addPeriods(
  start: number,
  granularity: Granularity,
  count: number,
  options: CalendarOptions = {},
): number {
  const timeZone = options.timeZone ?? 'UTC';
  const local = zoned(start, timeZone);
  const shifted =
    granularity === 'quarter'
      ? local.plus({ months: 3 * count })
      : local.plus({ [`${granularity}s`]: count });
  return shifted.toMillis();
}

/** Adds `days` local calendar days to `instant` (keeps the wall-clock time across DST changes). */
export function addLocalDays(instant: number, days: number, timeZone = 'UTC'): number {
  return zoned(instant, timeZone).plus({ days }).toMillis();
}

/**
 * A readable, sortable label for the period starting at `start`: `2024-03-05` (day), `2024-03-04`
 * (week, the date of its first day), `2024-03` (month), `2024-Q1` (quarter), `2024` (year).
 */
export function periodLabel(start: number, granularity: Granularity, options: CalendarOptions = {}): string {
  const local = zoned(start, options.timeZone ?? 'UTC');
  switch (granularity) {
    case 'day':
    case 'week':
      return local.toFormat('yyyy-MM-dd');
    case 'month':
      return local.toFormat('yyyy-MM');
    case 'quarter':
      return `${local.year}-Q${local.quarter}`;
    case 'year':
      return String(local.year);
  }
}

/**
 * The consecutive periods of one granularity covering `[from, to)`: `starts[i]` is the start of
 * period i and `starts[count]` the end of the last one. The first period is the one containing
 * `from`, the last the one containing `to − 1 ms`; so the grid may begin before `from` and end
 * after `to` (see `isComplete`).
 *
 * `indexOf(instant)` finds an instant's period in O(log count); it is the hot-path primitive.
 */
export class PeriodGrid {
  /** `count + 1` ascending boundaries: the start of each period, then the end of the last. */
  readonly starts: Float64Array;
  readonly count: number;
  readonly granularity: Granularity;
  readonly timeZone: string;
  readonly weekStartsOn: WeekStart;

  private constructor(
    starts: Float64Array,
    granularity: Granularity,
    timeZone: string,
    weekStartsOn: WeekStart,
  ) {
    this.starts = starts;
    this.count = starts.length - 1;
    this.granularity = granularity;
    this.timeZone = timeZone;
    this.weekStartsOn = weekStartsOn;
  }

  /**
   * Periods of `granularity` from the one containing `from` to the one containing `to − 1 ms`.
   * Throws `InvalidInputError` (path `period`) when that is more than `options.maxPeriods`
   * (default `MAX_PERIODS`, core/limits.ts) periods, after computing at most that many boundaries.
   */
  static covering(from: number, to: number, granularity: Granularity, options: GridOptions = {}): PeriodGrid {
    if (!(to > from))
      throw new InvalidInputError(
        `Empty time range: ${new Date(from).toISOString()} is not before ${new Date(to).toISOString()}`,
      );
    const timeZone = options.timeZone ?? 'UTC';
    const weekStartsOn = options.weekStartsOn ?? 'monday';
    const maxPeriods = checkLimit(options.maxPeriods ?? MAX_PERIODS, 'maxPeriods');
    assertTimeZone(timeZone);
    const first = startOf(zoned(from, timeZone), granularity, weekStartsOn);
    const boundaries: number[] = [first.toMillis()];
    // Always step from the first start, so month ends never drift (Jan 31 + 1 month issues).
    for (let index = 1; ; index++) {
      if (index > maxPeriods) throw tooManyPeriods(from, to, granularity, maxPeriods);
      const next =
        granularity === 'quarter'
          ? first.plus({ months: 3 * index })
          : first.plus({ [`${granularity}s`]: index });
      const millis = next.toMillis();
      boundaries.push(millis);
      if (millis >= to) break;
    }
    return new PeriodGrid(Float64Array.from(boundaries), granularity, timeZone, weekStartsOn);
  }

  /** Start of period `index` (0 ≤ index ≤ count; `start(count)` is the grid's end). */
  start(index: number): number {
    const value = this.starts[index];
    if (value === undefined)
      throw new RangeError(`Period ${index} is outside the grid of ${this.count} periods`);
    return value;
  }

  /** End of period `index`, i.e. the start of the next one. */
  end(index: number): number {
    return this.start(index + 1);
  }

  /**
   * The index of the period containing `instant`: −1 before the grid, `count` at or after its end.
   * Binary search over the boundaries: O(log count), no allocation.
   */
  indexOf(instant: number): number {
    const starts = this.starts;
    if (instant < starts[0]!) return -1;
    let low = 0;
    let high = starts.length - 1;
    if (instant >= starts[high]!) return this.count;
    // Invariant: starts[low] <= instant < starts[high].
    while (high - low > 1) {
      const middle = (low + high) >>> 1;
      if (starts[middle]! <= instant) low = middle;
      else high = middle;
    }
    return low;
  }

  /** Label of period `index` (see `periodLabel`). */
  label(index: number): string {
    return periodLabel(this.start(index), this.granularity, { timeZone: this.timeZone });
  }

  /** Labels of every period of the grid. */
  labels(): string[] {
    return Array.from({ length: this.count }, (_, index) => this.label(index));
  }

  /** Whether period `index` has ended by `dataEnd` (metrics.md §3: else its cells are `null`). */
  isComplete(index: number, dataEnd: number): boolean {
    return this.end(index) <= dataEnd;
  }
}

/**
 * The local calendar day number of an instant: whole days since 1970-01-01 of the local date in
 * `timeZone`. Two instants' day numbers differ by the number of local midnights between them, which
 * is what "whole days between local dates" means (metrics.md §6 recency).
 */
export function localDayNumber(instant: number, timeZone = 'UTC'): number {
  const local = zoned(instant, timeZone);
  return Math.round(Date.UTC(local.year, local.month - 1, local.day) / MS_PER_DAY);
}

/**
 * Maps many instants to local day numbers quickly. The zone's UTC offset is looked up with Luxon
 * once per UTC hour and cached; an hour in which the offset changes (a DST transition) is marked and
 * every instant in it is converted by Luxon directly, so the result always equals `localDayNumber`.
 */
export class LocalDayMapper {
  readonly timeZone: string;
  private readonly cache = new Map<number, number>();

  constructor(timeZone = 'UTC') {
    assertTimeZone(timeZone);
    this.timeZone = timeZone;
  }

  /** Local day number of `instant` (see `localDayNumber`). */
  dayNumber(instant: number): number {
    if (this.timeZone === 'UTC') return Math.floor(instant / MS_PER_DAY);
    const hour = Math.floor(instant / 3_600_000);
    let offset = this.cache.get(hour);
    if (offset === undefined) {
      const atStart = zoned(hour * 3_600_000, this.timeZone).offset;
      const atEnd = zoned(hour * 3_600_000 + 3_599_999, this.timeZone).offset;
      offset = atStart === atEnd ? atStart : Number.NaN;
      this.cache.set(hour, offset);
    }
    if (Number.isNaN(offset)) return localDayNumber(instant, this.timeZone);
    return Math.floor((instant + offset * 60_000) / MS_PER_DAY);
  }
}

/** Converts local wall-clock fields to an instant in `timeZone` (DST gaps move forward, as Luxon does). */
export function instantFromLocal(
  fields: {
    year: number;
    month: number;
    day: number;
    hour?: number;
    minute?: number;
    second?: number;
    millisecond?: number;
  },
  timeZone = 'UTC',
): number {
  const local = DateTime.fromObject(fields, { zone: timeZone });
  if (!local.isValid)
    throw new InvalidInputError(
      `Invalid local date-time in ${timeZone}: ${local.invalidExplanation ?? local.invalidReason}`,
    );
  return local.toMillis();
}
