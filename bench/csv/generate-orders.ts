/**
 * Writes seeded benchmark files of generic order rows
 * (`customer_id,order_id,ordered_at,amount,country`) under bench/.data/, once: a later run with the
 * same parameters reuses the file. The files are gitignored; ~60–90 bytes a row depending on ids.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../src/core/index.js';

const dataDir = join(dirname(fileURLToPath(import.meta.url)), '..', '.data');

const COUNTRIES = ['US', 'FR', 'DE', 'GB', 'CA', 'ES', 'IT', 'NL', 'JP', 'BR'];
const FIRST_NAMES = [
  'ann',
  'ben',
  'cleo',
  'dan',
  'eve',
  'farid',
  'gina',
  'hugo',
  'ines',
  'jun',
  'kofi',
  'lea',
];
const DOMAINS = ['example.com', 'mail.example.org', 'shop.example.net'];

/** How customer ids look: `cust-00012345`, `1012345`, a UUID, or an e-mail address. */
export type IdKind = 'prefixed' | 'numeric' | 'uuid' | 'email';
export const ID_KINDS: readonly IdKind[] = ['prefixed', 'numeric', 'uuid', 'email'];

/** The id of customer number `customer` (distinct numbers give distinct ids for every kind). */
export function customerId(kind: IdKind, customer: number): string {
  switch (kind) {
    case 'prefixed':
      return `cust-${customer.toString().padStart(8, '0')}`;
    case 'numeric':
      return String(1_000_000 + customer);
    case 'uuid': {
      // Random-looking hex from a seeded generator, with the customer number in the last group so
      // that ids stay distinct.
      const random = seededRandom(customer * 2_654_435_761);
      const hex = (digits: number): string =>
        Array.from({ length: digits }, () => Math.floor(random() * 16).toString(16)).join('');
      return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${customer.toString(16).padStart(12, '0')}`;
    }
    case 'email':
      return `${FIRST_NAMES[customer % FIRST_NAMES.length]}.${Math.floor(customer / FIRST_NAMES.length)}@${DOMAINS[customer % DOMAINS.length]}`;
  }
}

export interface GenerateOptions {
  readonly seed?: number;
  readonly ids?: IdKind;
  /** Distinct customers drawn uniformly; default `rows / 5`. */
  readonly customers?: number;
}

/**
 * Path of a generated orders file with `rows` data rows (generated on first use): customers drawn
 * uniformly, timestamps spread over 2022–2024 in ascending order, amounts 1.00–500.00.
 */
export async function generatedOrdersFile(rows: number, options: GenerateOptions = {}): Promise<string> {
  const seed = options.seed ?? 42;
  const kind = options.ids ?? 'prefixed';
  const customers = Math.max(1, Math.floor(options.customers ?? rows / 5));
  const suffix = kind === 'prefixed' && options.customers === undefined ? '' : `-${kind}-${customers}`;
  const path = join(dataDir, `orders-${rows}-${seed}${suffix}.csv`);
  if (existsSync(path) && statSync(path).size > 0) return path;
  mkdirSync(dirname(path), { recursive: true });
  const random = seededRandom(seed);
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
    buffer += `${customerId(kind, customer)},ord-${row + 1},${orderedAt.toISOString().slice(0, 19)}Z,${Math.floor(cents / 100)}.${(cents % 100).toString().padStart(2, '0')},${country}\n`;
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
