import { describe, expect, it } from 'vitest';
import { readFixture } from '../../../test/support/fixtures.js';
import {
  type CustomerTable,
  churnModelColumnKinds,
  MAX_CATEGORY_LEVELS,
  parseSavedChurnModel,
  scoreChurnModel,
  trainChurnModel,
} from './churn-pipeline.js';
import { crossValidate } from './cross-validate.js';

/** A table from columns given by hand; kinds inferred (numeric when every non-null value is a number). */
function tableOf(columns: Record<string, (number | string | null)[]>): CustomerTable {
  const names = Object.keys(columns);
  return {
    names,
    rows: columns[names[0]!]!.length,
    columns,
    kinds: Object.fromEntries(
      names.map((name) => [
        name,
        columns[name]!.every((value) => value === null || typeof value === 'number') ? 'numeric' : 'text',
      ]),
    ),
    blanks: Object.fromEntries(
      names.map((name) => [name, columns[name]!.filter((value) => value === null).length]),
    ),
  };
}

/** test/fixtures/churn/cdnow-churn.csv (no quoted fields), numbers as numbers and blanks as null. */
function cdnowChurnTable(): CustomerTable {
  const [header, ...lines] = readFixture('churn/cdnow-churn.csv').trim().split('\n');
  const names = header!.split(',');
  const columns: Record<string, (number | string | null)[]> = Object.fromEntries(
    names.map((name) => [name, []]),
  );
  for (const line of lines) {
    line.split(',').forEach((field, index) => {
      const numeric =
        names[index] !== 'customer_id' && names[index] !== 'first_month' && names[index] !== 'churned';
      columns[names[index]!]!.push(field === '' ? null : numeric ? Number(field) : field);
    });
  }
  return tableOf(columns);
}

describe('trainChurnModel', () => {
  it('trains on the CDNOW churn table as crossValidate does on its feature columns', () => {
    const table = cdnowChurnTable();
    const trained = trainChurnModel(table, { label: 'churned', id: 'customer_id' });
    if (!trained.ok) throw new Error(trained.error.message);
    const result = trained.value;
    // 1,673 of 2,357 bought nothing in the 39 weeks after 1997-09-30 (docs/models.md).
    const churned = table.columns.churned!.filter((value) => value === 'Yes').length;
    expect(churned).toBe(1673);
    expect(result).toMatchObject({
      rows: 2357,
      labelled: 2357,
      churned,
      positive: 'yes/true/1/churned/churn/y',
      l2: 1,
    });
    expect(result.features).toEqual(
      table.names.filter((name) => name !== 'customer_id' && name !== 'churned'),
    );
    expect(result.blanks.monetary).toBe(1411); // the one-time buyers
    // The reference is crossValidate itself on the same columns and labels.
    const labels = Uint8Array.from(table.columns.churned!, (value) => (value === 'Yes' ? 1 : 0));
    const columns = Object.fromEntries(result.features.map((name) => [name, table.columns[name]!]));
    const direct = crossValidate(columns, labels, { folds: 5, l2: 1 });
    if (!direct.ok) throw new Error(direct.error.message);
    expect(result.auc).toBe(direct.value.auc);
    expect(result.auc).toBeCloseTo(0.777, 3); // docs/models.md
    expect(result.model.coefficients).toEqual([...direct.value.model.coefficients]);
    expect(result.drivers.map((driver) => driver.feature)).toContain('monetary (blank)');
  });

  it('leaves out identifiers, free text and blank columns, and says why', () => {
    const rows = 12;
    const table = tableOf({
      email: Array.from({ length: rows }, (_, row) => `c${row}@example.com`),
      plan: Array.from({ length: rows }, (_, row) => (row % 3 === 0 ? 'pro' : 'basic')),
      note: new Array(rows).fill(null),
      tickets: Array.from({ length: rows }, (_, row) => row % 4),
      churned: Array.from({ length: rows }, (_, row) => (row % 4 >= 2 ? 'yes' : row === 1 ? null : 'no')),
    });
    const trained = trainChurnModel(table, { label: 'churned' });
    if (!trained.ok) throw new Error(trained.error.message);
    // 11 labelled rows (row 1 is blank): 11 distinct emails > 11 / 2 → an identifier.
    expect(trained.value.labelled).toBe(11);
    expect(trained.value.skipped).toEqual([
      { column: 'email', reason: '11 distinct text values: an identifier or free text' },
      { column: 'note', reason: 'blank on every row' },
    ]);
    expect(trained.value.features).toEqual(['plan', 'tickets']);
    expect(MAX_CATEGORY_LEVELS).toBe(100);
  });

  it('fails as values: a missing column, no churned row, no feature', () => {
    const table = tableOf({ x: [1, 2, 3, 4], churned: ['no', 'no', 'yes', 'yes'] });
    const missing = trainChurnModel(table, { label: 'nope' });
    expect(missing.ok ? null : missing.error).toMatchObject({
      code: 'missing-column',
      path: ['label', 'nope'],
    });
    const noChurn = trainChurnModel(table, { label: 'churned', positive: 'Maybe' });
    expect(noChurn.ok ? null : noChurn.error.message).toBe(
      'no row has a churned value (maybe); values seen: no, yes.',
    );
    const noFeature = trainChurnModel(table, { label: 'churned', id: 'x' });
    expect(noFeature.ok ? null : noFeature.error.code).toBe('no-features');
  });
});

describe('scoreChurnModel', () => {
  // Ten customers (five of each class, as 5-fold cross-validation needs); more tickets, more churn.
  const training = tableOf({
    id: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'],
    tickets: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    churned: ['no', 'no', 'no', 'yes', 'no', 'yes', 'no', 'yes', 'yes', 'yes'],
  });
  const trained = trainChurnModel(training, { label: 'churned', id: 'id' });
  if (!trained.ok) throw new Error(trained.error.message);
  const model = trained.value.model;

  it('is σ(intercept + coefficient × standardised value), row by row', () => {
    const scored = scoreChurnModel(model, tableOf({ id: ['x', 'y'], tickets: [2, null] }), 'id');
    if (!scored.ok) throw new Error(scored.error.message);
    // tickets had no blank in training: a blank takes the training mean, 4.5, which standardises to 0.
    const [center] = model.table.centers;
    const [scale] = model.table.scales;
    const sigmoid = (eta: number) => 1 / (1 + Math.exp(-eta));
    expect(center).toBe(4.5);
    expect(model.coefficients[0]).toBeGreaterThan(0);
    expect(scored.value[0]).toEqual({
      id: 'x',
      probability: sigmoid(model.intercept + model.coefficients[0]! * ((2 - center!) / scale!)),
    });
    expect(scored.value[1]!.probability).toBeCloseTo(sigmoid(model.intercept), 15);
    const numbered = scoreChurnModel(model, tableOf({ tickets: [4] }));
    expect(numbered.ok && numbered.value[0]!.id).toBe('1');
  });

  it('needs the model’s columns, and reads only models it wrote', () => {
    const missing = scoreChurnModel(model, tableOf({ other: [1] }));
    expect(missing.ok ? null : missing.error.code).toBe('missing-column');
    expect(parseSavedChurnModel(JSON.parse(JSON.stringify(model))).ok).toBe(true);
    expect(parseSavedChurnModel({ format: 'something else' }).ok).toBe(false);
    expect(parseSavedChurnModel(null).ok).toBe(false);
    expect(churnModelColumnKinds(model)).toEqual({ tickets: 'numeric' });
  });
});
