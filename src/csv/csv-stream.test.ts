/**
 * `streamCsv` reads a file through one reused 1 MiB buffer. Nothing may keep a view of a chunk
 * past the next read: a file of several MiB whose multi-byte characters and quoted fields straddle
 * the chunk ends must give back exactly the records it was written from.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { streamCsv } from './csv-stream.js';

const directory = mkdtempSync(join(tmpdir(), 'retain-csv-stream-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('streamCsv over a file larger than its buffer', () => {
  it('gives back every record, byte for byte, whatever falls on a chunk end', async () => {
    // Rows of varying length (a prime step), so the 1 MiB chunk ends land in every kind of place:
    // inside 2-, 3- and 4-byte characters, inside quotes, on a line end.
    const rows: string[][] = [];
    for (let index = 0; index < 60_000; index++) {
      const text = `${'名前'.repeat(index % 37)}-é-😀-${'x'.repeat(index % 5)}`;
      rows.push([`id-${index}`, index % 3 === 0 ? `"${text}, ""quoted"""` : text, String(index * 7)]);
    }
    const expected = rows.map(([id, text, number]) => [
      id!,
      text!.startsWith('"') ? text!.slice(1, -1).replaceAll('""', '"') : text!,
      number!,
    ]);
    const path = join(directory, 'wide.csv');
    const body = `id,text,number\n${rows.map((row) => row.join(',')).join('\n')}\n`;
    writeFileSync(path, body);
    expect(Buffer.byteLength(body)).toBeGreaterThan(6 * 1024 * 1024);

    const read: string[][] = [];
    const outcome = await streamCsv(path, {
      header: () => true,
      row: (fields) => {
        read.push([...fields]);
        return true;
      },
    });
    expect(outcome).toMatchObject({ status: 'read', records: rows.length });
    expect(read).toEqual(expected);
  });
});
