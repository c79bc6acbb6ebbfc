/**
 * Parsing of the option values the commands share: local dates, choices, zones, numbers and the
 * `--map` column mapping. Every failure is a `CliError` (exit code 2) naming the option.
 */
import {
  assertTimeZone,
  instantFromLocal,
  isSupportedDate,
  localDayNumber,
  SUPPORTED_DATES,
} from '../core/index.js';
import { CliError } from './cli-error.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD` as the instant of that local date's midnight in `timeZone`. */
export function parseLocalDate(value: string, option: string, timeZone: string): number {
  const match = DATE.exec(value.trim());
  if (!match) throw new CliError(`${option}: expected a date as YYYY-MM-DD, got "${value}"`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, day); // Date.UTC would read years 0–99 as 1900–1999
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    throw new CliError(`${option}: "${value}" is not a calendar date`);
  }
  if (!isSupportedDate(match[0])) {
    throw new CliError(`${option}: "${value}" is outside the dates Retain accepts, ${SUPPORTED_DATES}`);
  }
  return instantFromLocal({ year, month, day }, timeZone);
}

/**
 * An inclusive end date: `--to 2024-03-31` means "through the end of 31 March", i.e. the instant of
 * local midnight starting 1 April (the half-open end of the range).
 */
export function parseInclusiveEndDate(value: string, option: string, timeZone: string): number {
  const startOfDay = parseLocalDate(value, option, timeZone);
  const dayNumber = localDayNumber(startOfDay, timeZone);
  const next = new Date((dayNumber + 1) * 86_400_000);
  return instantFromLocal(
    { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() },
    timeZone,
  );
}

export function parseTimeZone(value: string): string {
  try {
    assertTimeZone(value);
  } catch (error) {
    throw new CliError(`--tz: ${(error as Error).message}`);
  }
  return value;
}

export function parseChoice<T extends string>(value: string, option: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new CliError(`${option}: expected one of ${choices.join(', ')}, got "${value}"`);
}

export function parsePositiveInteger(value: string, option: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) {
    throw new CliError(`${option}: expected a positive whole number, got "${value}"`);
  }
  return number;
}

export function parseNumberInRange(value: string, option: string, min: number, max: number): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < min || number > max) {
    throw new CliError(`${option}: expected a number from ${min} to ${max}, got "${value}"`);
  }
  return number;
}

/**
 * Parses `--map` values — each `field=Column` pairs separated by commas, the option repeatable —
 * into `{ field: 'Column' }`. A column name may be quoted (`ordered_at="Created at"`, needed when
 * it holds a comma: `amount="Total, net"`; `""` is a quote). Throws `CliError` for a pair without
 * `=`, a blank side, or a field mapped twice. Example: `['customer_id=Email,ordered_at="Created at"']`
 * → `{ customer_id: 'Email', ordered_at: 'Created at' }`.
 */
export function parseColumnMap(values: string | readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const value of typeof values === 'string' ? [values] : values) {
    for (const pair of splitPairs(value)) {
      const separator = pair.indexOf('=');
      const field = pair.slice(0, separator).trim();
      const column = unquote(pair.slice(separator + 1).trim());
      if (separator <= 0 || field === '' || column === '') {
        throw new CliError(
          `--map: expected field=Column pairs separated by commas (e.g. customer_id=Email,ordered_at="Created at"), got "${pair}"`,
        );
      }
      if (field in map) throw new CliError(`--map: ${field} is mapped twice`);
      map[field] = column;
    }
  }
  return map;
}

/** The comma-separated pairs of one `--map` value, commas inside double quotes kept. */
function splitPairs(value: string): string[] {
  const pairs: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of value) {
    if (char === '"') quoted = !quoted;
    if (char === ',' && !quoted) {
      pairs.push(current);
      current = '';
    } else current += char;
  }
  pairs.push(current);
  return pairs.filter((pair) => pair.trim() !== '');
}

/** `"Created at"` → `Created at` (`""` inside is a quote); anything else as is. */
function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    return text.slice(1, -1).replaceAll('""', '"');
  }
  return text;
}
