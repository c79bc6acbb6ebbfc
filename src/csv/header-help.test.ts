import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../../test/support/fixtures.js';
import { sampleRecords } from './dialect.js';
import { closestColumn, listColumns, mapExample } from './header-help.js';

/** The 79 columns of Shopify's orders export (test/fixtures/exports/shopify-orders.csv). */
const SHOPIFY_HEADER = sampleRecords(
  readFileSync(fixturePath('exports/shopify-orders.csv'), 'utf8'),
  ',',
  1,
  false,
)[0]!;

describe('listColumns', () => {
  it('names six columns of a 79-column header and counts the rest', () => {
    expect(SHOPIFY_HEADER).toHaveLength(79);
    expect(listColumns(SHOPIFY_HEADER)).toBe(
      '"Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at" … and 73 more',
    );
    expect(listColumns(['a', ' b '])).toBe('"a", "b"');
  });
});

describe('closestColumn and mapExample', () => {
  it("map the generic fields onto a Shopify export's usual names", () => {
    // Shopify names the customer by "Email", the date "Created at", the revenue "Subtotal".
    expect(mapExample(['customer_id', 'order_id', 'ordered_at', 'amount'], SHOPIFY_HEADER, new Set())).toBe(
      '--map customer_id=Email,order_id=Name,ordered_at="Created at",amount=Subtotal',
    );
  });

  it('reads European and misspelt names, and gives a placeholder when nothing is close', () => {
    expect(closestColumn('amount', ['Bestellnummer', 'Kunde', 'Nettobetrag'])).toBe('Nettobetrag');
    expect(closestColumn('currency', ['Währung'])).toBe('Währung');
    expect(closestColumn('amount', ['Ammount'])).toBe('Ammount');
    expect(closestColumn('customer_id', ['customerid'])).toBe('customerid');
    expect(closestColumn('amount', ['sku', 'colour'])).toBeNull();
    // A column already bound to another field is not offered twice.
    expect(mapExample(['customer_id', 'email'], ['Email', 'x'], new Set())).toBe(
      '--map customer_id=Email,email=<column>',
    );
    expect(mapExample(['customer_id'], ['Email', 'Customer'], new Set([1]))).toBe('--map customer_id=Email');
  });
});
