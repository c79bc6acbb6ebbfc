/**
 * The three installed CSV parsers, each streaming the same file in its quote-capable streaming
 * mode, counting rows and touching one field per row (so no parser can skip the field work).
 * Each returns the number of data rows (header excluded).
 */
import { createReadStream } from 'node:fs';
import { parse as csvParse } from 'csv-parse';
import Papa from 'papaparse';
import { inferSchema, initParser, type Parser } from 'udsv';
import { CsvTokenizer } from '../../src/csv/csv-tokenizer.js';
import { ChunkDecoder } from '../../src/csv/text-decoding.js';

export interface ParserRun {
  readonly rows: number;
  /** Sum of the lengths of the last field, so the work cannot be optimised away. */
  readonly checksum: number;
}

const CHUNK_BYTES = 1 << 20;

/** uDSV: incremental `parser.chunk` with a non-accumulating row callback, quotes enabled. */
export async function runUdsv(path: string): Promise<ParserRun> {
  let parser: Parser | null = null;
  let rows = 0;
  let checksum = 0;
  const onRow = (row: string[]): void => {
    rows++;
    checksum += row[4]!.length;
  };
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: CHUNK_BYTES })) {
    const text = chunk as string;
    parser ??= initParser(inferSchema(text, { col: ',', encl: '"' }));
    parser.chunk(text, parser.stringArrs, onRow);
  }
  parser?.end();
  return { rows, checksum };
}

/**
 * Retain's own strict reader (`CsvTokenizer` over `ChunkDecoder`: what every import and every
 * record-by-record read runs): bytes decoded with the UTF-8 check, records refused on any fault.
 */
export async function runStrict(path: string): Promise<ParserRun> {
  let rows = -1;
  let checksum = 0;
  const decoder = new ChunkDecoder('utf-8');
  const tokenizer = new CsvTokenizer((fields) => {
    if (++rows > 0) checksum += fields[4]!.length;
    return true;
  });
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
    tokenizer.write(decoder.decode(chunk as Buffer));
  }
  tokenizer.write(decoder.end());
  tokenizer.end();
  if (tokenizer.failure !== null) throw new Error(tokenizer.failure.message);
  return { rows, checksum };
}

/** Papa Parse on a Node stream with a `chunk` callback; `fastMode: false` forces its quote-aware scanner. */
export function runPapa(path: string, fastMode: boolean | undefined): Promise<ParserRun> {
  return new Promise((resolve, reject) => {
    let rows = -1; // the header is a row for Papa when header: false
    let checksum = 0;
    let header = true;
    Papa.parse<string[]>(createReadStream(path, { encoding: 'utf8', highWaterMark: CHUNK_BYTES }), {
      delimiter: ',',
      newline: '\n',
      quoteChar: '"',
      skipEmptyLines: true,
      ...(fastMode === undefined ? {} : { fastMode }),
      chunk: (results) => {
        const data = results.data;
        for (let index = 0; index < data.length; index++) {
          rows++;
          if (header) header = false;
          else checksum += data[index]![4]?.length ?? 0;
        }
      },
      complete: () => resolve({ rows, checksum }),
      error: (error: Error) => reject(error),
    });
  });
}

/** csv-parse's stream API (a Transform emitting one array per record). */
export async function runCsvParse(path: string): Promise<ParserRun> {
  let rows = -1;
  let checksum = 0;
  const parser = createReadStream(path, { highWaterMark: CHUNK_BYTES }).pipe(
    csvParse({ delimiter: ',', quote: '"' }),
  );
  for await (const record of parser) {
    if (++rows > 0) checksum += (record as string[])[4]!.length;
  }
  return { rows, checksum };
}
