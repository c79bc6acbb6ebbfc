import { describe, expect, it } from 'vitest';
import { monthsCovered, survivalByMonth } from './survival-curve';

describe('survivalByMonth', () => {
  it('reads the step function at whole months (the doc comment’s example)', () => {
    const curve = [
      { time: 0.5, survival: 0.9 },
      { time: 2.2, survival: 0.7 },
    ];
    expect(survivalByMonth(curve, 3)).toEqual([1, 0.9, 0.9, 0.7]);
    expect(monthsCovered(curve)).toBe(2);
  });

  it('a drop exactly at a whole month counts in that month', () => {
    expect(survivalByMonth([{ time: 1, survival: 0.5 }], 2)).toEqual([1, 0.5, 0.5]);
    expect(survivalByMonth([], 1)).toEqual([1, 1]);
    expect(monthsCovered([{ time: 100, survival: 0.1 }], 60)).toBe(60);
  });
});
