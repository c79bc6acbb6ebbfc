/**
 * "1 order", "2 orders", "1,234 rows": a count with its noun in the right number, grouped for
 * English. `plural` defaults to the singular + "s".
 *
 * Example: `counted(1, 'customer')` → `'1 customer'`; `counted(2_500, 'row')` → `'2,500 rows'`.
 */
export function counted(count: number, singular: string, plural = `${singular}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? singular : plural}`;
}
