/**
 * Helpers for breakdowns: customers grouped by their attribute value at acquisition, and the order
 * in which the per-value matrices are returned.
 */
import type { CohortAccumulator, CohortBreakdownEntry, CohortMatrix } from './cohort-matrix.js';

/**
 * Customers grouped by value code with a counting sort: `customers[offsets[v] … offsets[v + 1])` hold
 * the customers whose code is v. Customers with code −1 (no acquisition) are left out. O(C + V).
 */
export function customerOrderByValue(
  valueOfCustomer: Int32Array,
  valueCount: number,
): { readonly offsets: Int32Array; readonly customers: Int32Array } {
  const offsets = new Int32Array(valueCount + 1);
  for (const code of valueOfCustomer) if (code >= 0) offsets[code + 1]!++;
  for (let code = 0; code < valueCount; code++) offsets[code + 1]! += offsets[code]!;
  const cursor = offsets.slice(0, valueCount);
  const customers = new Int32Array(offsets[valueCount]!);
  valueOfCustomer.forEach((code, customer) => {
    if (code >= 0) customers[cursor[code]!++] = customer;
  });
  return { offsets, customers };
}

/**
 * One matrix per attribute value: the customers of each value are fed to `addCustomer` (which adds
 * them to `accumulator`), then the matrix is finished and the accumulator reused for the next
 * value. Values whose customers enter no cohort are left out. O(C + V × P²) beyond `addCustomer`.
 */
export function breakdownMatrices(
  valueOfCustomer: Int32Array,
  labels: readonly string[],
  accumulator: CohortAccumulator,
  addCustomer: (customer: number) => void,
  finish: () => CohortMatrix,
): CohortBreakdownEntry[] {
  const byValue = customerOrderByValue(valueOfCustomer, labels.length);
  const entries: { value: string; customers: number; matrix: CohortMatrix }[] = [];
  for (let code = 0; code < labels.length; code++) {
    const first = byValue.offsets[code]!;
    const last = byValue.offsets[code + 1]!;
    if (first === last) continue;
    for (let position = first; position < last; position++) addCustomer(byValue.customers[position]!);
    const customers = accumulator.members;
    const matrix = finish();
    if (customers > 0) entries.push({ value: labels[code]!, customers, matrix });
  }
  return sortBreakdownEntries(entries);
}

/** Descending number of customers, then ascending value (code-point order, locale-independent). */
export function sortBreakdownEntries(
  entries: { value: string; customers: number; matrix: CohortMatrix }[],
): CohortBreakdownEntry[] {
  entries.sort((left, right) => {
    if (left.customers !== right.customers) return right.customers - left.customers;
    return left.value < right.value ? -1 : left.value > right.value ? 1 : 0;
  });
  return entries.map(({ value, matrix }) => ({ value, matrix }));
}
