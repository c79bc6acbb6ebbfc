/**
 * The CSV dialect options of `retain analyze` and `retain import` (`--delimiter`, `--decimal`,
 * `--date-format`), read into the readers' options. Kept apart from `options.ts`, which the admin
 * commands load: this file loads the CSV readers.
 */
import {
  DATE_FORMATS,
  type DateFormat,
  DECIMAL_SEPARATORS,
  type DecimalSeparator,
  type DialectRequest,
  parseDelimiter,
} from '../csv/index.js';
import { CliError } from './cli-error.js';

/** The flags as commander gives them (strings, absent when not passed). */
export interface DialectFlags {
  delimiter?: string;
  decimal?: string;
  dateFormat?: string;
}

/**
 * The dialect the user forces; what is left out is detected from the file. Throws `CliError`
 * naming the option. Example: `{ delimiter: 'tab', decimal: ',' }` → `{ delimiter: '\t', decimal: ',' }`.
 */
export function parseDialectFlags(flags: DialectFlags): DialectRequest {
  const request: {
    delimiter?: DialectRequest['delimiter'];
    decimal?: DecimalSeparator;
    dateFormat?: DateFormat;
  } = {};
  if (flags.delimiter !== undefined) {
    const delimiter = parseDelimiter(flags.delimiter);
    if (delimiter === null) {
      throw new CliError(`--delimiter: expected one of , ; | or tab, got "${flags.delimiter}"`);
    }
    request.delimiter = delimiter;
  }
  if (flags.decimal !== undefined) {
    if (!(DECIMAL_SEPARATORS as readonly string[]).includes(flags.decimal)) {
      throw new CliError(
        `--decimal: expected . or , (the separator before the cents), got "${flags.decimal}"`,
      );
    }
    request.decimal = flags.decimal as DecimalSeparator;
  }
  if (flags.dateFormat !== undefined) {
    const format = flags.dateFormat.toUpperCase();
    if (!(DATE_FORMATS as readonly string[]).includes(format)) {
      throw new CliError(
        `--date-format: expected one of ${DATE_FORMATS.join(', ')}, got "${flags.dateFormat}"`,
      );
    }
    request.dateFormat = format as DateFormat;
  }
  return request;
}
