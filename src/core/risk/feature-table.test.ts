import { describe, expect, it } from 'vitest';
import { buildDesign, encodeColumns, fitFeatureTable } from './feature-table.js';

describe('buildDesign', () => {
  const columns = {
    orders: [1, 3, null, 4],
    plan: ['pro', 'basic', 'pro', null],
  };

  it('names the features: value, blank indicator, one indicator per level (blank is a level)', () => {
    const design = buildDesign(columns);
    expect(design.featureNames).toEqual([
      'orders',
      'orders (blank)',
      'plan = pro',
      'plan = basic',
      'plan = (blank)',
    ]);
    expect(design.table.kinds).toEqual(['numeric', 'categorical']);
    expect(design.rows).toBe(4);
    expect(design.width).toBe(5);
  });

  it('mean-imputes blanks and standardises with the population standard deviation (hand-worked)', () => {
    const design = buildDesign(columns);
    const at = (row: number, feature: number) => design.values[row * design.width + feature]!;
    // orders: mean of 1, 3, 4 = 8/3 imputed into row 2 → column [1, 3, 8/3, 4], mean 8/3,
    // deviations −5/3, 1/3, 0, 4/3 → variance (25 + 1 + 0 + 16)/9/4 = 7/6, sd = √(7/6) = 1.080123.
    expect(design.table.columns[0]).toMatchObject({ kind: 'numeric', mean: 8 / 3, blankIndicator: true });
    expect(at(0, 0)).toBeCloseTo(-5 / 3 / Math.sqrt(7 / 6), 12);
    expect(at(2, 0)).toBeCloseTo(0, 12);
    // orders (blank): [0, 0, 1, 0], mean 1/4, sd √(1/4 · 3/4) = √3/4 → row 2: (3/4)/(√3/4) = √3.
    expect(at(2, 1)).toBeCloseTo(Math.sqrt(3), 12);
    expect(at(0, 1)).toBeCloseTo(-1 / Math.sqrt(3), 12);
    // plan = pro: [1, 0, 1, 0], mean 1/2, sd 1/2 → ±1.
    expect([0, 1, 2, 3].map((row) => at(row, 2))).toEqual([1, -1, 1, -1]);
  });

  it('applies the training encoding to new data: unseen level → all zeros, blank without indicator → mean', () => {
    const table = fitFeatureTable({ visits: [2, 4, 6], plan: ['pro', 'basic', 'pro'] });
    expect(table.featureNames).toEqual(['visits', 'plan = pro', 'plan = basic']);
    const fresh = encodeColumns(table, { visits: [null, 8], plan: ['enterprise', 'basic'] });
    // visits: mean 4, sd √(8/3); blank → 4 → 0; 8 → 4/√(8/3) = √6.
    expect(fresh.values[0]).toBeCloseTo(0, 12);
    expect(fresh.values[3]).toBeCloseTo(Math.sqrt(6), 12);
    // plan = pro: mean 2/3, sd √(2/9) = √2/3: an unseen level gives raw 0 → (0 − 2/3)/(√2/3) = −√2.
    expect(fresh.values[1]).toBeCloseTo(-Math.SQRT2, 12);
    // plan = basic: mean 1/3, sd √2/3 → 'basic' = (2/3)/(√2/3) = √2.
    expect(fresh.values[5]).toBeCloseTo(Math.SQRT2, 12);
  });

  it('infers categorical for text, can force numeric (unparseable → blank), treats spaces and NaN as blank', () => {
    const inferred = buildDesign({ size: ['10', '20', 'x'] });
    expect(inferred.table.kinds).toEqual(['categorical']);
    const forced = buildDesign({ size: ['10', '20', 'x', ' '] }, { kinds: { size: 'numeric' } });
    expect(forced.featureNames).toEqual(['size', 'size (blank)']);
    expect(forced.table.columns[0]).toMatchObject({ mean: 15 });
    const withNaN = buildDesign({ score: [1, Number.NaN, 3] });
    expect(withNaN.featureNames).toEqual(['score', 'score (blank)']);
  });

  it('keeps a constant feature at exactly 0, learns from the chosen rows only, checks lengths', () => {
    const constant = buildDesign({ region: ['eu', 'eu', 'eu'] });
    expect([...constant.values]).toEqual([0, 0, 0]);
    const partial = fitFeatureTable({ plan: ['pro', 'basic', 'team'] }, { rows: [0, 2] });
    expect(partial.featureNames).toEqual(['plan = pro', 'plan = team']);
    expect(() => buildDesign({ a: [1, 2], b: [1] })).toThrow(RangeError);
    expect(() => encodeColumns(partial, { other: ['x'] })).toThrow(RangeError);
  });
});
