/**
 * Loaders for the reference data in test/fixtures (provenance in test/fixtures/README.md). Tests
 * only: the library never reads these files.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SummaryColumns } from '../../src/core/clv/summary-columns.js';

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

export function readFixture(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

/** A CDNOW sample transaction: `CDNOW_sample.txt` is `id_master id_sample YYYYMMDD cds dollars`. */
export interface CdnowTransaction {
  readonly customerId: string;
  /** Purchase date as `YYYY-MM-DD` (the file has no time of day). */
  readonly date: string;
  readonly cds: number;
  /** Dollar value as written in the file (e.g. "29.33"). */
  readonly dollars: string;
}

export function loadCdnowSampleTransactions(): CdnowTransaction[] {
  return readFixture('CDNOW_sample.txt')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [, idSample, ymd, cds, dollars] = line.trim().split(/\s+/);
      if (!idSample || !ymd || !cds || !dollars) throw new Error(`Bad CDNOW_sample line: ${line}`);
      return {
        customerId: idSample,
        date: `${ymd.slice(0, 4)}-${ymd.slice(4, 6)}-${ymd.slice(6, 8)}`,
        cds: Number(cds),
        dollars,
      };
    });
}

/** Converts a decimal dollar string to integer cents exactly (no float multiplication). */
export function dollarsToCents(dollars: string): number {
  const negative = dollars.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? dollars.slice(1) : dollars).split('.');
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
  return negative ? -cents : cents;
}

/** A published summary file as rows of named numbers (header names as in the file). */
export function loadSummaryCsv(name: string): Record<string, number>[] {
  const [header, ...lines] = readFixture(name).trim().split(/\r?\n/);
  const columns = header!.split(',');
  return lines.map((line) => {
    const values = line.split(',');
    return Object.fromEntries(columns.map((column, index) => [column, Number(values[index])]));
  });
}

/**
 * The published CDNOW calibration summary (`cdnow_customers_summary.csv`, weeks) as columns,
 * with `monetary` from `cdnow_customers_summary_with_transactions.csv` (zbar).
 */
export function loadCdnowSummary(): SummaryColumns & { readonly ids: readonly number[] } {
  const rows = loadSummaryCsv('cdnow_customers_summary_with_transactions.csv');
  return {
    ids: rows.map((row) => row.ID!),
    length: rows.length,
    frequency: Float64Array.from(rows, (row) => row.x!),
    recency: Float64Array.from(rows, (row) => row.t_x!),
    T: Float64Array.from(rows, (row) => row.T!),
    monetary: Float64Array.from(rows, (row) => row.zbar!),
  };
}

/** `donations.csv` (BG/BB): frequency, recency, periods and the number of donors with that pattern. */
export function loadDonations(): { frequency: number; recency: number; periods: number; weight: number }[] {
  return loadSummaryCsv('donations.csv').map((row) => ({
    frequency: row.frequency!,
    recency: row.recency!,
    periods: row.periods!,
    weight: row.weights!,
  }));
}
