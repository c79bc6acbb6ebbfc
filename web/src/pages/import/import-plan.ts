/**
 * The Import page's reckoning, without the DOM: which formats each type accepts (as the API's
 * `assertImportKind`), how much of a file the preview reads, and how far an import is, estimated
 * from the file's size and the line density of its first bytes.
 */

export type ImportType = 'orders' | 'customers' | 'subscriptions' | 'events';
export type ImportFormat = 'auto' | 'generic' | 'shopify' | 'stripe';
export const IMPORT_TYPES: readonly ImportType[] = ['orders', 'customers', 'subscriptions', 'events'];

/** The formats the API accepts per type (src/imports/import.layouts.ts). */
export const FORMATS: Readonly<Record<ImportType, readonly ImportFormat[]>> = {
  orders: ['auto', 'generic', 'shopify', 'stripe'],
  customers: ['auto', 'generic', 'shopify'],
  subscriptions: ['auto', 'generic', 'stripe'],
  events: ['auto', 'generic'],
};

/** What the preview reads of a file: its first 64 KiB (the API's bound). */
export const PREVIEW_BYTES = 64 * 1024;

/**
 * About how many data rows a file of `fileBytes` holds, from its first `headBytes` bytes holding
 * `headLineBreaks` line breaks (the header's included): the head's density carried to the whole
 * file. Exact when the head is the whole file. `null` for an empty head.
 * Example: a 10 MB file whose first 64 KiB hold 1,001 line breaks → about 152,892 rows.
 */
export function estimateRows(
  fileBytes: number,
  headBytes: number,
  headLineBreaks: number,
  endsWithBreak: boolean,
): number | null {
  if (headBytes <= 0) return null;
  const headLines = headLineBreaks + (endsWithBreak ? 0 : 1);
  if (headBytes >= fileBytes) return Math.max(0, headLines - 1);
  return Math.max(0, Math.round((headLines * fileBytes) / headBytes) - 1);
}

/** The state of an import run as the API reports it (GET /api/v1/imports/{id}). */
export interface RunState {
  readonly status: 'queued' | 'running' | 'succeeded' | 'rejected' | 'failed';
  readonly rowsRead: number;
  readonly rowsWritten: number;
}

/** Whether the run will still change (poll again). */
export function isUnderWay(run: RunState): boolean {
  return run.status === 'queued' || run.status === 'running';
}

/**
 * How far a run is, 0–1, against the estimated rows (`null` when unknown: an indeterminate bar).
 * The API counts the rows of each committed batch; a finished run is complete whatever the estimate.
 */
export function progressOf(run: RunState, estimatedRows: number | null): number | null {
  if (!isUnderWay(run)) return 1;
  if (estimatedRows === null || estimatedRows <= 0 || run.rowsRead === 0) return null;
  return Math.min(0.99, run.rowsRead / estimatedRows);
}
