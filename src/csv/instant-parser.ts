import { DateTime } from 'luxon';
import {
  assertTimeZone,
  instantFromLocal,
  isSupportedInstant,
  MS_PER_DAY,
  SUPPORTED_DATES,
} from '../core/light.js';
import type { DateFormat } from './dialect.js';

const DIGIT_0 = 48;
const SLASH = 47;
const PERIOD = 46;

/** Why a date could not be read (the slow path, for messages). */
export interface DateProblem {
  readonly code: 'invalid-date';
  readonly reason: string;
}

/** Why a value is not an accepted instant: unreadable, or a date outside the supported range. */
export interface InstantProblem {
  readonly code: 'invalid-date' | 'date-out-of-range' | 'ambiguous-date';
  /** The whole sentence, naming the value: `cannot read "x" as a date: …` or `"0000-01-01" is …`. */
  readonly message: string;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil), exact arithmetic. */
function daysFromCivil(year: number, month: number, day: number): number {
  const shiftedYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(shiftedYear / 400);
  const yearOfEra = shiftedYear - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Reads the date and date-time forms found in exports into instants (epoch ms):
 * `YYYY-MM-DD`, `YYYYMMDD`, and `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]]` optionally followed (after
 * an optional space) by `Z`, `±HH:MM`, `±HHMM`, `±HH` or `UTC`. A value without an offset is a
 * wall-clock time in the parser's time zone; a bare date is that day's local midnight.
 *
 * With a `dateFormat` other than `YYYY-MM-DD`, day-first or month-first dates are read too:
 * `D/M/YYYY` (`DD/MM/YYYY`), `M/D/YYYY` (`MM/DD/YYYY`) or `D.M.YYYY` (`DD.MM.YYYY`), day and month of
 * one or two digits, optionally followed by a space (or `T`) and `H:MM[:SS[.fraction]]`, an
 * optional `AM`/`PM` (hour 1–12) and an optional offset as above. ISO values are read whatever the
 * format; a slashed date without its format is refused, `problem` naming `--date-format`.
 *
 * Values are read byte by byte (`parseBytes`; strings through `parseIn`), with no regex and no
 * allocation. Zone conversion never uses a hand-made
 * rule: the zone's UTC offset is asked of Luxon once per local calendar day and cached; a day on
 * which the offset changes (a DST transition, or a midnight that does not exist) is marked, and
 * every wall time on it is converted by Luxon itself (`instantFromLocal`), so results always equal
 * Luxon's. O(length) per value; one Luxon call per distinct local day.
 *
 * Example: `new InstantParser('America/New_York').parse('2024-03-10 12:00')` is
 * `Date.UTC(2024, 2, 10, 16)` (EDT, UTC−4, from 02:00 that day).
 */
export class InstantParser {
  readonly timeZone: string;
  readonly dateFormat: DateFormat;
  private readonly isUtc: boolean;
  /** The separator byte of `dateFormat` (`/` or `.`), 0 for ISO only. */
  private readonly separator: number;
  private readonly dayFirst: boolean;
  /** Offset in minutes of each local day seen (key: days since epoch); NaN on transition days. */
  private readonly offsetByLocalDay = new Map<number, number>();
  private lastLocalDay = Number.NaN;
  private lastOffset = 0;
  /** `parseIn`'s copy of a string value as bytes (grown on demand). */
  private scratch = new Uint8Array(64);

  /** Throws the core's `InvalidInputError` for an unknown zone (the readers check the zone first). */
  constructor(timeZone = 'UTC', dateFormat: DateFormat = 'YYYY-MM-DD') {
    assertTimeZone(timeZone);
    this.timeZone = timeZone;
    this.dateFormat = dateFormat;
    this.separator = dateFormat === 'YYYY-MM-DD' ? 0 : dateFormat === 'DD.MM.YYYY' ? PERIOD : SLASH;
    this.dayFirst = dateFormat !== 'MM/DD/YYYY';
    const zone = DateTime.fromMillis(0, { zone: timeZone }).zone;
    this.isUtc = zone.isUniversal && zone.offset(0) === 0;
  }

  /**
   * The instant `text` denotes, or `NaN` when it is not one of the accepted forms, not a real date,
   * or outside the supported dates (1970-01-01 to 2100-12-31 UTC, core/limits.ts).
   */
  parse(text: string): number {
    return this.parseIn(text, 0, text.length);
  }

  /** Why `parse(text)` is NaN, as an issue's code and message (slow path). */
  problem(text: string): InstantProblem {
    const unbounded = this.parseUnbounded(text);
    if (!Number.isNaN(unbounded) && !isSupportedInstant(unbounded)) {
      return {
        code: 'date-out-of-range',
        message: `"${text}" is outside the dates Retain accepts, ${SUPPORTED_DATES}`,
      };
    }
    const separated = separatedDateProblem(text, this.dateFormat);
    if (separated !== null) return separated;
    return { code: 'invalid-date', message: `cannot read "${text}" as a date: ${dateProblem(text).reason}` };
  }

  /** `parse` without the range check. */
  private parseUnbounded(text: string): number {
    const bytes = new TextEncoder().encode(text);
    for (const byte of bytes) if (byte > 127) return Number.NaN;
    return this.readBytes(bytes, 0, bytes.length);
  }

  /**
   * `parse(text.slice(from, to))` without the slice. Every accepted form is ASCII, so the text's
   * char codes are copied into a scratch byte array (any other character: `NaN` at once) and read
   * by `parseBytes`, the one implementation of the forms. O(to − from).
   */
  parseIn(text: string, from: number, to: number): number {
    const length = to - from;
    if (length > this.scratch.length)
      this.scratch = new Uint8Array(Math.max(length, this.scratch.length * 2));
    const scratch = this.scratch;
    for (let index = 0; index < length; index++) {
      const code = text.charCodeAt(from + index);
      if (code > 127) return Number.NaN;
      scratch[index] = code;
    }
    return this.parseBytes(scratch, 0, length);
  }

  /**
   * The instant the UTF-8 bytes `bytes[from, to)` denote, or `NaN` (the byte-level CSV scanner's
   * hot path, and `parseIn`'s), also for a date outside the supported range. A byte ≥ 0x80 never
   * matches: no accepted form holds a non-ASCII character. O(to − from), no allocation.
   */
  parseBytes(bytes: Uint8Array, from: number, to: number): number {
    const instant = this.readBytes(bytes, from, to);
    return isSupportedInstant(instant) ? instant : Number.NaN;
  }

  /** The instant of the accepted forms in `bytes[from, to)`, whatever its year, or `NaN`. */
  private readBytes(bytes: Uint8Array, from: number, to: number): number {
    let start = from;
    let end = to;
    while (start < end && bytes[start] === 32) start++;
    while (end > start && bytes[end - 1] === 32) end--;
    if (this.separator !== 0) {
      const separator = this.separator;
      if (bytes[start + 1] === separator || bytes[start + 2] === separator) {
        return this.readSeparated(bytes, start, end);
      }
    }
    if (end - start < 8) return Number.NaN;

    const year = digits(bytes, start, 4);
    let month: number;
    let day: number;
    let position: number;
    if (bytes[start + 4] === 45) {
      if (bytes[start + 7] !== 45 || end - start < 10) return Number.NaN;
      month = digits(bytes, start + 5, 2);
      day = digits(bytes, start + 8, 2);
      position = start + 10;
    } else {
      month = digits(bytes, start + 4, 2);
      day = digits(bytes, start + 6, 2);
      position = start + 8;
      if (position !== end) return Number.NaN;
    }
    if (!(year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) {
      return Number.NaN;
    }

    let hour = 0;
    let minute = 0;
    let second = 0;
    let millisecond = 0;
    let offsetMinutes = Number.NaN;
    if (position < end) {
      const separator = bytes[position];
      if (separator !== 84 && separator !== 116 && separator !== 32) return Number.NaN;
      if (end - position < 6 || bytes[position + 3] !== 58) return Number.NaN;
      hour = digits(bytes, position + 1, 2);
      minute = digits(bytes, position + 4, 2);
      position += 6;
      if (end - position >= 3 && bytes[position] === 58) {
        second = digits(bytes, position + 1, 2);
        position += 3;
        if (position < end && bytes[position] === 46) {
          position++;
          let fractionDigits = 0;
          while (position < end) {
            const digit = bytes[position]! - DIGIT_0;
            if (digit < 0 || digit > 9) break;
            if (fractionDigits < 3) millisecond = millisecond * 10 + digit;
            fractionDigits++;
            position++;
          }
          if (fractionDigits === 0) return Number.NaN;
          if (fractionDigits === 1) millisecond *= 100;
          else if (fractionDigits === 2) millisecond *= 10;
        }
      }
      if (!(hour <= 23 && minute <= 59 && second <= 59)) return Number.NaN;
      if (position < end) {
        if (bytes[position] === 32) position++;
        offsetMinutes = readOffset(bytes, position, end);
        if (Number.isNaN(offsetMinutes)) return Number.NaN;
      }
    }
    return this.instant(year, month, day, hour, minute, second, millisecond, offsetMinutes);
  }

  /**
   * A day-first or month-first date (`dateFormat`) in `bytes[start, end)` (trimmed), with its
   * optional time, AM/PM and offset; NaN when it is not one.
   */
  private readSeparated(bytes: Uint8Array, start: number, end: number): number {
    const separator = this.separator;
    let position = start;
    const firstLength = shortNumberLength(bytes, position, end);
    const first = digits(bytes, position, firstLength);
    position += firstLength;
    if (firstLength === 0 || bytes[position] !== separator) return Number.NaN;
    position++;
    const secondLength = shortNumberLength(bytes, position, end);
    const second = digits(bytes, position, secondLength);
    position += secondLength;
    if (secondLength === 0 || bytes[position] !== separator || end - position < 5) return Number.NaN;
    const year = digits(bytes, position + 1, 4);
    position += 5;
    const day = this.dayFirst ? first : second;
    const month = this.dayFirst ? second : first;
    if (!(year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) {
      return Number.NaN;
    }
    let hour = 0;
    let minute = 0;
    let seconds = 0;
    let millisecond = 0;
    let offsetMinutes = Number.NaN;
    if (position < end) {
      const mark = bytes[position];
      if (mark !== 32 && mark !== 84 && mark !== 116) return Number.NaN;
      position++;
      if (end - position < 4) return Number.NaN; // H:MM at least
      const hourDigits = bytes[position + 1] === 58 ? 1 : 2;
      hour = digits(bytes, position, hourDigits);
      position += hourDigits;
      if (bytes[position] !== 58 || end - position < 3) return Number.NaN;
      minute = digits(bytes, position + 1, 2);
      position += 3;
      if (end - position >= 3 && bytes[position] === 58) {
        seconds = digits(bytes, position + 1, 2);
        position += 3;
        if (position < end && bytes[position] === 46) {
          position++;
          let fractionDigits = 0;
          while (position < end) {
            const digit = bytes[position]! - DIGIT_0;
            if (digit < 0 || digit > 9) break;
            if (fractionDigits < 3) millisecond = millisecond * 10 + digit;
            fractionDigits++;
            position++;
          }
          if (fractionDigits === 0) return Number.NaN;
          if (fractionDigits === 1) millisecond *= 100;
          else if (fractionDigits === 2) millisecond *= 10;
        }
      }
      // AM / PM (either case, after an optional space): hours 1–12.
      let meridiem = position;
      if (bytes[meridiem] === 32) meridiem++;
      const letter = (bytes[meridiem] ?? 0) | 32;
      if (
        meridiem + 1 < end &&
        (letter === 97 || letter === 112) &&
        ((bytes[meridiem + 1] ?? 0) | 32) === 109
      ) {
        if (!(hour >= 1 && hour <= 12)) return Number.NaN;
        hour = (hour % 12) + (letter === 112 ? 12 : 0);
        position = meridiem + 2;
      }
      if (!(hour <= 23 && minute <= 59 && seconds <= 59)) return Number.NaN;
      if (position < end) {
        if (bytes[position] === 32) position++;
        offsetMinutes = readOffset(bytes, position, end);
        if (Number.isNaN(offsetMinutes)) return Number.NaN;
      }
    }
    return this.instant(year, month, day, hour, minute, seconds, millisecond, offsetMinutes);
  }

  /** The instant of a valid local date-time, at `offsetMinutes` east of UTC or (NaN) in the zone. */
  private instant(
    year: number,
    month: number,
    day: number,
    hour: number,
    minute: number,
    second: number,
    millisecond: number,
    offsetMinutes: number,
  ): number {
    const localDay = daysFromCivil(year, month, day);
    const wallClock =
      localDay * MS_PER_DAY + hour * 3_600_000 + minute * 60_000 + second * 1000 + millisecond;
    if (!Number.isNaN(offsetMinutes)) return wallClock - offsetMinutes * 60_000;
    if (this.isUtc) return wallClock;
    const offset = this.offsetOfLocalDay(localDay, year, month, day);
    if (!Number.isNaN(offset)) return wallClock - offset * 60_000;
    return instantFromLocal({ year, month, day, hour, minute, second, millisecond }, this.timeZone);
  }

  /** The zone's offset (minutes) all day long on that local day, or NaN when it changes that day. */
  private offsetOfLocalDay(localDay: number, year: number, month: number, day: number): number {
    if (localDay === this.lastLocalDay) return this.lastOffset;
    let offset = this.offsetByLocalDay.get(localDay);
    if (offset === undefined) {
      const midnight = DateTime.fromObject({ year, month, day }, { zone: this.timeZone });
      const lastMillisecond = DateTime.fromObject(
        { year, month, day, hour: 23, minute: 59, second: 59, millisecond: 999 },
        { zone: this.timeZone },
      );
      // A midnight that does not exist is moved forward by Luxon (hour ≠ 0): treat the day as a transition day.
      offset =
        midnight.isValid && midnight.hour === 0 && midnight.offset === lastMillisecond.offset
          ? midnight.offset
          : Number.NaN;
      this.offsetByLocalDay.set(localDay, offset);
    }
    this.lastLocalDay = localDay;
    this.lastOffset = offset;
    return offset;
  }
}

/** `count` decimal digits at `from` as a number, or NaN if any is not a digit. */
function digits(bytes: Uint8Array, from: number, count: number): number {
  let value = 0;
  for (let index = from; index < from + count; index++) {
    const digit = bytes[index]! - DIGIT_0;
    if (!(digit >= 0 && digit <= 9)) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/** How many digits (0, 1 or 2) start at `from`, before `end`. */
function shortNumberLength(bytes: Uint8Array, from: number, end: number): number {
  const isDigit = (position: number) =>
    position < end && bytes[position]! >= DIGIT_0 && bytes[position]! <= DIGIT_0 + 9;
  return isDigit(from) ? (isDigit(from + 1) ? 2 : 1) : 0;
}

/** `Z`, `UTC`, `GMT` (either case), `±HH`, `±HHMM` or `±HH:MM` filling `[from, end)`, in minutes east of UTC; else NaN. */
function readOffset(bytes: Uint8Array, from: number, end: number): number {
  const length = end - from;
  const first = bytes[from]!;
  if (length === 1 && (first === 90 || first === 122)) return 0; // Z
  if (length === 3) {
    const upper = (offset: number) => {
      const code = bytes[from + offset]!;
      return code >= 97 && code <= 122 ? code - 32 : code;
    };
    const word = String.fromCharCode(upper(0), upper(1), upper(2));
    if (word === 'UTC' || word === 'GMT') return 0;
  }
  if (first !== 43 && first !== 45) return Number.NaN;
  const sign = first === 45 ? -1 : 1;
  const hours = digits(bytes, from + 1, 2);
  let minutes: number;
  if (length === 3) minutes = 0;
  else if (length === 5) minutes = digits(bytes, from + 3, 2);
  else if (length === 6 && bytes[from + 3] === 58) minutes = digits(bytes, from + 4, 2);
  else return Number.NaN;
  if (!(hours <= 18 && minutes <= 59)) return Number.NaN;
  return sign * (hours * 60 + minutes);
}

const SEPARATED_DATE = /^\s*(\d{1,2})([/.])(\d{1,2})\2(\d{4})\b/u;

/**
 * Why a day-first or month-first date cannot be read in `dateFormat` — its format is not given (a
 * slashed date without `--date-format`), or another format fits it — or null when the value is not
 * such a date (slow path, for messages).
 */
function separatedDateProblem(text: string, dateFormat: DateFormat): InstantProblem | null {
  const match = SEPARATED_DATE.exec(text);
  if (match === null) return null;
  const first = Number(match[1]);
  const second = Number(match[3]);
  const dotted = match[2] === '.';
  const flag = '(API: dateFormat)';
  const formats: DateFormat[] = dotted
    ? ['DD.MM.YYYY']
    : first > 12 && second <= 12
      ? ['DD/MM/YYYY']
      : second > 12 && first <= 12
        ? ['MM/DD/YYYY']
        : first <= 12 && second <= 12
          ? ['DD/MM/YYYY', 'MM/DD/YYYY']
          : [];
  const fitting = formats.filter((format) => format !== dateFormat);
  const fits = formats.includes(dateFormat);
  if (fits || fitting.length === 0) {
    if (dateFormat === 'YYYY-MM-DD') return null;
    // The format fits: the calendar date, or what follows it, is wrong.
    const year = Number(match[4]);
    const [day, month] = dateFormat === 'MM/DD/YYYY' ? [second, first] : [first, second];
    const reason =
      month < 1 || month > 12
        ? `there is no month ${month}`
        : day < 1 || day > daysInMonth(year, month)
          ? `${match[4]}-${String(month).padStart(2, '0')} has no day ${day}`
          : `expected ${dateFormat} with an optional H:MM[:SS] time, AM/PM and offset`;
    return { code: 'invalid-date', message: `cannot read "${text}" as a date: ${reason}` };
  }
  const pass = fitting.map((format) => `--date-format ${format}`).join(' or ');
  if (dateFormat === 'YYYY-MM-DD' && fitting.length === 2) {
    return {
      code: 'ambiguous-date',
      message: `cannot read "${text}" as a date: day-first or month-first? Nothing in the file's first rows says; pass ${pass} ${flag}`,
    };
  }
  return {
    code: 'invalid-date',
    message: `cannot read "${text}" as a date in ${dateFormat}: it reads as ${fitting.join(' or ')}; pass ${pass} ${flag}`,
  };
}

/** Why `parser.parse(text)` is NaN, for the issue message (slow path). */
export function dateProblem(text: string): DateProblem {
  const match = /^\s*(\d{4})-?(\d{2})-?(\d{2})/u.exec(text);
  if (match) {
    const year = Number(match[1]);
    const month = Number(match[2]);
    const day = Number(match[3]);
    if (month < 1 || month > 12) return { code: 'invalid-date', reason: `there is no month ${month}` };
    if (day < 1 || day > daysInMonth(year, month)) {
      return { code: 'invalid-date', reason: `${match[1]}-${match[2]} has no day ${day}` };
    }
  }
  return {
    code: 'invalid-date',
    reason: 'expected YYYY-MM-DD, YYYYMMDD or YYYY-MM-DD HH:MM[:SS] with an optional Z, ±HH:MM or UTC',
  };
}
