/**
 * Helpers for the model command tests: run `main()` with stdout/stderr captured, and the CDNOW
 * sample transaction log converted to Retain's generic order CSV.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadCdnowSampleTransactions } from '../support/fixtures.js';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `retain <args>` in-process and returns its exit code and output. */
export async function runRetain(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(['node', 'retain', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

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
