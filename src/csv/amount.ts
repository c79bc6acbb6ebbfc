import type { DecimalSeparator } from './dialect.js';
import { decodeUtf8, hasNonAscii } from './utf8.js';

/**
 * Money amounts as written in exports ("1,234.50", "-$12.30", "€ 9.99", "1.234,56") read into
 * exact integer cents by string arithmetic: the digits are accumulated as integers, never
 * multiplied as floats, so "0.29" is 29 cents and not 28.999….
 */

/**
 * The decimal separator amounts are read with: `.` (the default: `1,234.56`), `,` (`1.234,56`,
 * `1 234,56`, `12,50`), or `null` — undetermined (`CsvDialect.decimal`): each amount is read if
 * its own separators say which is which, and `1,234` or `1.234` is refused as ambiguous.
 */
export type AmountDecimal = DecimalSeparator | null;

/** Why an amount could not be read; `null` when it can. */
export interface AmountProblem {
  readonly code: 'invalid-amount' | 'amount-precision' | 'ambiguous-amount' | 'amount-too-large';
  /** A short reason appended to "cannot read … as an amount", or '' when none helps. */
  readonly reason: string;
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const MINUS = 45;
const PLUS = 43;
const COMMA = 44;
const PERIOD = 46;
const SPACE = 32;
const NO_BREAK_SPACE = 160;
const NARROW_NO_BREAK_SPACE = 0x202f;
const DOLLAR = 36;
/** The largest whole-units value whose cents are still an exact (safe) integer. */
const MAX_WHOLE_UNITS = Math.floor(Number.MAX_SAFE_INTEGER / 100);

/** $ £ ¥ € ₹ ₩ ₽ ₺ ₪ ₫ ฿ ₱ ₦ ₴: one-character symbols accepted before or after the number. */
function isCurrencySymbol(code: number): boolean {
  return (
    code === 36 ||
    code === 163 ||
    code === 165 ||
    code === 0x20ac ||
    code === 0x20b9 ||
    code === 0x20a9 ||
    code === 0x20bd ||
    code === 0x20ba ||
    code === 0x20aa ||
    code === 0x20ab ||
    code === 0x0e3f ||
    code === 0x20b1 ||
    code === 0x20a6 ||
    code === 0x20b4
  );
}

/**
 * Reads a decimal amount into integer cents, or `NaN` when it cannot (ask `amountProblem` why).
 *
 * Accepted: optional surrounding spaces; an optional sign `-` (a refund) or `+`; an optional
 * one-character currency symbol before the number (either side of the sign) or after it; digits
 * with at most 2 decimals after the decimal separator; a thousands separator only in groups of
 * exactly three digits. With `decimal` `.` (default) the thousands separator is `,`
 * ("1,234,567.89") and a decimal comma ("12,30") is refused rather than guessed; with `,` it is
 * `.` or a space ("1.234,56", "1 234,56"). With `null` (undetermined), a lone separator before 1
 * or 2 digits is the decimal one ("12,50", "12.50"), the last of two kinds is ("1.234,56"), a
 * repeated one groups thousands ("1.234.567"), and a lone one before 3 digits ("1,234") is refused:
 * 1234 or 1.234, only the file's author knows.
 *
 * O(length), no allocation. Examples: `"12.30"` → 1230, `"-$1,234.5"` → −123450, `"7"` → 700,
 * `parseAmountCents('1.234,56', ',')` → 123456.
 */
export function parseAmountCents(text: string, decimal: AmountDecimal = '.'): number {
  return parseAmountCentsIn(text, 0, text.length, decimal);
}

/** `parseAmountCentsIn`'s copy of a string value as ASCII bytes (grown on demand). */
let scratch = new Uint8Array(64);

/**
 * `parseAmountCents(text.slice(start, end))` without the slice: the CSV reader calls it on the field
 * where the parser found it. O(end − start), no allocation.
 */
export function parseAmountCentsIn(
  text: string,
  start: number,
  stop: number,
  decimal: AmountDecimal = '.',
): number {
  const length = stop - start;
  if (length > scratch.length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(start + index);
    scratch[index] = code < 128 ? code : asciiStandIn(code);
  }
  return parseAsciiAmountCents(scratch, 0, length, decimalCode(decimal));
}

/** The separator's byte, 0 for undetermined. */
function decimalCode(decimal: AmountDecimal): number {
  return decimal === null ? 0 : decimal === ',' ? COMMA : PERIOD;
}

/**
 * The ASCII byte that plays a non-ASCII character's part in an amount: the no-break space is a
 * space, a currency symbol is `$`, anything else a byte no rule accepts. Each step of the amount
 * rules looks only at such classes, so the stand-ins give the text's own result.
 */
function asciiStandIn(code: number): number {
  if (code === NO_BREAK_SPACE || code === NARROW_NO_BREAK_SPACE) return SPACE;
  return isCurrencySymbol(code) ? DOLLAR : 0xff;
}

/**
 * `parseAmountCentsIn` on the UTF-8 bytes `bytes[start, stop)` (the byte-level CSV scanner's path),
 * with exactly its result: ASCII text is read in place; a field holding any other character (a
 * symbol such as "€", a no-break space) is decoded and given to `parseAmountCentsIn`.
 * O(stop − start), no allocation for ASCII text.
 */
export function parseAmountCentsBytes(
  bytes: Uint8Array,
  start: number,
  stop: number,
  decimal: AmountDecimal = '.',
): number {
  const cents = parseAsciiAmountCents(bytes, start, stop, decimalCode(decimal));
  if (!Number.isNaN(cents) || !hasNonAscii(bytes, start, stop)) return cents;
  const text = decodeUtf8(bytes, start, stop);
  return parseAmountCentsIn(text, 0, text.length, decimal);
}

/**
 * The amount rules (see `parseAmountCents`) on ASCII bytes: `$` is the currency symbol, space and
 * tab the spaces; any byte ≥ 0x80 makes it `NaN`. The one implementation of the rules: strings come
 * here through `parseAmountCentsIn`'s stand-ins.
 */
function parseAsciiAmountCents(bytes: Uint8Array, start: number, stop: number, decimal: number): number {
  let index = start;
  let end = stop;
  while (index < end && isAsciiSpace(bytes[index]!)) index++;
  while (end > index && isAsciiSpace(bytes[end - 1]!)) end--;
  if (index === end) return Number.NaN;

  let negative = false;
  let code = bytes[index]!;
  if (code === MINUS || code === PLUS) {
    negative = code === MINUS;
    index++;
    code = index < end ? bytes[index]! : 0;
  }
  if (code === DOLLAR) {
    index++;
    while (index < end && isAsciiSpace(bytes[index]!)) index++;
    code = index < end ? bytes[index]! : 0;
    if ((code === MINUS || code === PLUS) && index < end) {
      if (negative) return Number.NaN;
      negative = code === MINUS;
      index++;
    }
  } else if (end > index && bytes[end - 1] === DOLLAR) {
    end--;
    while (end > index && isAsciiSpace(bytes[end - 1]!)) end--;
  }

  const point = decimal === 0 ? decimalOf(bytes, index, end) : decimal;
  if (point === -1) return Number.NaN;
  const group = point === PERIOD ? COMMA : PERIOD;
  const spaceGroup = point === COMMA ? SPACE : -1; // "1 234,56"
  let whole = 0;
  let wholeDigits = 0;
  let groupDigits = 0;
  let grouped = false;
  for (; index < end; index++) {
    code = bytes[index]!;
    if (code >= DIGIT_0 && code <= DIGIT_9) {
      whole = whole * 10 + (code - DIGIT_0);
      wholeDigits++;
      groupDigits++;
    } else if (code === group || code === spaceGroup) {
      if (groupDigits === 0 || groupDigits > 3 || (grouped && groupDigits !== 3)) return Number.NaN;
      grouped = true;
      groupDigits = 0;
    } else {
      break;
    }
  }
  if (grouped && groupDigits !== 3) return Number.NaN;

  let fraction = 0;
  if (index < end && bytes[index] === point) {
    index++;
    let fractionDigits = 0;
    for (; index < end; index++) {
      code = bytes[index]!;
      if (code < DIGIT_0 || code > DIGIT_9) break;
      if (++fractionDigits > 2) return Number.NaN;
      fraction = fraction * 10 + (code - DIGIT_0);
    }
    if (fractionDigits === 1) fraction *= 10;
    if (wholeDigits === 0 && fractionDigits === 0) return Number.NaN;
  } else if (wholeDigits === 0) {
    return Number.NaN;
  }
  if (index !== end || whole > MAX_WHOLE_UNITS) return Number.NaN;
  const cents = whole * 100 + fraction;
  return negative && cents !== 0 ? -cents : cents;
}

/**
 * The decimal separator an undetermined amount's own separators show in `bytes[from, to)`: the last
 * of two kinds; the other kind when one kind repeats ("1.234.567"); a lone one before 1, 2 or more
 * than 3 digits (the last two are refused later); −1 for a lone one before exactly 3 digits.
 */
function decimalOf(bytes: Uint8Array, from: number, to: number): number {
  let last = -1;
  let lastCode = 0;
  let commas = 0;
  let points = 0;
  for (let index = from; index < to; index++) {
    const code = bytes[index]!;
    if (code === COMMA) commas++;
    else if (code === PERIOD) points++;
    else continue;
    last = index;
    lastCode = code;
  }
  if (last === -1) return PERIOD;
  if (commas > 0 && points > 0) return lastCode;
  if (commas + points > 1) return lastCode === COMMA ? PERIOD : COMMA;
  let digits = 0;
  for (let index = last + 1; index < to && bytes[index]! >= DIGIT_0 && bytes[index]! <= DIGIT_9; index++) {
    digits++;
  }
  return digits === 3 ? -1 : lastCode;
}

function isAsciiSpace(code: number): boolean {
  return code === SPACE || code === 9;
}

/**
 * Why `parseAmountCents(text, decimal)` is `NaN` (the slow path, called only for a bad value), or
 * `null` when the text is a valid amount. Reasons that a `--decimal` would fix name it.
 */
export function amountProblem(text: string, decimal: AmountDecimal = '.'): AmountProblem | null {
  if (!Number.isNaN(parseAmountCents(text, decimal))) return null;
  const trimmed = text.trim();
  // The accepted shape (sign, symbol, digits), with the one detail that made it fail.
  const symbol = '[$£¥€₹₩₽₺₪₫฿₱₦₴]?';
  const number = (body: string) => new RegExp(`^[-+]?${symbol}\\s*[-+]?${body}\\s*${symbol}$`, 'u');
  const flag = '(API: decimal)';
  if (decimal === null && number('\\d{1,3}[.,]\\d{3}').test(trimmed)) {
    const separator = /[.,]/u.exec(trimmed)![0];
    return {
      code: 'ambiguous-amount',
      reason: `"${separator}" may group thousands or separate decimals, and the first rows of the file do not say which: pass --decimal . or --decimal , ${flag}`,
    };
  }
  if (decimal !== ',' && number('[\\d,]*\\.\\d{3,}').test(trimmed)) {
    return { code: 'amount-precision', reason: 'more than 2 decimals' };
  }
  if (decimal === ',' && number('[\\d.\\s]*,\\d{3,}').test(trimmed)) {
    return {
      code: 'amount-precision',
      reason: 'more than 2 decimals after the decimal comma (the file is read with --decimal ,)',
    };
  }
  // Readable with the other separator: say which option reads it ("1.234,56" in a file read with ".").
  if (decimal === '.' && !Number.isNaN(parseAmountCents(text, ','))) {
    return {
      code: 'ambiguous-amount',
      reason: `a "," is read only as a thousands separator (1,234.56), not as a decimal comma: pass --decimal , ${flag} if the file writes 12,50`,
    };
  }
  if (decimal === ',' && !Number.isNaN(parseAmountCents(text, '.'))) {
    return {
      code: 'ambiguous-amount',
      reason: `the file is read with decimal commas (1.234,56), and a "." only groups thousands: pass --decimal . ${flag} if it writes 12.50`,
    };
  }
  const digits = trimmed.replace(/[^\d.,]/gu, '');
  const wholePart = digits.split(decimal === ',' ? ',' : '.')[0]!.replace(/[.,]/gu, '');
  if (/^\d+$/u.test(wholePart) && Number(wholePart) > MAX_WHOLE_UNITS) {
    return { code: 'amount-too-large', reason: 'too large to count in exact cents' };
  }
  return { code: 'invalid-amount', reason: '' };
}
