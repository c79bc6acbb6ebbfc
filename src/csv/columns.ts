import type { IssueCollector } from './csv-issue.js';
import { closestColumn, listColumns, mapExample, mapValue } from './header-help.js';

/** Header names are matched trimmed, case-insensitively, with runs of spaces collapsed. */
export function normalizeHeader(name: string): string {
  return name.trim().replace(/\s+/gu, ' ').toLowerCase();
}

/** A logical field a reader needs and the header names it is found under, by default. */
export interface FieldSpec {
  readonly field: string;
  /** Accepted header names, first match wins (already normalised). */
  readonly headers: readonly string[];
  readonly required: boolean;
}

export interface ResolvedColumns {
  /** Column index of each logical field; −1 when an optional field is absent. */
  readonly index: ReadonlyMap<string, number>;
  /** The header name as written for each resolved field (for messages). */
  readonly headerName: ReadonlyMap<string, string>;
  /** Attribute name (as requested) and column index, in the order requested. */
  readonly attributes: readonly { readonly name: string; readonly index: number }[];
}

/** What a header error adds to help fix it (see `resolveColumns`). */
export interface HeaderHelp {
  /**
   * Said instead of a `--map` example when the header looks like another kind of file, e.g.
   * `this looks like a subscriptions file: did you mean --mode subscription?`; null when it does not.
   */
  readonly otherKind?: string | null | undefined;
}

/**
 * Finds each field's column in `names` (the header as written), honouring `map` (logical field →
 * header name, which replaces the defaults for that field) and the requested attribute columns.
 * Problems are added to `issues` on the header (record 0): an unknown field in `map`, a missing
 * required or mapped column, a missing attribute column. The first names a few of the columns the
 * file has (`listColumns`: never a whole 79-column header), the last missing field says how to fix
 * it — the `--map` naming the file's closest columns (`mapExample`), or `help.otherKind` when the
 * header looks like another kind of file. Returns null when there was a problem.
 * O(fields × columns).
 */
export function resolveColumns(
  names: readonly string[],
  specs: readonly FieldSpec[],
  map: Readonly<Record<string, string>> | undefined,
  attributes: readonly string[] | undefined,
  issues: IssueCollector,
  help: HeaderHelp = {},
): ResolvedColumns | null {
  const normalized = names.map(normalizeHeader);
  const index = new Map<string, number>();
  const headerName = new Map<string, string>();
  const problems: { column: string | null; code: string; message: string }[] = [];
  const missingFields: string[] = [];
  let lastMissing = -1;

  for (const field of Object.keys(map ?? {})) {
    if (!specs.some((spec) => spec.field === field)) {
      problems.push({
        column: null,
        code: 'unknown-field',
        message: `cannot map "${field}": the fields are ${specs.map((spec) => spec.field).join(', ')}`,
      });
    }
  }

  for (const spec of specs) {
    const mapped = map?.[spec.field];
    const candidates = mapped === undefined ? spec.headers : [normalizeHeader(mapped)];
    let column = -1;
    for (const candidate of candidates) {
      column = normalized.indexOf(candidate);
      if (column !== -1) break;
    }
    if (column === -1 && (spec.required || mapped !== undefined)) {
      const wanted = mapped ?? spec.headers[0]!;
      const alternatives =
        mapped === undefined && spec.headers.length > 1
          ? ` (or ${spec.headers
              .slice(1)
              .map((header) => `"${header}"`)
              .join(', ')})`
          : '';
      const how = mapped === undefined ? '' : ` (mapped from ${spec.field})`;
      missingFields.push(spec.field);
      lastMissing = problems.length;
      problems.push({
        column: wanted,
        code: 'missing-column',
        message: `missing column "${wanted}"${alternatives}${how}`,
      });
    }
    index.set(spec.field, column);
    if (column !== -1) headerName.set(spec.field, names[column]!.trim());
  }

  const attributeColumns: { name: string; index: number }[] = [];
  for (const name of attributes ?? []) {
    const column = normalized.indexOf(normalizeHeader(name));
    if (column === -1) {
      problems.push({ column: name, code: 'missing-column', message: `missing attribute column "${name}"` });
    } else {
      attributeColumns.push({ name, index: column });
    }
  }

  // A currency column the layout does not read (`Währung`, `Currency Code`) would leave every
  // amount in the workspace's currency (or summed across currencies): refused, naming the --map.
  const currencyColumn =
    index.get('currency') === -1 && missingFields.length === 0 ? closestColumn('currency', names) : null;
  if (currencyColumn !== null) {
    problems.push({
      column: currencyColumn,
      code: 'unread-currency',
      message: `the column "${currencyColumn}" looks like the currency, and no field reads it; name it with --map currency=${mapValue(currencyColumn)}`,
    });
  }

  if (problems.length === 0) return { index, headerName, attributes: attributeColumns };
  const first = problems.findIndex((problem) => problem.code === 'missing-column');
  if (first !== -1) problems[first]!.message += `: the file has ${listColumns(names)}`;
  if (lastMissing !== -1) {
    // Columns bound to optional fields are offered too: one column may serve two fields (Email).
    // An unbound currency is named when a column looks like one: amounts must not take the
    // workspace's currency while the file says another (`Währung`).
    const currency = index.get('currency');
    const unboundCurrency = currency === -1 && closestColumn('currency', names) !== null ? ['currency'] : [];
    const fields = [...missingFields, ...unboundCurrency];
    const fix = help.otherKind ?? `name the file's columns with ${mapExample(fields, names, new Set())}`;
    problems[lastMissing]!.message += `; ${fix}`;
  }
  for (const problem of problems) issues.add(0, problem.column, problem.code, problem.message);
  return null;
}

/** Whether every one of `required` (normalised names) is among the header's columns. */
export function hasColumns(names: readonly string[], required: readonly string[]): boolean {
  const normalized = new Set(names.map(normalizeHeader));
  return required.every((name) => normalized.has(name));
}

/**
 * A copy of `text` that does not share memory with the chunk it was sliced from. V8 represents a
 * `slice` of 13 characters or more as a view on its parent string, so an id kept in a Map would
 * keep the whole 1 MB chunk it came from alive; this is called once per *new* id or label only.
 */
export function detach(text: string): string {
  return ` ${text}`.slice(1);
}
