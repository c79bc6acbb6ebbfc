/**
 * Per-customer summaries in the literature's form (metrics.md §5): `frequency` x (repeat purchase
 * periods), `recency` t_x and `T`, in one time unit, plus the mean repeat-purchase value. The models
 * take either plain rows or these columns; columns let a million customers fit without a million
 * objects.
 */
export interface SummaryColumns {
  readonly length: number;
  readonly frequency: Float64Array;
  readonly recency: Float64Array;
  readonly T: Float64Array;
  /** Mean value of the repeat purchases (0 when frequency is 0); absent when not known. */
  readonly monetary?: Float64Array;
  /** How many customers each row stands for (default 1): published data often comes aggregated. */
  readonly weight?: Float64Array;
}

/** One customer's summary as a plain object. */
export interface SummaryRow {
  readonly frequency: number;
  readonly recency: number;
  readonly T: number;
  readonly monetary?: number;
  readonly weight?: number;
}

export type SummaryInput = SummaryColumns | readonly SummaryRow[];

function isColumns(input: SummaryInput): input is SummaryColumns {
  return !Array.isArray(input);
}

/** Returns `input` as columns (no copy when it already is). */
export function toSummaryColumns(input: SummaryInput): SummaryColumns {
  if (isColumns(input)) return input;
  const rows = input as readonly SummaryRow[];
  const length = rows.length;
  const frequency = new Float64Array(length);
  const recency = new Float64Array(length);
  const T = new Float64Array(length);
  const hasMonetary = rows.some((row) => row.monetary !== undefined);
  const hasWeight = rows.some((row) => row.weight !== undefined);
  const monetary = hasMonetary ? new Float64Array(length) : undefined;
  const weight = hasWeight ? new Float64Array(length) : undefined;
  rows.forEach((row, index) => {
    frequency[index] = row.frequency;
    recency[index] = row.recency;
    T[index] = row.T;
    if (monetary) monetary[index] = row.monetary ?? 0;
    if (weight) weight[index] = row.weight ?? 1;
  });
  return {
    length,
    frequency,
    recency,
    T,
    ...(monetary ? { monetary } : {}),
    ...(weight ? { weight } : {}),
  };
}
