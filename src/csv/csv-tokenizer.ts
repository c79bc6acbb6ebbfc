import { InvalidInputError } from '../core/light.js';
import { CSV_LIMITS, type CsvLimits, formatCount } from './csv-limits.js';

/**
 * The strict streaming CSV tokenizer of every read by record (`streamCsv`: the import's two passes,
 * `retain analyze`'s vendor layouts, customer tables). RFC 4180 with the leniencies exports need,
 * and nothing else accepted silently:
 * - a field is quoted when it starts with `"`; inside, `""` is a quote and line breaks are data; a
 *   `"` inside an unquoted field is data (`12" screen`);
 * - records end at LF or CRLF (a lone CR inside a line is data); blank lines are not records;
 * - **refused, with the line named**: a quote that never closes (fatal: the rest of the file would
 *   be one field), text after a closing quote (`"q-5"junk`: that record), a NUL character (that
 *   record: no store keeps U+0000, and NULs mean a UTF-16 file), and anything past `CsvLimits`
 *   (a field or a record's field count: that record; a record longer than `maxRecordChars`: fatal,
 *   since it cannot be read without buffering it).
 *
 * Text goes in by chunks (`write`, then `end`); records come out through `sink` in order, with the
 * physical line each starts on (line 1 is the file's first line; line breaks inside quoted fields
 * count). Memory: one chunk plus the unfinished record, never more than `maxRecordChars` of it.
 * O(text) time: every search (`indexOf`) only moves forward.
 *
 * Example: `new CsvTokenizer((fields, line) => { console.log(line, fields); return true; })`
 * `.write('a,"b ""x"""\n')` → logs `1 ['a', 'b "x"']`.
 */

/** Options of `CsvTokenizer`. */
export interface CsvTokenizerOptions {
  /**
   * The one character between fields: `,` (default), `;`, a tab, `|`… Anything but `"`, CR, LF and
   * NUL. No detection here: the caller decides (a `--delimiter` option, or a guess from the header).
   */
  readonly delimiter?: string;
  /** Bounds (default `CSV_LIMITS`); tests lower them. */
  readonly limits?: Partial<CsvLimits>;
}

/** A record's or the file's syntax problem. */
export interface CsvSyntaxIssue {
  /** 1-based physical line: where the record starts, or where the unclosed quote opened. */
  readonly line: number;
  /** 1-based position of the field concerned in its record; 0 for the record as a whole. */
  readonly field: number;
  /**
   * `unclosed-quote`, `record-too-large` (fatal); `malformed-quotes`, `nul-character`,
   * `field-too-long`, `too-many-fields` (the record's).
   */
  readonly code: string;
  readonly message: string;
}

/**
 * Receives each record: its fields (a new array, the receiver's to keep), the line it starts on,
 * and its syntax problem (then the fields are best effort). Returns false to stop reading.
 */
export type CsvRecordSink = (fields: string[], line: number, issue: CsvSyntaxIssue | null) => boolean;

const QUOTE = 34;
const LINE_FEED = 10;
const CARRIAGE_RETURN = 13;
/** Returned by `readRecord` when the text ends before the record does. */
const INCOMPLETE = -1;

export class CsvTokenizer {
  /** The fatal problem that stopped the reading, if any (records before it were delivered). */
  failure: CsvSyntaxIssue | null = null;
  /** Records delivered so far. */
  records = 0;
  private readonly sink: CsvRecordSink;
  private readonly delimiter: string;
  private readonly delimiterCode: number;
  private readonly limits: CsvLimits;
  /** The unfinished record carried over from the last chunk, and the line it starts on. */
  private pending = '';
  private line = 1;
  private stopped = false;
  // The current record, filled by `readRecord`.
  private fields: string[] = [];
  private fieldCount = 0;
  private issue: CsvSyntaxIssue | null = null;
  private recordLines = 0;
  // Forward-only search positions in the current text (−1 = not searched yet, `length` = none left).
  private text = '';
  private nextQuote = -1;
  private nextDelimiter = -1;
  private nextNul = -1;

  constructor(sink: CsvRecordSink, options: CsvTokenizerOptions = {}) {
    const delimiter = options.delimiter ?? ',';
    if (delimiter.length !== 1 || /["\r\n\0]/u.test(delimiter)) {
      throw new InvalidInputError(
        `the delimiter must be one character other than a quote, a line break or NUL (got ${JSON.stringify(delimiter)})`,
      );
    }
    this.sink = sink;
    this.delimiter = delimiter;
    this.delimiterCode = delimiter.charCodeAt(0);
    this.limits = { ...CSV_LIMITS, ...options.limits };
  }

  /** Whether reading has stopped (a fatal problem, or the sink said so). */
  get done(): boolean {
    return this.stopped;
  }

  /** Tokenizes `chunk` after what came before. Returns false once reading has stopped. */
  write(chunk: string): boolean {
    if (!this.stopped) this.run(this.pending.length === 0 ? chunk : this.pending + chunk, false);
    return !this.stopped;
  }

  /** The end of the text: the last record may lack its line break. Returns false if reading stopped early. */
  end(): boolean {
    if (!this.stopped) this.run(this.pending, true);
    this.pending = '';
    const early = this.stopped;
    this.stopped = true;
    return !early;
  }

  private run(text: string, final: boolean): void {
    this.text = text;
    this.nextQuote = this.nextDelimiter = this.nextNul = -1;
    const length = text.length;
    let position = 0;
    while (position < length) {
      const code = text.charCodeAt(position);
      // Blank lines (LF, CRLF, or a CR at the very end) are not records.
      if (code === LINE_FEED) {
        position++;
        this.line++;
        continue;
      }
      if (code === CARRIAGE_RETURN) {
        if (position + 1 === length) {
          if (!final) break;
          position++;
          continue;
        }
        if (text.charCodeAt(position + 1) === LINE_FEED) {
          position += 2;
          this.line++;
          continue;
        }
      }
      const end = this.readRecord(position, final);
      if (end === INCOMPLETE || this.stopped) break;
      if (end - position > this.limits.maxRecordChars) {
        this.fail(this.tooLarge(this.line));
        return;
      }
      if (this.nextNul < end) this.nulIn(position, end);
      const line = this.line;
      this.line += this.recordLines;
      position = end;
      this.records++;
      const fields = this.fields;
      const issue = this.issue;
      this.fields = [];
      if (!this.sink(fields, line, issue)) {
        this.stopped = true;
        return;
      }
    }
    if (this.stopped) return;
    this.pending = position === 0 ? text : text.slice(position);
    this.text = '';
    if (this.pending.length > this.limits.maxRecordChars) this.fail(this.tooLarge(this.line));
  }

  /**
   * Reads the record starting at `start` into `fields`, `issue`, `recordLines`; returns the position
   * after its line break (or the end of the text), or `INCOMPLETE`.
   */
  private readRecord(start: number, final: boolean): number {
    const text = this.text;
    const length = text.length;
    if (this.fields.length > 0) this.fields = []; // left by an attempt that met the text's end
    this.fieldCount = 0;
    this.issue = null;
    this.recordLines = 0;
    let lineEnd = text.indexOf('\n', start);
    if (lineEnd === -1) {
      if (!final) return INCOMPLETE;
      lineEnd = length;
    }
    if (this.nextQuote < start) this.nextQuote = positionOf(text, '"', start);
    if (this.nextQuote >= lineEnd) {
      // No quote on this line (the usual case): split it at the delimiters.
      let end = lineEnd;
      if (end > start && text.charCodeAt(end - 1) === CARRIAGE_RETURN) end--;
      let position = start;
      for (;;) {
        if (this.nextDelimiter < position) this.nextDelimiter = positionOf(text, this.delimiter, position);
        const delimiter = this.nextDelimiter;
        if (delimiter >= end) {
          this.push(text.slice(position, end));
          break;
        }
        this.push(text.slice(position, delimiter));
        position = delimiter + 1;
      }
      if (lineEnd < length) this.recordLines = 1;
      this.checkCount();
      return lineEnd < length ? lineEnd + 1 : length;
    }
    return this.readQuotedRecord(start, final);
  }

  /** `readRecord` for a line with a quote somewhere: field by field. */
  private readQuotedRecord(start: number, final: boolean): number {
    const text = this.text;
    const length = text.length;
    const delimiterCode = this.delimiterCode;
    let position = start;
    for (;;) {
      if (position < length && text.charCodeAt(position) === QUOTE) {
        // A quoted field: up to the quote not followed by another.
        let close = position + 1;
        let doubled = false;
        for (;;) {
          close = text.indexOf('"', close);
          if (close === -1) {
            if (!final) return this.incompleteQuote(start, position);
            this.fail({
              line: this.line + countLineFeeds(text, start, position),
              field: this.fieldCount + 1,
              code: 'unclosed-quote',
              message: 'a quoted field opened on this line is never closed',
            });
            return INCOMPLETE;
          }
          if (close + 1 === length && !final) return this.incompleteQuote(start, position);
          if (text.charCodeAt(close + 1) !== QUOTE) break;
          doubled = true;
          close += 2;
        }
        let value = text.slice(position + 1, close);
        if (doubled) value = value.replaceAll('""', '"');
        this.recordLines += countLineFeeds(text, position + 1, close);
        position = close + 1;
        if (position === length) {
          if (!final) return INCOMPLETE;
          this.push(value);
          break;
        }
        const code = text.charCodeAt(position);
        if (code === delimiterCode) {
          this.push(value);
          position++;
          continue;
        }
        if (code === LINE_FEED) {
          this.push(value);
          this.recordLines++;
          position++;
          break;
        }
        if (code === CARRIAGE_RETURN) {
          if (position + 1 === length) {
            if (!final) return INCOMPLETE;
            this.push(value);
            position++;
            break;
          }
          if (text.charCodeAt(position + 1) === LINE_FEED) {
            this.push(value);
            this.recordLines++;
            position += 2;
            break;
          }
        }
        // Text after the closing quote: the record is malformed; read on to the field's end.
        this.issue ??= {
          line: this.line,
          field: this.fieldCount + 1,
          code: 'malformed-quotes',
          message: `a closing quote must be followed by "${printable(this.delimiter)}" or the end of the line`,
        };
        const end = this.unquotedEnd(position, final);
        if (end === INCOMPLETE) return INCOMPLETE;
        this.push(value + text.slice(position, end));
        position = end;
      } else {
        const end = this.unquotedEnd(position, final);
        if (end === INCOMPLETE) return INCOMPLETE;
        const code = end < length ? text.charCodeAt(end) : LINE_FEED;
        const valueEnd =
          code === LINE_FEED && end > position && text.charCodeAt(end - 1) === CARRIAGE_RETURN
            ? end - 1
            : end;
        this.push(text.slice(position, valueEnd));
        position = end;
      }
      // `position` is at the delimiter, the line feed, or the end of the text.
      if (position >= length) break;
      if (text.charCodeAt(position) === LINE_FEED) {
        this.recordLines++;
        position++;
        break;
      }
      position++; // past the delimiter
    }
    this.checkCount();
    return position;
  }

  /** End of an unquoted field starting at `position`: its delimiter, line feed, or the text's end. */
  private unquotedEnd(position: number, final: boolean): number {
    const text = this.text;
    if (this.nextDelimiter < position) this.nextDelimiter = positionOf(text, this.delimiter, position);
    let lineFeed = text.indexOf('\n', position);
    if (lineFeed === -1) lineFeed = text.length;
    const end = Math.min(this.nextDelimiter, lineFeed);
    if (end === text.length && !final) return INCOMPLETE;
    return end;
  }

  /** An unfinished quoted field at the end of a chunk: too long to wait for is an unclosed quote. */
  private incompleteQuote(start: number, quote: number): number {
    if (this.text.length - start > this.limits.maxRecordChars) {
      this.fail({
        line: this.line + countLineFeeds(this.text, start, quote),
        field: this.fieldCount + 1,
        code: 'unclosed-quote',
        message: `a quoted field opened on this line is not closed within ${formatCount(this.limits.maxRecordChars)} characters (the longest record read)`,
      });
    }
    return INCOMPLETE;
  }

  private push(value: string): void {
    const count = ++this.fieldCount;
    if (count <= this.limits.maxFields) this.fields.push(value);
    if (value.length > this.limits.maxFieldChars && this.issue === null) {
      this.issue = {
        line: this.line,
        field: count,
        code: 'field-too-long',
        message: `the field has ${formatCount(value.length)} characters, more than the limit of ${formatCount(this.limits.maxFieldChars)}`,
      };
    }
  }

  private checkCount(): void {
    if (this.fieldCount > this.limits.maxFields) {
      this.issue = {
        line: this.line,
        field: 0,
        code: 'too-many-fields',
        message: `the record has ${formatCount(this.fieldCount)} fields, more than the limit of ${formatCount(this.limits.maxFields)}`,
      };
    }
  }

  /** A NUL character in `[start, end)`: the record's problem, on the field that holds it. */
  private nulIn(start: number, end: number): void {
    this.nextNul = positionOf(this.text, '\0', start);
    if (this.nextNul >= end) return;
    const field = this.fields.findIndex((value) => value.includes('\0'));
    this.issue ??= {
      line: this.line + countLineFeeds(this.text, start, this.nextNul),
      field: field + 1,
      code: 'nul-character',
      message:
        'the field contains a NUL character (U+0000), which cannot be stored (a file saved as UTF-16 is full of them: save it as UTF-8)',
    };
    this.nextNul = positionOf(this.text, '\0', end);
  }

  private tooLarge(line: number): CsvSyntaxIssue {
    return {
      line,
      field: 0,
      code: 'record-too-large',
      message: `the record starting on this line is longer than ${formatCount(this.limits.maxRecordChars)} characters, the limit (a line break missing, or a quote left open?)`,
    };
  }

  private fail(issue: CsvSyntaxIssue): void {
    this.failure = issue;
    this.stopped = true;
    this.pending = '';
    this.text = '';
  }
}

/** `text.indexOf(search, from)`, or `text.length` when absent. */
function positionOf(text: string, search: string, from: number): number {
  const found = text.indexOf(search, from);
  return found === -1 ? text.length : found;
}

/** Line feeds in `text[from, to)`. */
function countLineFeeds(text: string, from: number, to: number): number {
  let count = 0;
  let position = text.indexOf('\n', from);
  while (position !== -1 && position < to) {
    count++;
    position = text.indexOf('\n', position + 1);
  }
  return count;
}

/** A delimiter as people read it in a message. */
function printable(delimiter: string): string {
  return delimiter === '\t' ? '\\t (tab)' : delimiter;
}
