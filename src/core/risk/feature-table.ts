/**
 * Turning customer attribute columns into a numeric design matrix for the churn classifier, with
 * an encoding that is learnt once (on training rows) and then applied unchanged to new data, so
 * cross-validation and scoring never leak information from the rows being predicted.
 *
 * Encoding rules (docs/models.md, churn classifier):
 * - A value is *blank* when it is `null`, `undefined`, `NaN`, ±Infinity or a string of spaces.
 * - A column's kind is `numeric` when every non-blank value is a number, else `categorical`
 *   (numbers are then read as their text); `options.kinds` can force either. A forced numeric column
 *   parses strings with `Number()`; what does not parse is blank.
 * - Numeric: blanks take the training mean (mean imputation) and, when the training rows had any
 *   blank, an extra 0/1 feature `name (blank)` says which values were imputed.
 * - Categorical: one 0/1 feature per training level, *every* level kept (no dropped reference
 *   level): the L2 penalty makes the fit identifiable anyway and each level gets its own readable
 *   weight. Blanks are their own level `(blank)`. A level unseen in training encodes as all zeros.
 * - Every feature is then standardised with the training mean and population standard deviation
 *   (z = (x − mean) / sd; sd 0 → the feature is 0 everywhere), so one L2 penalty treats all features
 *   alike and a weight reads "change in log-odds per standard deviation".
 */

/** A raw column: one value per customer. */
export type RawColumn = ArrayLike<string | number | null | undefined>;

export type FeatureKind = 'numeric' | 'categorical';

/** How one source column was encoded. */
export type ColumnEncoding =
  | {
      readonly kind: 'numeric';
      readonly name: string;
      /** Training mean of the non-blank values (the imputed value); 0 when all were blank. */
      readonly mean: number;
      /** Whether a `name (blank)` indicator feature follows the value feature. */
      readonly blankIndicator: boolean;
    }
  | {
      readonly kind: 'categorical';
      readonly name: string;
      /** Training levels in order of first appearance; `''` stands for blank. */
      readonly levels: readonly string[];
    };

/** The learnt encoding: apply it to any columns with the same names with `encodeColumns`. */
export interface FeatureTable {
  /** Source column names, in design order. */
  readonly names: readonly string[];
  readonly kinds: readonly FeatureKind[];
  readonly columns: readonly ColumnEncoding[];
  /** One name per design column, e.g. `orders`, `orders (blank)`, `plan = pro`, `plan = (blank)`. */
  readonly featureNames: readonly string[];
  /** Standardisation of each design column: z = (x − center) / scale. */
  readonly centers: Float64Array;
  readonly scales: Float64Array;
}

/** A standardised design matrix, row-major: `values[row * width + feature]`. */
export interface Design {
  readonly rows: number;
  readonly width: number;
  readonly values: Float64Array;
  readonly featureNames: readonly string[];
  readonly table: FeatureTable;
}

export interface DesignOptions {
  /** Force the kind of some columns (others are inferred). */
  readonly kinds?: Readonly<Record<string, FeatureKind>>;
  /** Learn the encoding from these rows only (default: all rows). */
  readonly rows?: ArrayLike<number>;
}

const BLANK_LABEL = '(blank)';

function isBlank(value: string | number | null | undefined): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'number') return !Number.isFinite(value);
  return value.trim() === '';
}

function numericValue(value: string | number | null | undefined): number {
  if (isBlank(value)) return Number.NaN;
  const number = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(number) ? number : Number.NaN;
}

function categoryOf(value: string | number | null | undefined): string {
  return isBlank(value) ? '' : String(value).trim();
}

function inferKind(column: RawColumn, rows: ArrayLike<number>): FeatureKind {
  for (let i = 0; i < rows.length; i++) {
    const value = column[rows[i]!];
    if (!isBlank(value) && typeof value !== 'number') return 'categorical';
  }
  return 'numeric';
}

function allRows(length: number): Int32Array {
  const rows = new Int32Array(length);
  for (let i = 0; i < length; i++) rows[i] = i;
  return rows;
}

function columnLength(columns: Readonly<Record<string, RawColumn>>): number {
  const lengths = new Set(Object.values(columns).map((column) => column.length));
  if (lengths.size > 1)
    throw new RangeError(`Feature columns have different lengths: ${[...lengths].join(', ')}`);
  return lengths.values().next().value ?? 0;
}

/**
 * Learns the encoding (kinds, means, levels, standardisation) from `columns`, restricted to
 * `options.rows` when given. Column order is the object's key order.
 *
 * Complexity: O(rows × columns) plus O(design width) per row for the standardisation pass.
 *
 * @example
 * fitFeatureTable({ orders: [1, 3, null], plan: ['pro', 'basic', 'pro'] }).featureNames
 * // ['orders', 'orders (blank)', 'plan = pro', 'plan = basic']
 */
export function fitFeatureTable(
  columns: Readonly<Record<string, RawColumn>>,
  options: DesignOptions = {},
): FeatureTable {
  const length = columnLength(columns);
  const rows = options.rows ?? allRows(length);
  const names = Object.keys(columns);
  const kinds: FeatureKind[] = [];
  const encodings: ColumnEncoding[] = [];
  const featureNames: string[] = [];
  for (const name of names) {
    const column = columns[name]!;
    const kind = options.kinds?.[name] ?? inferKind(column, rows);
    kinds.push(kind);
    if (kind === 'numeric') {
      let sum = 0;
      let present = 0;
      for (let i = 0; i < rows.length; i++) {
        const value = numericValue(column[rows[i]!]);
        if (Number.isNaN(value)) continue;
        sum += value;
        present++;
      }
      const blankIndicator = present < rows.length;
      encodings.push({ kind, name, mean: present > 0 ? sum / present : 0, blankIndicator });
      featureNames.push(name);
      if (blankIndicator) featureNames.push(`${name} ${BLANK_LABEL}`);
    } else {
      const seen = new Set<string>();
      const levels: string[] = [];
      for (let i = 0; i < rows.length; i++) {
        const level = categoryOf(column[rows[i]!]);
        if (seen.has(level)) continue;
        seen.add(level);
        levels.push(level);
      }
      encodings.push({ kind, name, levels });
      for (const level of levels) featureNames.push(`${name} = ${level === '' ? BLANK_LABEL : level}`);
    }
  }

  // Standardisation constants from the unstandardised training design.
  const width = featureNames.length;
  const unscaled: FeatureTable = {
    names,
    kinds,
    columns: encodings,
    featureNames,
    centers: new Float64Array(width),
    scales: new Float64Array(width).fill(1),
  };
  const raw = encodeColumns(unscaled, columns, rows);
  const centers = new Float64Array(width);
  const scales = new Float64Array(width);
  const count = raw.rows;
  for (let row = 0; row < count; row++) {
    for (let feature = 0; feature < width; feature++) centers[feature]! += raw.values[row * width + feature]!;
  }
  for (let feature = 0; feature < width; feature++)
    centers[feature] = count > 0 ? centers[feature]! / count : 0;
  for (let row = 0; row < count; row++) {
    for (let feature = 0; feature < width; feature++) {
      const deviation = raw.values[row * width + feature]! - centers[feature]!;
      scales[feature]! += deviation * deviation;
    }
  }
  for (let feature = 0; feature < width; feature++) {
    const standardDeviation = count > 0 ? Math.sqrt(scales[feature]! / count) : 0;
    // A constant feature carries no information: scale 1 keeps it at exactly 0 after centring.
    scales[feature] = standardDeviation > 1e-12 ? standardDeviation : 1;
  }
  return { names, kinds, columns: encodings, featureNames, centers, scales };
}

/**
 * Applies a learnt encoding to columns (those named in `table.names`; extra columns are ignored),
 * for all rows or the listed `rows`, giving a standardised row-major design.
 *
 * Complexity: O(rows × width), one allocation for the matrix.
 *
 * @example
 * const table = fitFeatureTable(train);
 * const design = encodeColumns(table, newCustomers);
 */
export function encodeColumns(
  table: FeatureTable,
  columns: Readonly<Record<string, RawColumn>>,
  rows?: ArrayLike<number>,
): Design {
  const selected = rows ?? allRows(columnLength(columns));
  const width = table.featureNames.length;
  const count = selected.length;
  const values = new Float64Array(count * width);
  let offset = 0;
  for (const encoding of table.columns) {
    const column = columns[encoding.name];
    if (column === undefined) throw new RangeError(`Missing feature column "${encoding.name}"`);
    if (encoding.kind === 'numeric') {
      for (let r = 0; r < count; r++) {
        const value = numericValue(column[selected[r]!]);
        const blank = Number.isNaN(value);
        values[r * width + offset] = blank ? encoding.mean : value;
        if (encoding.blankIndicator) values[r * width + offset + 1] = blank ? 1 : 0;
      }
      offset += encoding.blankIndicator ? 2 : 1;
    } else {
      const levelIndex = new Map(encoding.levels.map((level, index) => [level, index]));
      for (let r = 0; r < count; r++) {
        const index = levelIndex.get(categoryOf(column[selected[r]!]));
        if (index !== undefined) values[r * width + offset + index] = 1;
      }
      offset += encoding.levels.length;
    }
  }
  for (let r = 0; r < count; r++) {
    for (let feature = 0; feature < width; feature++) {
      const at = r * width + feature;
      values[at] = (values[at]! - table.centers[feature]!) / table.scales[feature]!;
    }
  }
  return { rows: count, width, values, featureNames: table.featureNames, table };
}

/**
 * Learns the encoding from `columns` and encodes them: the standardised design matrix, its feature
 * names and the `FeatureTable` to apply to new data (`encodeColumns`).
 *
 * Complexity: O(rows × width).
 *
 * @example
 * const design = buildDesign({ tenureMonths: [3, 12, 7], plan: ['pro', 'basic', null] });
 * design.featureNames // ['tenureMonths', 'plan = pro', 'plan = basic', 'plan = (blank)']
 */
export function buildDesign(
  columns: Readonly<Record<string, RawColumn>>,
  options: DesignOptions = {},
): Design {
  const table = fitFeatureTable(columns, options);
  return encodeColumns(table, columns, options.rows);
}
