/**
 * `retain migrate-data`: a SQLite store with two workspaces' data is copied into a fresh
 * PostgreSQL schema; counts and rows match, a second run is refused without --force and changes
 * nothing with it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/cli-error.js';
import { migrateData } from '../../src/cli/commands/migrate-data.run.js';
import { fromJson, migrateToLatest, openDatabase, toJson } from '../../src/db/index.js';
import { createWorkspace } from '../../src/workspaces/workspace.repository.js';
import { createTestSchema, dropTestSchema, postgresUrlForSchema } from '../support/db/postgres-schema.js';

const NOW = Date.UTC(2026, 0, 1);
let directory: string;
let sourceUrl: string;
let schema: string;
let targetUrl: string;
const workspaceIds: number[] = [];

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'retain-migrate-'));
  sourceUrl = `sqlite:${join(directory, 'retain.db')}`;
  schema = await createTestSchema();
  targetUrl = postgresUrlForSchema(schema);
  const source = openDatabase(sourceUrl);
  await migrateToLatest(source.db);
  for (const slug of ['first', 'second']) {
    const { workspace } = await createWorkspace(source.db, {
      name: slug,
      slug,
      settings: { timeZone: 'Europe/Paris' },
    });
    workspaceIds.push(workspace.id);
    // 1 200 customers with one order each: more than two 500-row batches per table.
    const customers = Array.from({ length: 1200 }, (_, index) => ({
      workspace_id: workspace.id,
      external_id: `${slug}-${index}`,
      email: `${slug}-${index}@example.com`,
      name: null,
      phone: null,
      language: null,
      country: index % 2 === 0 ? 'FR' : 'US',
      time_zone: null,
      attributes: toJson({ plan: index % 3 === 0 ? 'pro' : 'free' }),
      consent_email_marketing: (index % 2) as 0 | 1,
      consent_updated_at: null,
      signed_up_at: null,
      created_at: NOW,
      updated_at: NOW,
      erased_at: null,
    }));
    for (let start = 0; start < customers.length; start += 400) {
      await source.db
        .insertInto('customer')
        .values(customers.slice(start, start + 400))
        .execute();
    }
    const stored = await source.db
      .selectFrom('customer')
      .select(['id', 'external_id'])
      .where('workspace_id', '=', workspace.id)
      .execute();
    const idOf = new Map(stored.map((row) => [row.external_id, row.id]));
    const orders = customers.map((customer, index) => ({
      workspace_id: workspace.id,
      external_id: null,
      customer_id: idOf.get(customer.external_id)!,
      ordered_at: NOW - index * 3_600_000,
      currency: 'EUR',
      amount_cents: 1000 + index,
      source: 'csv',
      created_at: NOW,
      updated_at: NOW,
    }));
    for (let start = 0; start < orders.length; start += 400) {
      await source.db
        .insertInto('customer_order')
        .values(orders.slice(start, start + 400))
        .execute();
    }
  }
  await source.close();
}, 60_000);

afterAll(async () => {
  await dropTestSchema(schema);
  rmSync(directory, { recursive: true, force: true });
});

describe('retain migrate-data', () => {
  it('copies every table into a fresh PostgreSQL schema with equal counts and identical rows', async () => {
    const lines: string[] = [];
    const counts = await migrateData({ from: sourceUrl, to: targetUrl, log: (line) => lines.push(line) });
    const byTable = Object.fromEntries(counts.map((count) => [count.table, count]));
    // 2 workspaces × 1 200 customers, each with one order (inserted above).
    expect(byTable.workspace).toEqual({ table: 'workspace', source: 2, target: 2 });
    expect(byTable.customer).toEqual({ table: 'customer', source: 2400, target: 2400 });
    expect(byTable.customer_order).toEqual({ table: 'customer_order', source: 2400, target: 2400 });
    expect(lines.at(-1)).toContain('verified');

    const source = openDatabase(sourceUrl);
    const target = openDatabase(targetUrl);
    try {
      for (const workspaceId of workspaceIds) {
        const pick = (db: typeof source.db) =>
          db
            .selectFrom('customer')
            .selectAll()
            .where('workspace_id', '=', workspaceId)
            .orderBy('id')
            .limit(3)
            .execute();
        const [left, right] = [await pick(source.db), await pick(target.db)];
        expect(right.map((row) => ({ ...row, attributes: fromJson(row.attributes) }))).toEqual(
          left.map((row) => ({ ...row, attributes: fromJson(row.attributes) })),
        );
      }
      const settings = await target.db.selectFrom('workspace').select('settings').executeTakeFirstOrThrow();
      expect(fromJson(settings.settings)).toEqual({ timeZone: 'Europe/Paris' });
      // Ids allocated on the target after the copy follow the copied ones (identities advanced).
      const added = await target.db
        .insertInto('customer')
        .values({
          workspace_id: workspaceIds[0]!,
          external_id: 'after-copy',
          created_at: NOW,
          updated_at: NOW,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const highest = await source.db
        .selectFrom('customer')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirstOrThrow();
      expect(added.id).toBeGreaterThan(Number(highest.id));
      await target.db.deleteFrom('customer').where('external_id', '=', 'after-copy').execute();
    } finally {
      await source.close();
      await target.close();
    }
  }, 120_000);

  it('refuses a non-empty target without --force, and a forced re-run changes no count', async () => {
    await expect(migrateData({ from: sourceUrl, to: targetUrl, log: () => {} })).rejects.toBeInstanceOf(
      CliError,
    );
    const counts = await migrateData({ from: sourceUrl, to: targetUrl, force: true, log: () => {} });
    for (const count of counts) expect(count.target).toBe(count.source);
    expect(counts.find((count) => count.table === 'customer')?.target).toBe(2400);
  }, 120_000);
});
