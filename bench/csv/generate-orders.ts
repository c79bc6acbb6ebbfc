/**
 * Writes the seeded benchmark file of generic order rows
 * (`customer_id,order_id,ordered_at,amount,country`) under bench/.data/, once: a later run with the
 * same row count and seed reuses it. The file is gitignored; it is ~60 bytes a row.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dataDir = join(dirname(fileURLToPath(import.meta.url)), '..', '.data');

/** Mulberry32: a tiny seeded generator, so every run benchmarks the same bytes. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const COUNTRIES = ['US', 'FR', 'DE', 'GB', 'CA', 'ES', 'IT', 'NL', 'JP', 'BR'];

/**
 * Path of a generated orders file with `rows` data rows (generated on first use). Customers are
 * `rows / 5` ids drawn uniformly, timestamps spread over 2022–2024 in ascending order, amounts
 * 1.00–500.00 with two decimals.
 */
export async function generatedOrdersFile(rows: number, seed = 42): Promise<string> {
  const path = join(dataDir, `orders-${rows}-${seed}.csv`);
  if (existsSync(path) && statSync(path).size > 0) return path;
  mkdirSync(dirname(path), { recursive: true });
  const random = seededRandom(seed);
  const customers = Math.max(1, Math.floor(rows / 5));
  const start = Date.UTC(2022, 0, 1);
  const span = Date.UTC(2025, 0, 1) - start;
  const temporary = `${path}.partial`;
  const out = createWriteStream(temporary);
  let buffer = 'customer_id,order_id,ordered_at,amount,country\n';
  for (let row = 0; row < rows; row++) {
    const customer = Math.floor(random() * customers);
    const orderedAt = new Date(start + Math.floor((row / rows) * span) + Math.floor(random() * 60_000));
    const cents = 100 + Math.floor(random() * 49_901);
    const country = COUNTRIES[Math.floor(random() * COUNTRIES.length)]!;
    buffer += `cust-${customer.toString().padStart(8, '0')},ord-${row + 1},${orderedAt.toISOString().slice(0, 19)}Z,${Math.floor(cents / 100)}.${(cents % 100).toString().padStart(2, '0')},${country}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      buffer = '';
    }
  }
  out.write(buffer);
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  renameSync(temporary, path);
  return path;
}
