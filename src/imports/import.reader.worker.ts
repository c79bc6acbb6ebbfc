/**
 * The worker thread of `readBatchesInWorker`: reads and encodes pass 2 of an order import and
 * posts its events to the main thread, holding back while `ahead` batches are not yet written
 * (the main thread sends `'credit'` as it takes each batch). Loads no store or HTTP code.
 */
import { parentPort } from 'node:worker_threads';
import { type BatchEvent, type BatchReading, readBatches } from './import.batches.js';

const port = parentPort;
if (port === null) throw new Error('import.reader.worker runs in a worker thread');

let credits = 0;
let wake: (() => void) | null = null;

port.on('message', (message: 'credit' | { reading: BatchReading; ahead: number }) => {
  if (message === 'credit') {
    credits++;
    wake?.();
    return;
  }
  credits = message.ahead;
  void run(message.reading);
});

async function run(reading: BatchReading): Promise<void> {
  await readBatches(
    reading,
    async (event: BatchEvent) => {
      if (event.kind === 'batch') {
        while (credits === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = null;
        }
        credits--;
      }
      port!.postMessage({ event });
    },
    (read, total) => port!.postMessage({ bytes: [read, total] }),
  );
  port!.close();
}
