import { type AmountDecimal, amountProblem, parseAmountCentsBytes } from './amount.js';
import { ByteInterner, type ByteKeys, mergeReplacedDuplicates } from './byte-interner.js';
import type { IssueCollector } from './csv-issue.js';
import { CSV_LIMITS, MAX_ID_CHARS } from './csv-limits.js';
import type { InstantParser } from './instant-parser.js';
import type { CurrencyCount } from './reader-support.js';
import { decodeUtf8 } from './utf8.js';

/**
 * The hot loop of the generic orders reader: splits the file's UTF-8 bytes into records and fields
 * itself (RFC 4180 quoting) and reads each needed field where it lies in the bytes, so a row costs
 * no string and no array: amounts and dates are read byte by byte (`parseAmountCentsBytes`,
 * `InstantParser.parseBytes`), customer ids are interned as bytes in batches
 * (`ByteInterner.internBatch`), and the values go straight into typed columns. Only a quoted field
 * (rare in order exports) is copied, unescaped, into bytes of its own; strings are made for new ids
 * and messages. Fields are separated by the layout's `delimiter` byte (`,`, `;`, tab or `|`). Every
 * delimiter is ASCII, and UTF-8 never uses an ASCII byte inside a character, so
 * records and fields split exactly as in the decoded text.
 *
 * Issues are recorded against physical line numbers (the scanner counts line feeds, including those
 * inside quoted fields), relative to the first line it was given (`firstLine`).
 */

const QUOTE = 34;
const LINE_FEED = 10;
const CARRIAGE_RETURN = 13;
const EMPTY = new Uint8Array(0);
/** Customer ids resolved per `internBatch` call. */
const BATCH = 1024;

/** Where the generic layout's fields are, from the header (`-1` for an absent optional one). */
export interface GenericOrderLayout {
  /** Fields in the header: every record must have exactly this many. */
  readonly fieldCount: number;
  /** The field separator's byte (44 for `,`). */
  readonly delimiter: number;
  /** The amounts' decimal separator (`parseAmountCents`). */
  readonly decimal: AmountDecimal;
  readonly customerColumn: number;
  /**
   * The order id column, or −1: consecutive records with the same (non-blank) order id are one
   * order whose values are on its first record — the generic layout's rule (`genericOrders`) —
   * so the scanner keeps the first and passes over the others.
   */
  readonly orderIdColumn: number;
  readonly orderedAtColumn: number;
  readonly amountColumn: number;
  readonly currencyColumn: number;
  readonly attributeColumns: readonly number[];
  /**
   * The import's quick validation (`quickCheckGenericOrders`): the scanner also notices what the
   * import's record reader would refuse beyond the analysis — a blank order id, an id, a field or a
   * record that may be past `CSV_LIMITS` (measured in bytes, which bound characters from above) —
   * and then only sets `unsure` and stops: the record reader decides, with its own messages.
   */
  readonly importChecks?: boolean;
  /** Header names as written, for messages: customer, ordered_at, amount, currency. */
  readonly names: {
    readonly customer: string;
    readonly orderedAt: string;
    readonly amount: string;
    readonly currency: string;
  };
}

/** What a scan produced: typed columns (trimmed to `length`) and the interned values. */
export interface ScannedOrders {
  readonly length: number;
  /** Records seen (valid or not), blank lines excluded. */
  readonly records: number;
  readonly customer: Int32Array;
  readonly orderedAt: Float64Array;
  readonly amountCents: Float64Array;
  /** The customer ids, by index; empty when `finish(false)` left them as `customerKeys`. */
  readonly customerIds: string[];
  /** The customer ids' bytes (`ByteInterner.keys`), when `finish(false)` was asked. */
  readonly customerKeys: ByteKeys | null;
  /** Per attribute column: its labels (label 0 is `''`) and per-row codes. */
  readonly attributes: { readonly labels: string[]; readonly codes: Int32Array }[];
  readonly firstOrderAt: number;
  readonly lastOrderAt: number;
  /** Each currency (upper-cased) with its orders and first line, in order of first appearance. */
  readonly currencies: readonly CurrencyCount[];
  /**
   * The order ids of the first and the last record scanned (trimmed bytes; null without an order
   * id column or when blank): a second thread's first record must not continue the first's last.
   */
  readonly firstOrderId: Uint8Array | null;
  readonly lastOrderId: Uint8Array | null;
}

/**
 * Scans the data records of a generic orders file, chunk after chunk: `scan(bytes, final)` consumes
 * the complete records at the start of `bytes` and returns how many bytes it consumed; the caller
 * prepends the rest to the next chunk. Blank lines are skipped; a record ends at a line feed
 * outside quotes, a carriage return before it is dropped (CRLF files).
 *
 * Per record, exactly as the generic reader defines it: a wrong number of fields is a `field-count`
 * issue; a blank customer id, an unreadable date or amount are issues on their column; each
 * currency is counted (`currencies`: the reader refuses a file with several). Once any issue is found no more rows are stored (the read will fail),
 * and scanning stops when `issues` is full. The customer ids and labels of `finish` are decoded ids
 * whose byte forms differ only in invalid UTF-8 may repeat: `distinctIds` merges them.
 * O(bytes) time; ~20 bytes a row of columns.
 *
 * Example: `const scanner = new OrderScanner(layout, new InstantParser('UTC'), issues, 2, 1000);`
 * `scanner.scan(Buffer.from('c1,2024-01-05,12.30\n'), true)` → 20 (one row: customer 0, 1230 cents).
 */
export class OrderScanner {
  /** Line number of the next record (1-based physical line of the file). */
  line: number;
  /** Set when `issues` became full: the caller should stop reading. */
  stopped = false;
  /** With `importChecks`: a record the import might refuse was seen (the scan stopped). */
  unsure = false;
  private records = 0;
  private readonly layout: GenericOrderLayout;
  private readonly instants: InstantParser;
  private readonly issues: IssueCollector;
  private readonly customers = new ByteInterner({ initialSlots: 1 << 12 });
  private readonly attributeLabels: ByteInterner[];
  private length = 0;
  private customerColumn: Int32Array;
  private orderedAtColumn: Float64Array;
  private amountColumn: Float64Array;
  private attributeCodes: Int32Array[];
  private firstOrderAt = Number.POSITIVE_INFINITY;
  private lastOrderAt = Number.NEGATIVE_INFINITY;
  // Currencies: the raw bytes first seen (compared in place) and their count; every code's count.
  private currencyRaw: Uint8Array | null = null;
  private firstCurrency: { code: string; rows: number; first: number } | null = null;
  private readonly currencies = new Map<string, { code: string; rows: number; first: number }>();
  // The previous record's order id (trimmed bytes; length −1 when blank or none) and the first's.
  private previousOrderId = new Uint8Array(64);
  private previousOrderIdLength = -1;
  private firstOrderId: Uint8Array | null = null;
  private seenRecord = false;
  // The current record's fields: bytes (the chunk, or an unescaped quoted field) and range.
  private readonly fieldBytes: Uint8Array[];
  private readonly fieldStarts: Int32Array;
  private readonly fieldEnds: Int32Array;
  // Customer ids waiting for `internBatch`: their ranges in the current chunk, and their rows.
  private readonly batchStarts = new Int32Array(BATCH);
  private readonly batchEnds = new Int32Array(BATCH);
  private readonly batchIndexes = new Int32Array(BATCH);
  private batchCount = 0;
  private batchFirstRow = 0;
  private batchBytes: Uint8Array = EMPTY;

  /**
   * `firstLine` is the physical line of the first bytes given to `scan`; `capacity` the number of
   * rows expected (the columns grow past it by doubling).
   */
  constructor(
    layout: GenericOrderLayout,
    instants: InstantParser,
    issues: IssueCollector,
    firstLine: number,
    capacity: number,
  ) {
    this.layout = layout;
    this.instants = instants;
    this.issues = issues;
    this.line = firstLine;
    const rows = Math.max(16, Math.ceil(capacity));
    this.customerColumn = new Int32Array(rows);
    this.orderedAtColumn = new Float64Array(rows);
    this.amountColumn = new Float64Array(rows);
    this.attributeCodes = layout.attributeColumns.map(() => new Int32Array(rows));
    this.attributeLabels = layout.attributeColumns.map(() => {
      const labels = new ByteInterner({ initialSlots: 16 });
      labels.indexOf(''); // code 0 is the blank label, as in OrderTableBuilder
      return labels;
    });
    this.fieldBytes = Array.from({ length: layout.fieldCount }, () => EMPTY);
    this.fieldStarts = new Int32Array(layout.fieldCount);
    this.fieldEnds = new Int32Array(layout.fieldCount);
  }

  /** Whether the scanner runs the import's quick checks (`GenericOrderLayout.importChecks`). */
  get importChecks(): boolean {
    return this.layout.importChecks === true;
  }

  /** The customer ids' interner (the main thread looks a worker's ids up in it when merging). */
  get customerInterner(): ByteInterner {
    return this.customers;
  }

  /** The labels' interner of attribute `attribute` (by position in `layout.attributeColumns`). */
  attributeInterner(attribute: number): ByteInterner {
    return this.attributeLabels[attribute]!;
  }

  /** Rows stored so far. */
  get rows(): number {
    return this.length;
  }

  /** Makes room for `rows` rows in all (no effect if there is room already). */
  reserve(rows: number): void {
    if (rows > this.customerColumn.length) this.resize(Math.ceil(rows));
  }

  /**
   * Consumes the complete records at the start of `bytes`; with `final`, their end also ends the
   * last record (the end of the file). Returns the number of bytes consumed.
   */
  scan(bytes: Uint8Array, final: boolean): number {
    const length = bytes.length;
    const delimiter = this.layout.delimiter;
    const expected = this.layout.fieldCount;
    const sources = this.fieldBytes;
    const starts = this.fieldStarts;
    const ends = this.fieldEnds;
    let position = 0;
    let consumed = 0;
    const importChecks = this.layout.importChecks === true;
    records: while (position < length && !this.stopped) {
      const recordLine = this.line;
      const recordStart = position;
      // Blank lines (LF or CRLF) are not records.
      let code = bytes[position]!;
      if (code === LINE_FEED) {
        position++;
        this.line++;
        consumed = position;
        continue;
      }
      if (code === CARRIAGE_RETURN) {
        if (position + 1 === length) {
          if (!final) break;
          consumed = position = length;
          break;
        }
        if (bytes[position + 1] === LINE_FEED) {
          position += 2;
          this.line++;
          consumed = position;
          continue;
        }
      }
      let field = 0;
      let malformed = false;
      for (;;) {
        let start = position;
        let end: number;
        let fieldSource = bytes;
        if (bytes[position] === QUOTE) {
          // Quoted: up to the closing quote; `""` is a quote; line feeds inside count as lines.
          let close = position + 1;
          let doubled = false;
          for (;;) {
            close = bytes.indexOf(QUOTE, close);
            if (close === -1 || close + 1 >= length) break;
            if (bytes[close + 1] !== QUOTE) break;
            doubled = true;
            close += 2;
          }
          if (close === -1 || (close + 1 >= length && !final)) {
            // The quote may close in the next chunk (a lone `"` at the end could be half of `""`).
            if (!final) {
              this.line = recordLine;
              break records;
            }
            this.issueAt(
              recordLine,
              null,
              'unclosed-quote',
              'a quoted field opened on this line is never closed',
            );
            this.countLines(bytes, position, length);
            consumed = position = length;
            this.records++;
            break records;
          }
          this.countLines(bytes, position, close);
          fieldSource = bytes.slice(position + 1, close);
          end = doubled ? undoubleQuotes(fieldSource) : fieldSource.length;
          start = 0;
          position = close + 1;
          code = position < length ? bytes[position]! : LINE_FEED;
          if (code === CARRIAGE_RETURN && (position + 1 >= length || bytes[position + 1] === LINE_FEED)) {
            if (position + 1 >= length && !final) {
              this.line = recordLine;
              break records;
            }
            position++;
            code = LINE_FEED;
          }
          if (code !== delimiter && code !== LINE_FEED) {
            // Text after the closing quote: read on to the field's end, and report the record.
            malformed = true;
            while (position < length) {
              code = bytes[position]!;
              if (code === delimiter || code === LINE_FEED) break;
              position++;
            }
            if (position === length) {
              if (!final) {
                this.line = recordLine;
                break records;
              }
              code = LINE_FEED;
            }
          }
        } else {
          code = LINE_FEED;
          while (position < length) {
            code = bytes[position]!;
            if (code === delimiter || code === LINE_FEED) break;
            position++;
          }
          if (position === length) {
            if (!final) {
              this.line = recordLine;
              break records;
            }
            code = LINE_FEED;
          }
          end = position;
          if (code === LINE_FEED && end > start && bytes[end - 1] === CARRIAGE_RETURN) end--;
        }
        if (field < expected) {
          sources[field] = fieldSource;
          starts[field] = start;
          ends[field] = end;
        }
        if (importChecks && end - start > CSV_LIMITS.maxFieldChars) return this.giveUp();
        field++;
        position++; // past the delimiter or line feed (or the end of the text)
        if (code === LINE_FEED) break;
      }
      this.line++;
      consumed = Math.min(position, length);
      this.records++;
      if (importChecks && consumed - recordStart > CSV_LIMITS.maxRecordChars) return this.giveUp();
      if (malformed) {
        this.issueAt(
          recordLine,
          null,
          'malformed-quotes',
          `a closing quote must be followed by ${this.layout.delimiter === 44 ? 'a comma' : 'the delimiter'} or the end of the line`,
        );
      } else if (field !== expected) {
        this.issueAt(
          recordLine,
          null,
          'field-count',
          `line ${recordLine} has ${field} field${field === 1 ? '' : 's'}, the header has ${expected}`,
        );
      } else {
        this.record(recordLine, bytes);
      }
    }
    this.flushBatch();
    return consumed;
  }

  /**
   * Whether the current record continues the previous record's order (same non-blank order id,
   * compared trimmed); remembers its id for the next. O(id length).
   */
  private continuesOrder(): boolean {
    const column = this.layout.orderIdColumn;
    if (column === -1) return false;
    const bytes = this.fieldBytes[column]!;
    let start = this.fieldStarts[column]!;
    let end = this.fieldEnds[column]!;
    while (start < end && bytes[start]! <= 32) start++;
    while (end > start && bytes[end - 1]! <= 32) end--;
    const length = end - start;
    const first = !this.seenRecord;
    this.seenRecord = true;
    if (length === 0) {
      this.previousOrderIdLength = -1;
      return false;
    }
    if (length === this.previousOrderIdLength && startsWith(bytes, start, this.previousOrderId, length)) {
      return true;
    }
    if (length > this.previousOrderId.length) this.previousOrderId = new Uint8Array(length * 2);
    this.previousOrderId.set(bytes.subarray(start, end));
    this.previousOrderIdLength = length;
    if (first) this.firstOrderId = bytes.slice(start, end);
    return false;
  }

  /**
   * With `importChecks`, whether the record's ids may be refused by the import: a blank order id
   * (the import's natural key), or an id longer than `MAX_ID_CHARS` bytes.
   */
  private importMayRefuse(): boolean {
    const { orderIdColumn, customerColumn } = this.layout;
    if (orderIdColumn === -1) return true;
    const ends = this.fieldEnds;
    const starts = this.fieldStarts;
    if (ends[customerColumn]! - starts[customerColumn]! > MAX_ID_CHARS) return true;
    const orderIdLength = ends[orderIdColumn]! - starts[orderIdColumn]!;
    return (
      orderIdLength > MAX_ID_CHARS ||
      isBlank(this.fieldBytes[orderIdColumn]!, starts[orderIdColumn]!, ends[orderIdColumn]!)
    );
  }

  /** Stops the scan as `unsure` (see `GenericOrderLayout.importChecks`); 0 bytes consumed. */
  giveUp(): number {
    this.unsure = true;
    this.stopped = true;
    return 0;
  }

  /** Reads one record whose fields are in `fieldBytes/Starts/Ends`; `chunk` is the bytes scanned. */
  private record(line: number, chunk: Uint8Array): void {
    if (this.layout.importChecks === true && this.importMayRefuse()) {
      this.giveUp();
      return;
    }
    if (this.continuesOrder()) return; // a further line of the same order: its values are on the first
    const layout = this.layout;
    const sources = this.fieldBytes;
    const starts = this.fieldStarts;
    const ends = this.fieldEnds;
    const customer = layout.customerColumn;
    const customerBytes = sources[customer]!;
    const customerStart = starts[customer]!;
    const customerEnd = ends[customer]!;
    const dateColumn = layout.orderedAtColumn;
    const amountColumn = layout.amountColumn;
    const orderedAt = this.instants.parseBytes(sources[dateColumn]!, starts[dateColumn]!, ends[dateColumn]!);
    const amountCents = parseAmountCentsBytes(
      sources[amountColumn]!,
      starts[amountColumn]!,
      ends[amountColumn]!,
      layout.decimal,
    );
    const blankCustomer = isBlank(customerBytes, customerStart, customerEnd);
    if (blankCustomer || Number.isNaN(orderedAt) || Number.isNaN(amountCents)) {
      if (blankCustomer)
        this.issueAt(line, layout.names.customer, 'missing-value', 'the customer id is blank');
      if (Number.isNaN(orderedAt)) this.dateIssue(line, this.fieldValue(dateColumn));
      if (Number.isNaN(amountCents)) this.amountIssue(line, this.fieldValue(amountColumn));
      return;
    }
    if (layout.currencyColumn !== -1) this.checkCurrency(line);
    if (this.issues.count > 0) return; // the table will be discarded: stop building it
    if (layout.importChecks === true) return; // a check only: no table, so memory stays flat

    const row = this.length;
    if (row === this.customerColumn.length) this.resize(row * 2);
    this.orderedAtColumn[row] = orderedAt;
    this.amountColumn[row] = amountCents;
    if (orderedAt < this.firstOrderAt) this.firstOrderAt = orderedAt;
    if (orderedAt > this.lastOrderAt) this.lastOrderAt = orderedAt;
    if (customerBytes === chunk) {
      if (this.batchCount === 0) {
        this.batchFirstRow = row;
        this.batchBytes = chunk;
      }
      this.batchStarts[this.batchCount] = customerStart;
      this.batchEnds[this.batchCount] = customerEnd;
      if (++this.batchCount === BATCH) this.flushBatch();
    } else {
      // A quoted id: resolve the pending rows first, so ids keep their order of first appearance.
      this.flushBatch();
      this.customerColumn[row] = this.customers.indexOfRange(customerBytes, customerStart, customerEnd);
    }
    const attributeColumns = layout.attributeColumns;
    for (let attribute = 0; attribute < attributeColumns.length; attribute++) {
      const column = attributeColumns[attribute]!;
      this.attributeCodes[attribute]![row] = this.attributeLabels[attribute]!.indexOfRange(
        sources[column]!,
        starts[column]!,
        ends[column]!,
      );
    }
    this.length = row + 1;
  }

  /** Interns the pending customer ids and writes their indices into the customer column. */
  private flushBatch(): void {
    const count = this.batchCount;
    if (count === 0) return;
    this.customers.internBatch(this.batchBytes, this.batchStarts, this.batchEnds, count, this.batchIndexes);
    this.customerColumn.set(this.batchIndexes.subarray(0, count), this.batchFirstRow);
    this.batchCount = 0;
    this.batchBytes = EMPTY;
  }

  /**
   * Counts the order's currency (see `CurrencyTally`), comparing the field in place with the first
   * one seen: only a file with other values decodes them.
   */
  private checkCurrency(line: number): void {
    const column = this.layout.currencyColumn;
    const bytes = this.fieldBytes[column]!;
    const start = this.fieldStarts[column]!;
    const end = this.fieldEnds[column]!;
    const raw = this.currencyRaw;
    if (raw !== null && raw.length === end - start && startsWith(bytes, start, raw, raw.length)) {
      this.firstCurrency!.rows++;
      return;
    }
    const code = decodeUtf8(bytes, start, end).trim().toUpperCase();
    if (code === '') return;
    if (!/^[A-Z]{3}$/u.test(code)) {
      this.issueAt(line, this.layout.names.currency, 'invalid-currency', `"${code}" is not a currency code`);
      return;
    }
    let entry = this.currencies.get(code);
    if (entry === undefined) {
      entry = { code, rows: 0, first: line };
      this.currencies.set(code, entry);
      if (raw === null) {
        this.currencyRaw = bytes.slice(start, end);
        this.firstCurrency = entry;
      }
    }
    entry.rows++;
  }

  private fieldValue(column: number): string {
    return decodeUtf8(this.fieldBytes[column]!, this.fieldStarts[column]!, this.fieldEnds[column]!);
  }

  private dateIssue(line: number, text: string): void {
    const column = this.layout.names.orderedAt;
    if (text.trim() === '') this.issueAt(line, column, 'missing-value', 'the date is blank');
    else {
      const problem = this.instants.problem(text);
      this.issueAt(line, column, problem.code, problem.message);
    }
  }

  private amountIssue(line: number, text: string): void {
    const column = this.layout.names.amount;
    if (text.trim() === '') {
      this.issueAt(line, column, 'missing-value', 'the amount is blank');
      return;
    }
    const problem = amountProblem(text, this.layout.decimal);
    this.issueAt(
      line,
      column,
      problem?.code ?? 'invalid-amount',
      `cannot read "${text}" as an amount${problem?.reason ? `: ${problem.reason}` : ''}`,
    );
  }

  private issueAt(line: number, column: string | null, code: string, message: string): void {
    this.issues.add(line, column, code, message);
    if (this.issues.full) this.stopped = true;
  }

  private countLines(bytes: Uint8Array, from: number, to: number): void {
    let position = bytes.indexOf(LINE_FEED, from);
    while (position !== -1 && position < to) {
      this.line++;
      position = bytes.indexOf(LINE_FEED, position + 1);
    }
  }

  private resize(rows: number): void {
    const length = this.length;
    const grow = <T extends Int32Array | Float64Array>(column: T, make: (size: number) => T): T => {
      const next = make(rows);
      next.set(column.subarray(0, length));
      return next;
    };
    this.customerColumn = grow(this.customerColumn, (size) => new Int32Array(size));
    this.orderedAtColumn = grow(this.orderedAtColumn, (size) => new Float64Array(size));
    this.amountColumn = grow(this.amountColumn, (size) => new Float64Array(size));
    this.attributeCodes = this.attributeCodes.map((codes) => grow(codes, (size) => new Int32Array(size)));
  }

  /**
   * The scanned columns and values; with `idStrings` false, the customer ids as `customerKeys`
   * rather than strings (a worker posts them so, cheaply). Columns are trimmed to their length, by copy when more than an
   * eighth of their capacity is unused, else as views (no second copy of a large table).
   */
  finish(idStrings = true): ScannedOrders {
    this.flushBatch();
    const length = this.length;
    const trim = <T extends Int32Array | Float64Array>(column: T): T =>
      (column.length - length > column.length / 8
        ? column.slice(0, length)
        : column.subarray(0, length)) as T;
    return {
      length,
      records: this.records,
      customer: trim(this.customerColumn),
      orderedAt: trim(this.orderedAtColumn),
      amountCents: trim(this.amountColumn),
      customerIds: idStrings ? this.customers.ids : [],
      customerKeys: idStrings ? null : this.customers.keys(),
      attributes: this.attributeCodes.map((codes, attribute) => ({
        labels: this.attributeLabels[attribute]!.ids,
        codes: trim(codes),
      })),
      firstOrderAt: this.firstOrderAt,
      lastOrderAt: this.lastOrderAt,
      currencies: [...this.currencies.values()].map((entry) => ({ ...entry })),
      firstOrderId: this.firstOrderId,
      lastOrderId:
        this.previousOrderIdLength === -1 ? null : this.previousOrderId.slice(0, this.previousOrderIdLength),
    };
  }
}

/**
 * Whether the UTF-8 `bytes[start, end)` are empty or only white space (as `trim` sees it), usually
 * by one byte: an ASCII character above space is not white space; anything else is decoded.
 */
function isBlank(bytes: Uint8Array, start: number, end: number): boolean {
  if (end === start) return true;
  const first = bytes[start]!;
  if (first > 32 && first < 0x80) return false;
  return decodeUtf8(bytes, start, end).trim() === '';
}

/** Whether `bytes[start, start + length)` equals `prefix[0, length)`. */
function startsWith(bytes: Uint8Array, start: number, prefix: Uint8Array, length: number): boolean {
  for (let offset = 0; offset < length; offset++) {
    if (bytes[start + offset] !== prefix[offset]) return false;
  }
  return true;
}

/** Turns each `""` of a quoted field's content into `"`, in place; returns the new length. */
function undoubleQuotes(field: Uint8Array): number {
  let write = 0;
  for (let read = 0; read < field.length; read++, write++) {
    field[write] = field[read]!;
    if (field[read] === QUOTE) read++; // inside a closed quoted field a quote is always doubled
  }
  return write;
}

/**
 * The scan's result with the ids that decode to the same string merged (`mergeReplacedDuplicates`),
 * customers and labels renumbered: what interning the decoded strings gives. Only files with invalid
 * UTF-8 (or U+FFFD) in an id or label pay more than a check of each string. O(rows) when merging.
 */
export function distinctIds(scanned: ScannedOrders): ScannedOrders {
  const customers = mergeReplacedDuplicates(scanned.customerIds);
  let attributesMerged = false;
  const attributes = scanned.attributes.map((attribute) => {
    const labels = mergeReplacedDuplicates(attribute.labels);
    if (labels === null) return attribute;
    attributesMerged = true;
    return { labels: labels.ids, codes: remap(attribute.codes, labels.map) };
  });
  if (customers === null && !attributesMerged) return scanned;
  return {
    ...scanned,
    ...(customers === null
      ? {}
      : { customerIds: customers.ids, customer: remap(scanned.customer, customers.map) }),
    attributes,
  };
}

/** `codes[row] = map[codes[row]]`, in place. */
function remap(codes: Int32Array, map: Int32Array): Int32Array {
  for (let row = 0; row < codes.length; row++) codes[row] = map[codes[row]!]!;
  return codes;
}
