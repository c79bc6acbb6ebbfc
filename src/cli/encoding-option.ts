/**
 * `--encoding`, shared by `retain import` and `retain analyze`: the text encoding of the CSV file.
 * Its own module so that commands without files do not load the CSV readers.
 */
import { CSV_ENCODINGS, type CsvEncoding, parseCsvEncoding } from '../csv/index.js';
import { CliError } from './cli-error.js';

/** The encoding named by `--encoding` (`utf-8`, `latin1`, `windows-1252`, and their aliases); exit 2 otherwise. */
export function parseEncodingOption(value: string): CsvEncoding {
  const encoding = parseCsvEncoding(value);
  if (encoding === null) {
    throw new CliError(`--encoding: expected one of ${CSV_ENCODINGS.join(', ')}, got "${value}"`);
  }
  return encoding;
}
