import { decodeUtf8, hasNonAscii } from './utf8.js';

/**
 * Money amounts as written in exports ("1,234.50", "-$12.30", "€ 9.99") read into exact integer
 * cents by string arithmetic: the digits are accumulated as integers, never multiplied as floats,
 * so "0.29" is 29 cents and not 28.999….
 */

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
 * with at most 2 decimals after a `.`; `,` as a thousands separator only in its unambiguous form
 * (groups of exactly three digits, "1,234,567.89"): a decimal comma ("12,30") is refused rather than
 * guessed, since reading "1,234" as 1.234 would need three decimals, which cents cannot hold.
 *
 * O(length), no allocation. Examples: `"12.30"` → 1230, `"-$1,234.5"` → −123450, `"7"` → 700.
 */
export function parseAmountCents(text: string): number {
  return parseAmountCentsIn(text, 0, text.length);
}

/** `parseAmountCentsIn`'s copy of a string value as ASCII bytes (grown on demand). */
let scratch = new Uint8Array(64);

/**
 * `parseAmountCents(text.slice(start, end))` without the slice: the CSV reader calls it on the field
 * where the parser found it. O(end − start), no allocation.
 */
export function parseAmountCentsIn(text: string, start: number, stop: number): number {
  const length = stop - start;
  if (length > scratch.length) scratch = new Uint8Array(Math.max(length, scratch.length * 2));
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(start + index);
    scratch[index] = code < 128 ? code : asciiStandIn(code);
  }
  return parseAsciiAmountCents(scratch, 0, length);
}

/**
 * The ASCII byte that plays a non-ASCII character's part in an amount: the no-break space is a
 * space, a currency symbol is `$`, anything else a byte no rule accepts. Each step of the amount
 * rules looks only at such classes, so the stand-ins give the text's own result.
 */
function asciiStandIn(code: number): number {
  if (code === NO_BREAK_SPACE) return SPACE;
  return isCurrencySymbol(code) ? DOLLAR : 0xff;
}

/**
 * `parseAmountCentsIn` on the UTF-8 bytes `bytes[start, stop)` (the byte-level CSV scanner's path),
 * with exactly its result: ASCII text is read in place; a field holding any other character (a
 * symbol such as "€", a no-break space) is decoded and given to `parseAmountCentsIn`.
 * O(stop − start), no allocation for ASCII text.
 */
export function parseAmountCentsBytes(bytes: Uint8Array, start: number, stop: number): number {
  const cents = parseAsciiAmountCents(bytes, start, stop);
  if (!Number.isNaN(cents) || !hasNonAscii(bytes, start, stop)) return cents;
  const text = decodeUtf8(bytes, start, stop);
  return parseAmountCentsIn(text, 0, text.length);
}

/**
 * The amount rules (see `parseAmountCents`) on ASCII bytes: `$` is the currency symbol, space and
 * tab the spaces; any byte ≥ 0x80 makes it `NaN`. The one implementation of the rules: strings come
 * here through `parseAmountCentsIn`'s stand-ins.
 */
function parseAsciiAmountCents(bytes: Uint8Array, start: number, stop: number): number {
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
    } else if (code === COMMA) {
      if (groupDigits === 0 || groupDigits > 3 || (grouped && groupDigits !== 3)) return Number.NaN;
      grouped = true;
      groupDigits = 0;
    } else {
      break;
    }
  }
  if (grouped && groupDigits !== 3) return Number.NaN;

  let fraction = 0;
  if (index < end && bytes[index] === PERIOD) {
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

function isAsciiSpace(code: number): boolean {
  return code === SPACE || code === 9;
}

/**
 * Why `parseAmountCents(text)` is `NaN` (the slow path, called only for a bad value), or `null`
 * when the text is a valid amount.
 */
export function amountProblem(text: string): AmountProblem | null {
  if (!Number.isNaN(parseAmountCents(text))) return null;
  const trimmed = text.trim();
  // The accepted shape (sign, symbol, digits), with the one detail that made it fail.
  const symbol = '[$£¥€₹₩₽₺₪₫฿₱₦₴]?';
  if (new RegExp(`^[-+]?${symbol}\\s*[-+]?[\\d,]*\\.\\d{3,}\\s*${symbol}$`, 'u').test(trimmed)) {
    return { code: 'amount-precision', reason: 'more than 2 decimals' };
  }
  if (new RegExp(`^[-+]?${symbol}\\s*[-+]?\\d+,\\d{1,2}\\s*${symbol}$`, 'u').test(trimmed)) {
    return {
      code: 'ambiguous-amount',
      reason: 'a "," is read only as a thousands separator (1,234.56), not as a decimal comma',
    };
  }
  const digits = trimmed.replace(/[^\d.]/gu, '');
  if (/^\d+(\.\d{0,2})?$/u.test(digits) && Number(digits.split('.')[0]) > MAX_WHOLE_UNITS) {
    return { code: 'amount-too-large', reason: 'too large to count in exact cents' };
  }
  return { code: 'invalid-amount', reason: '' };
}
