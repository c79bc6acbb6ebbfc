/**
 * The preview of an import: what the import would make of a file's first bytes, before the whole
 * file is sent — the layout recognised from the header (the same detection as `retain import
 * --format auto` and `retain analyze`), which column each field of that layout reads, the fields
 * the file lacks, the first rows, and the problems those rows would be rejected for. Nothing is
 * written to the store.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import {
  type CsvDialect,
  type CsvEncoding,
  type CsvFileProblem,
  type CsvReadOptions,
  type DetectedDialect,
  detectDialect,
  type FieldSpec,
  IssueCollector,
  normalizeHeader,
  readRowGroups,
  recordLines,
  streamCsv,
} from '../csv/index.js';
import type { Database } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';
import { formatsOf, layoutFor } from './import.layouts.js';
import type { RecordLayout } from './import.record-reader.js';
import type { ImportProblem } from './import.repository.js';
import { assertImportKind } from './import.service.js';
import type { ImportFormat, ImportReadOptions, ImportType } from './import.types.js';

/** The most bytes of a file a preview reads: the browser sends the file's first 64 KiB. */
export const MAX_PREVIEW_BYTES = 64 * 1024;
/** Data rows a preview shows and checks. */
export const PREVIEW_ROWS = 20;
/** Entries a `map` may have (a layout has at most a few dozen fields). */
const MAX_MAP_ENTRIES = 100;

/** A field of the layout and the column it reads (`null`: the file has none). */
export interface PreviewField {
  readonly field: string;
  readonly required: boolean;
  readonly column: string | null;
}

export interface ImportPreview {
  readonly type: ImportType;
  /** The layout that would read the file: `generic`, `shopify` or `stripe`. */
  readonly layout: Exclude<ImportFormat, 'auto'>;
  /** `header`: recognised from the header (format `auto`); `format`: the format asked for. */
  readonly detectedBy: 'header' | 'format';
  /** The header as written. */
  readonly columns: readonly string[];
  /** The first data rows as written (at most `PREVIEW_ROWS`). */
  readonly rows: readonly (readonly string[])[];
  /** Every field of the layout with its column, in the layout's order. */
  readonly fields: readonly PreviewField[];
  /** Field → column, for the fields the file has. */
  readonly mapping: Readonly<Record<string, string>>;
  /** Required fields without a column: the import would reject the file. */
  readonly missing: readonly string[];
  /** The header's problems, then those of the rows shown, by physical line (1 = the header). */
  readonly problems: readonly ImportProblem[];
  /** Whether the bytes given end before the file does (the rows shown are the file's first). */
  readonly truncated: boolean;
  /** The delimiter, decimal separator and date format the import would read (detected or asked). */
  readonly dialect: DetectedDialect;
}

export interface PreviewInput {
  readonly workspaceId: number;
  readonly type: string;
  readonly format: string;
  /** The file's first bytes (at most `MAX_PREVIEW_BYTES`). */
  readonly bytes: Uint8Array;
  /** True when the file goes on after `bytes`: the last, possibly cut, line is left out. */
  readonly truncated: boolean;
  /** Field → header name, replacing the layout's default header for that field. */
  readonly map?: Readonly<Record<string, string>>;
  /** The dialect asked for (each part left out is detected from the bytes, as the import does). */
  readonly dialect?: Omit<ImportReadOptions, 'map'>;
  /** The file's text encoding (default UTF-8), as the import would read it. */
  readonly encoding?: CsvEncoding;
}

/**
 * Previews an import of `bytes` (see the file comment). Throws `invalid_input` for an unknown
 * type or format or a bad `map`, `payload_too_large` beyond 64 KiB, `not_found` for an unknown
 * workspace. The rows are read as the import reads them (dates in the workspace's time zone, its
 * currency by default), so a problem shown here is one the import would report.
 * O(bytes): two passes over at most 64 KiB in a temporary file, deleted before returning.
 * Example: a generic orders file → `{ layout: 'generic', detectedBy: 'header', missing: [], … }`.
 */
export async function previewImport(db: Kysely<Database>, input: PreviewInput): Promise<ImportPreview> {
  assertImportKind(input.type, input.format);
  const type = input.type;
  const format = input.format as ImportFormat;
  if (input.bytes.byteLength > MAX_PREVIEW_BYTES) {
    throw new RetainError(
      'payload_too_large',
      `A preview reads the file's first ${MAX_PREVIEW_BYTES / 1024} KiB; send no more.`,
    );
  }
  const map = checkMap(input.map);
  const workspace = await getWorkspace(db, input.workspaceId);
  if (workspace === undefined) throw notFound('Workspace');
  const requested = layoutFor(type, format)!;
  const options = { timeZone: workspace.settings.timeZone, defaultCurrency: workspace.settings.currency };

  const bytes = input.truncated ? completeLines(input.bytes) : input.bytes;
  const dialect = detectDialect(Buffer.from(bytes).toString('utf8'), !input.truncated, input.dialect ?? {});
  const directory = await mkdtemp(join(tmpdir(), 'retain-preview-'));
  const path = join(directory, 'head.csv');
  try {
    await writeFile(path, bytes);
    const read: CsvReadOptions = { encoding: input.encoding ?? 'utf-8', delimiter: dialect.delimiter };
    const head = await readHead(path, read, input.truncated);
    if (head === null) {
      throw new RetainError(
        'invalid_input',
        input.truncated && bytes.byteLength === 0
          ? `The header line is longer than ${MAX_PREVIEW_BYTES / 1024} KiB: is this a CSV file?`
          : 'The file is empty.',
        [{ path: ['file'], message: 'Expected a CSV header line.' }],
      );
    }
    const chosen = (requested.detect?.(head.columns) ?? requested) as RecordLayout<unknown>;
    const layout = layoutName(type, chosen);
    const fields = bindFields(head.columns, chosen.fields, map);
    const missing = fields
      .filter((field) => field.required && field.column === null)
      .map((field) => field.field);
    const problems = new IssueCollector(PREVIEW_ROWS * 4);
    // A file the import would refuse from some line on (not text in its encoding, an unclosed quote).
    const fileProblem = head.problem;
    mapProblems(chosen.fields, map, head.columns, problems);
    if (head.rows.length === 0) problems.add(0, null, 'no-rows', 'the file has a header but no rows');
    else if (missing.length === 0 && problems.count === 0)
      await checkRows(path, chosen, options, map, dialect, read, problems);
    const lines =
      problems.count > 0 ? await recordLines(path, problems.records(), read) : new Map<number, number>();
    return {
      type,
      layout,
      detectedBy: format === 'auto' ? 'header' : 'format',
      columns: head.columns,
      rows: head.rows,
      fields,
      mapping: Object.fromEntries(
        fields.flatMap((field) => (field.column === null ? [] : [[field.field, field.column]])),
      ),
      missing,
      problems: [
        ...problems
          .resolve('', (record) => lines.get(record) ?? 1)
          .map((issue) => ({
            line: issue.line,
            column: issue.column,
            code: issue.code,
            message: issue.message,
          })),
        ...(fileProblem === null ? [] : [{ ...fileProblem }]),
      ],
      truncated: input.truncated,
      dialect,
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** `map` checked for shape and size (its fields are checked against the layout later). */
function checkMap(map: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
  if (map === undefined) return undefined;
  const entries = Object.entries(map);
  if (entries.length > MAX_MAP_ENTRIES || entries.some(([, column]) => typeof column !== 'string')) {
    throw new RetainError('invalid_input', 'A map names at most 100 fields, each with a column name.', [
      { path: ['map'], message: 'Expected an object of field → column name.' },
    ]);
  }
  return Object.fromEntries(entries.filter(([, column]) => column.trim() !== ''));
}

/** `bytes` up to and including its last line feed (the rest is a line the slice cut). */
function completeLines(bytes: Uint8Array): Uint8Array {
  const end = bytes.lastIndexOf(0x0a);
  return bytes.subarray(0, end + 1);
}

/** The header and the first rows as written, or null for a file with no header. */
async function readHead(
  path: string,
  read: CsvReadOptions,
  truncated: boolean,
): Promise<{ columns: string[]; rows: string[][]; problem: CsvFileProblem | null } | null> {
  let columns: string[] | null = null;
  const rows: string[][] = [];
  const outcome = await streamCsv(
    path,
    {
      header: (names) => {
        columns = names.map((name) => name.trim());
        return true;
      },
      row: (fields) => {
        rows.push([...fields]);
        return rows.length < PREVIEW_ROWS;
      },
    },
    undefined,
    read,
  );
  if (outcome.status === 'unreadable') {
    throw new RetainError('invalid_input', `The file cannot be read as CSV: ${outcome.reason}.`, [
      { path: ['file'], message: outcome.reason },
    ]);
  }
  // The rows before the problem are shown; a quote left open where the bytes sent were cut is
  // the cut's, not the file's.
  const problem =
    outcome.status === 'invalid' && !(truncated && outcome.problem.code === 'unclosed-quote')
      ? outcome.problem
      : null;
  if (columns === null && problem !== null) {
    throw new RetainError('invalid_input', `The file cannot be read as CSV: ${problem.message}.`, [
      { path: ['file'], message: `line ${problem.line}: ${problem.message}` },
    ]);
  }
  return columns === null ? null : { columns, rows, problem };
}

/**
 * Each field's column: the mapped header, else the first of the layout's default headers present
 * — the rule of `resolveColumns` (csv/columns.ts), which the import applies.
 */
function bindFields(
  columns: readonly string[],
  specs: readonly FieldSpec[],
  map: Readonly<Record<string, string>> | undefined,
): PreviewField[] {
  const normalized = columns.map(normalizeHeader);
  return specs.map((spec) => {
    const mapped = map?.[spec.field];
    const candidates = mapped === undefined ? spec.headers : [normalizeHeader(mapped)];
    const index = candidates.map((candidate) => normalized.indexOf(candidate)).find((found) => found !== -1);
    return {
      field: spec.field,
      required: spec.required,
      column: index === undefined ? null : columns[index]!,
    };
  });
}

/** A `map` naming a field the layout does not have, or a column the file does not have. */
function mapProblems(
  specs: readonly FieldSpec[],
  map: Readonly<Record<string, string>> | undefined,
  columns: readonly string[],
  problems: IssueCollector,
): void {
  const normalized = new Set(columns.map(normalizeHeader));
  for (const [field, column] of Object.entries(map ?? {})) {
    if (!specs.some((spec) => spec.field === field)) {
      problems.add(
        0,
        null,
        'unknown-field',
        `cannot map "${field}": the fields are ${specs.map((spec) => spec.field).join(', ')}`,
      );
    } else if (!normalized.has(normalizeHeader(column))) {
      problems.add(0, column, 'missing-column', `missing column "${column}" (mapped from ${field})`);
    }
  }
}

/** Reads the rows through the layout, as the import's validation pass does, collecting problems. */
async function checkRows(
  path: string,
  layout: RecordLayout<unknown>,
  options: { timeZone: string; defaultCurrency: string },
  map: Readonly<Record<string, string>> | undefined,
  dialect: CsvDialect,
  read: CsvReadOptions,
  problems: IssueCollector,
): Promise<void> {
  let records = 0;
  await readRowGroups(
    path,
    { layout, timeZone: options.timeZone, map, dialect, read },
    {
      group: (lines, found, first) => {
        records = lines[lines.length - 1]!.record;
        const result = layout.read(lines, options);
        if (found.length > 0) {
          for (const problem of found) problems.add(first, problem.column, problem.code, problem.message);
        } else if (result === null) {
          problems.add(first, null, 'invalid-row', 'the row cannot be read');
        }
      },
      shouldContinue: () => records < PREVIEW_ROWS,
    },
  );
}

/** The format whose layout `layout` is, for `type`. */
function layoutName(type: ImportType, layout: RecordLayout<unknown>): Exclude<ImportFormat, 'auto'> {
  for (const format of formatsOf(type)) {
    if (format !== 'auto' && layoutFor(type, format) === layout) return format;
  }
  return 'generic';
}
