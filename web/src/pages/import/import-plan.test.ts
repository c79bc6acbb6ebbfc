import { describe, expect, it } from 'vitest';
import { estimateRows, progressOf } from './import-plan';

describe('estimateRows', () => {
  it('is exact when the head is the whole file (with or without a final line break)', () => {
    // header + 3 rows, ending with a line break: 4 breaks, 3 data rows.
    expect(estimateRows(100, 100, 4, true)).toBe(3);
    expect(estimateRows(99, 99, 3, false)).toBe(3);
  });

  it('carries the head’s line density to the file', () => {
    // 1,001 line breaks in 64 KiB (the last line cut, so 1,002 lines begun) of a 10,000,000-byte
    // file: 1,002 × 10,000,000 / 65,536 = 152,893.07 → 152,893 lines, less the header: 152,892.
    expect(estimateRows(10_000_000, 65_536, 1_001, false)).toBe(152_892);
  });

  it('knows nothing from nothing', () => {
    expect(estimateRows(10, 0, 0, false)).toBeNull();
  });
});

describe('progressOf', () => {
  it('is complete once the run has a verdict, unknown before rows are counted, capped below 1 while running', () => {
    expect(progressOf({ status: 'rejected', rowsRead: 0, rowsWritten: 0 }, 1000)).toBe(1);
    expect(progressOf({ status: 'queued', rowsRead: 0, rowsWritten: 0 }, 1000)).toBeNull();
    expect(progressOf({ status: 'running', rowsRead: 250, rowsWritten: 250 }, 1000)).toBe(0.25);
    expect(progressOf({ status: 'running', rowsRead: 2000, rowsWritten: 2000 }, 1000)).toBe(0.99);
    expect(progressOf({ status: 'running', rowsRead: 10, rowsWritten: 10 }, null)).toBeNull();
  });
});
