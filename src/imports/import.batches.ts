/**
 * Pass 2 of an import, the reading side: the file's valid records in batches (after the resume
 * checkpoint), its invalid records (for the rejects file), then the end — as a stream of events
 * the writer consumes in file order. Order batches are encoded here for their statements
 * (`encodeOrderBatch`), so when this runs in a worker thread (`import.reader.worker.ts`, for large
 * files) the main thread receives text and only writes; other record types travel as objects.
 *
 * Events leave after each chunk of the file is parsed, and the reading pauses while the consumer
 * holds `ahead` batches not yet written (backpressure: memory stays a few batches, each bounded by
 * records and by characters, plus at most `MAX_KNOWN_CUSTOMERS` customer ids).
 */
import type { Worker } from 'node:worker_threads';
import type { CsvReadOptions } from '../csv/index.js';
import {
  type BatchEncoding,
  type EncodedOrderBatch,
  OrderBatchEncoder,
  type OrderBatchRecord,
} from '../customers/order-batch-rows.js';
import { startWorkerModule } from '../runtime/index.js';
import { layoutFor } from './import.layouts.js';
import { type LayoutOptions, type RecordProblem, readRecords } from './import.record-reader.js';
import type { ImportFormat, ImportType, OrderRecord } from './import.types.js';

/** What pass 2 reads, and how. */
export interface BatchReading {
  readonly path: string;
  readonly type: ImportType;
  readonly format: ImportFormat;
  readonly layoutOptions: LayoutOptions;
  /** The file's encoding and delimiter (as pass 1 read it; the dialect is `layoutOptions.dialect`). */
  readonly read: CsvReadOptions;
  /** Records up to this number are committed already (a resumed run): not read again. */
  readonly checkpoint: number;
  readonly batchSize: number;
  /** Orders only: encode each batch for its statements (`json` SQLite, `copy` PostgreSQL). */
  readonly encoding: BatchEncoding | null;
  /** Bounds (default `MAX_BATCH_CHARACTERS`, `MAX_KNOWN_CUSTOMERS`); tests lower them. */
  readonly limits?: { readonly batchCharacters?: number; readonly knownCustomers?: number } | undefined;
}

export type BatchEvent =
  | {
      readonly kind: 'batch';
      /** The last CSV record of the batch: the checkpoint once it commits. */
      readonly lastRecord: number;
      /** Records in the batch. */
      readonly count: number;
      /** The records, unless encoded. */
      readonly records: readonly unknown[] | null;
      readonly encoded: EncodedOrderBatch | null;
    }
  | {
      readonly kind: 'invalid';
      readonly problems: readonly RecordProblem[];
      readonly first: number;
      readonly last: number;
      readonly lines: readonly (readonly string[])[];
    }
  | { readonly kind: 'skipped'; readonly first: number }
  | {
      readonly kind: 'end';
      readonly status: 'read' | 'header-invalid' | 'unreadable';
      readonly records: number;
      readonly bytesRead: number;
      readonly totalBytes: number;
    };

/**
 * A batch closes at `batchSize` records (fewer for the first ones: `FIRST_BATCH_RECORDS`) or once
 * its records' fields hold this many characters, whichever comes first: wide rows (long product
 * names, many columns) would otherwise make a batch of 50,000 records, its encoded text and the
 * statement's copy of it hundreds of MB.
 */
export const MAX_BATCH_CHARACTERS = 16 * 1024 * 1024;

/**
 * The first batch holds at most this many records, and each next one twice as many as the one
 * before, up to `batchSize`: the writer starts after a few milliseconds of parsing instead of a
 * whole batch's (while the file is still being checked, these batches share one transaction, so
 * they add no commit).
 */
export const FIRST_BATCH_RECORDS = 2_048;

/**
 * Customer ids the reader remembers as already sent to the writer (each is sent once per run
 * below this bound; the set is emptied when it reaches it, so it never grows with the file).
 */
export const MAX_KNOWN_CUSTOMERS = 500_000;

/** The order record as the order batch statements take it. */
export function toBatchRecord(order: OrderRecord): OrderBatchRecord {
  return {
    externalId: order.externalId,
    customerExternalId: order.customer.externalId,
    customerEmail: order.customer.email,
    orderedAt: order.orderedAt,
    currency: order.currency,
    amountCents: order.amountCents,
    status: order.status,
    source: order.source,
    items: order.items,
    refund:
      order.refundedCents > 0
        ? { refundedAt: order.refundedAt ?? order.orderedAt, amountCents: order.refundedCents }
        : null,
  };
}

/**
 * Reads `reading.path` once and hands every event to `emit`, in file order; a promise `emit`
 * returns is awaited before reading on (after the current chunk). Progress goes to `onBytes`.
 * O(file size); memory: a batch and one chunk's events.
 */
export async function readBatches(
  reading: BatchReading,
  emit: (event: BatchEvent) => void | Promise<void>,
  onBytes?: (bytesRead: number, totalBytes: number) => void,
  /** True once the consumer gave up (a failed write): the reading stops at the next record. */
  stopped: () => boolean = () => false,
): Promise<void> {
  const layout = layoutFor(reading.type, reading.format);
  if (layout === undefined) throw new Error(`No layout for ${reading.type} ${reading.format}`);
  const knownCustomers = new Set<string>();
  const maxCharacters = reading.limits?.batchCharacters ?? MAX_BATCH_CHARACTERS;
  const maxKnownCustomers = reading.limits?.knownCustomers ?? MAX_KNOWN_CUSTOMERS;
  const pending: BatchEvent[] = [];
  // Orders are encoded as they are read (`OrderBatchEncoder`): the batch holds their text, not
  // the records. Other types keep their records for their writer.
  const encoder = reading.encoding === null ? null : new OrderBatchEncoder(reading.encoding);
  let batch: unknown[] = [];
  let batchCount = 0;
  let batchLimit = Math.min(FIRST_BATCH_RECORDS, reading.batchSize);
  let batchCharacters = 0;
  let lastRecord = 0;
  let bytes = { read: 0, total: 0 };
  const closeBatch = (): void => {
    if (batchCount === 0) return;
    const records = batch;
    const count = batchCount;
    batch = [];
    batchCount = 0;
    batchCharacters = 0;
    batchLimit = Math.min(batchLimit * 2, reading.batchSize);
    // Past the bound, customers are sent again (`on conflict do nothing`): a little more work for
    // the writer, instead of a set that grows with the file.
    if (knownCustomers.size >= maxKnownCustomers) knownCustomers.clear();
    const encoded = encoder === null ? null : encoder.finish(knownCustomers);
    pending.push({
      kind: 'batch',
      lastRecord,
      count,
      records: encoded === null ? records : null,
      encoded,
    });
  };
  const flush = async (): Promise<void> => {
    while (pending.length > 0) {
      const waiting = emit(pending.shift()!);
      if (waiting !== undefined) await waiting;
    }
  };
  const result = await readRecords(
    reading.path,
    layout,
    reading.layoutOptions,
    {
      record: (record, _first, last, lines) => {
        lastRecord = last;
        if (last <= reading.checkpoint) return; // committed before a crash
        if (encoder === null) batch.push(record);
        else encoder.add(toBatchRecord(record as OrderRecord));
        batchCount++;
        for (const line of lines) for (const field of line) batchCharacters += field.length;
        if (batchCount >= batchLimit || batchCharacters >= maxCharacters) closeBatch();
      },
      invalid: (problems, first, last, lines) => {
        lastRecord = last;
        pending.push({ kind: 'invalid', problems, first, last, lines });
      },
      skipped: (_reason, first) => {
        pending.push({ kind: 'skipped', first });
      },
      shouldContinue: () => !stopped(),
    },
    (read, total) => {
      bytes = { read, total };
      onBytes?.(read, total);
      return pending.length === 0 ? undefined : flush();
    },
    reading.read,
  );
  closeBatch();
  await flush();
  await emit({
    kind: 'end',
    status: result.status,
    records: result.status === 'read' ? result.records : 0,
    bytesRead: bytes.read,
    totalBytes: bytes.total,
  });
}

/**
 * Pass 2's events as an async iterable, from this thread or from a worker thread. At most
 * `ahead` batches wait for the consumer; `close()` stops the reading (a failed write).
 */
export interface BatchSource extends AsyncIterable<BatchEvent> {
  close(): Promise<void>;
}

/**
 * The reader thread's heap bounds. Left to itself, V8 let the thread's heap grow to several hundred
 * MB of garbage on a 250 MB file, since nothing urged it to collect (docs/benchmarks.md, import
 * memory); what it holds live is a batch of records, its encoded text and the customers seen.
 */
const READER_HEAP_LIMITS = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 16 };

/** Batches waiting for the consumer before the reader pauses. */
const AHEAD = 3;

/** A queue of events, read in order by one consumer; `push` resolves when there is room. */
class EventQueue {
  readonly #events: BatchEvent[] = [];
  #wake: (() => void) | null = null;
  #room: (() => void) | null = null;
  #failure: { error: unknown } | null = null;
  #batches = 0;
  closed = false;

  push(event: BatchEvent): Promise<void> | undefined {
    this.#events.push(event);
    if (event.kind === 'batch') this.#batches++;
    this.#wake?.();
    if (this.#batches < AHEAD || this.closed) return undefined;
    return new Promise((resolve) => {
      this.#room = resolve;
    });
  }

  fail(error: unknown): void {
    this.#failure = { error };
    this.#wake?.();
  }

  async *drain(onTaken: (event: BatchEvent) => void): AsyncGenerator<BatchEvent> {
    for (;;) {
      const event = this.#events.shift();
      if (event === undefined) {
        if (this.#failure !== null) throw this.#failure.error;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = null;
        continue;
      }
      if (event.kind === 'batch') {
        this.#batches--;
        const room = this.#room;
        this.#room = null;
        room?.();
      }
      onTaken(event);
      yield event;
      if (event.kind === 'end') return;
    }
  }
}

/**
 * Reads pass 2 on this thread, interleaved with the consumer's writes (small files, and every
 * type but orders: their records are objects, which would cost more to send than to write).
 */
export function readBatchesHere(
  reading: BatchReading,
  onBytes?: (bytesRead: number, totalBytes: number) => void,
): BatchSource {
  const queue = new EventQueue();
  const reader = readBatches(
    reading,
    (event) => (queue.closed ? undefined : queue.push(event)),
    onBytes,
    () => queue.closed,
  ).catch((error: unknown) => queue.fail(error));
  return {
    [Symbol.asyncIterator]: () => queue.drain(() => undefined),
    close: async () => {
      queue.closed = true;
      await reader;
    },
  };
}

/**
 * Reads pass 2 in a worker thread (`import.reader.worker.ts`): parsing and encoding overlap the
 * main thread's writes. Orders only (`reading.encoding` set): batches arrive as text.
 */
export function readBatchesInWorker(
  reading: BatchReading,
  onBytes?: (bytesRead: number, totalBytes: number) => void,
): BatchSource {
  const queue = new EventQueue();
  const worker: Worker = startWorkerModule('./import.reader.worker', import.meta.url, {
    resourceLimits: READER_HEAP_LIMITS,
  });
  worker.postMessage({ reading, ahead: AHEAD });
  worker.on('message', (message: { bytes?: [number, number]; event?: BatchEvent }) => {
    if (message.bytes !== undefined) onBytes?.(message.bytes[0], message.bytes[1]);
    if (message.event !== undefined) void queue.push(message.event);
  });
  worker.on('error', (error) => queue.fail(error));
  worker.on('exit', (code) => {
    if (code !== 0 && !queue.closed)
      queue.fail(new Error(`The import reader thread stopped (exit code ${code})`));
  });
  return {
    [Symbol.asyncIterator]: () =>
      queue.drain((event) => {
        if (event.kind === 'batch') worker.postMessage('credit');
      }),
    close: async () => {
      queue.closed = true;
      await worker.terminate();
    },
  };
}
