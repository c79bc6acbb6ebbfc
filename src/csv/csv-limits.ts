/**
 * The bounds every CSV read by record enforces (`CsvTokenizer`, `streamCsv`, the import), so that no
 * file can make a reader buffer without end: an 87 MB file of one 8-million-column line once took
 * 4.6 GB to refuse. Each is refused with the line (and column) named; docs/operations.md lists them.
 * Fixed here: a change is a change of this file.
 */
export interface CsvLimits {
  /** Characters of one field, quotes removed. */
  readonly maxFieldChars: number;
  /** Fields of one record (the header included). */
  readonly maxFields: number;
  /** Characters of one record, from its first character to its line break (quotes and line breaks inside included). */
  readonly maxRecordChars: number;
}

/** 64 Ki characters a field, 1,000 fields a record, 1 Mi characters a record. */
export const CSV_LIMITS: CsvLimits = {
  maxFieldChars: 65_536,
  maxFields: 1_000,
  maxRecordChars: 1_048_576,
};

/**
 * Characters of an identifier or e-mail address (`customer_id`, `order_id`, `subscription_id`,
 * `email`, `user_id`, `anonymous_id`, `message_id`, `product_id`…): every analytics answer repeats
 * ids, so one 50-million-character id would make each answer 50 MB.
 */
export const MAX_ID_CHARS = 1_000;

/** Whether a layout's logical field holds an identifier or an e-mail (bounded by `MAX_ID_CHARS`). */
export function isIdentifierField(field: string): boolean {
  return field === 'email' || field.endsWith('_id');
}

/** `1,048,576` — how the limits are written in messages. */
export function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}
