/**
 * Helpers for the model command tests: scratch files and the CDNOW sample transaction log
 * converted to Retain's generic order CSV (commands are run with `runRetain`, test/support/cli.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCdnowSampleTransactions } from '../support/fixtures.js';

export const scratch = mkdtempSync(join(tmpdir(), 'retain-models-'));

/** Writes `text` to a file in a scratch directory and returns its path. */
export function scratchFile(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

/**
 * `CDNOW_sample.txt` (id_master id_sample YYYYMMDD cds dollars) as our generic order CSV: customer
 * id = the sample id, the date as YYYY-MM-DD, the dollar amount as written.
 */
export function cdnowOrdersCsv(): string {
  const lines = ['customer_id,ordered_at,amount'];
  for (const transaction of loadCdnowSampleTransactions()) {
    lines.push(`${transaction.customerId},${transaction.date},${transaction.dollars}`);
  }
  return scratchFile('cdnow-orders.csv', `${lines.join('\n')}\n`);
}
