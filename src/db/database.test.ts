import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { DEFAULT_DATABASE_URL, openDatabase, parseDatabaseUrl } from './database.js';
import { dialectOf, fromFlag, fromJson, isUniqueViolation, toFlag, toJson } from './dialect.js';
import { newId } from './ids.js';
import { migrateToLatest } from './migrate.js';

describe('parseDatabaseUrl', () => {
  it('reads the SQLite forms', () => {
    expect(parseDatabaseUrl(DEFAULT_DATABASE_URL)).toEqual({ dialect: 'sqlite', path: './data/retain.db' });
    expect(parseDatabaseUrl('sqlite:///var/lib/retain.db')).toEqual({
      dialect: 'sqlite',
      path: '/var/lib/retain.db',
    });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ dialect: 'sqlite', path: ':memory:' });
  });

  it('reads PostgreSQL URLs and takes ?schema= out of the driver URL', () => {
    expect(parseDatabaseUrl('postgres://u@h:5432/db')).toEqual({
      dialect: 'postgres',
      connectionString: 'postgres://u@h:5432/db',
    });
    expect(parseDatabaseUrl('postgresql://u@h/db?schema=tenant_a&sslmode=disable')).toEqual({
      dialect: 'postgres',
      connectionString: 'postgresql://u@h/db?sslmode=disable',
      schema: 'tenant_a',
    });
  });

  it('rejects other schemes without echoing a password', () => {
    expect(() => parseDatabaseUrl('mysql://root:hunter2@h/db')).toThrow(
      /Unsupported DATABASE_URL "mysql:\/\/root:\*\*\*@h\/db"/,
    );
    expect(() => parseDatabaseUrl('sqlite:')).toThrow(/names no file/);
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => openDatabase('postgres://u@127.0.0.1/db', { schema: 'a; drop table x' })).toThrow(
      /Invalid PostgreSQL schema name/,
    );
  });
});

describe('openDatabase on a SQLite file', () => {
  const directory = mkdtempSync(join(tmpdir(), 'retain-open-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('creates the directory and turns on WAL, foreign keys and the busy timeout', async () => {
    const path = join(directory, 'nested', 'deeper', 'retain.db');
    const connection = openDatabase(`sqlite:${path}`);
    try {
      expect(existsSync(join(directory, 'nested', 'deeper'))).toBe(true);
      expect(connection.dialect).toBe('sqlite');
      expect(dialectOf(connection.db)).toBe('sqlite');
      const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(connection.db);
      expect(journal.rows[0]?.journal_mode).toBe('wal');
      const foreignKeys = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(connection.db);
      expect(foreignKeys.rows[0]?.foreign_keys).toBe(1);
      const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(connection.db);
      expect(busy.rows[0]?.timeout).toBe(5000);
    } finally {
      await connection.close();
      await connection.close(); // idempotent
    }
  });

  it('backs up a live database into a file that opens with the same rows', async () => {
    const source = openDatabase(`sqlite:${join(directory, 'live.db')}`);
    await migrateToLatest(source.db);
    const { workspace } = await createWorkspace(source.db, { name: 'Backed up', slug: 'backed-up' });
    const copyPath = join(directory, 'backups', 'copy.db');
    await source.backup(copyPath);
    await source.close();
    const copy = openDatabase(`sqlite:${copyPath}`);
    try {
      const rows = await copy.db.selectFrom('workspace').select(['id', 'slug']).execute();
      expect(rows).toEqual([{ id: workspace.id, slug: 'backed-up' }]);
    } finally {
      await copy.close();
    }
  });

  it('uses DATABASE_URL when no URL is given', async () => {
    const previous = process.env.DATABASE_URL;
    process.env.DATABASE_URL = `sqlite:${join(directory, 'from-env', 'retain.db')}`;
    try {
      const connection = openDatabase();
      await connection.close();
      expect(existsSync(join(directory, 'from-env', 'retain.db'))).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = previous;
    }
  });
});

describe('dialect helpers', () => {
  it('round-trips JSON text and flags', () => {
    const value = { plan: 'pro', seats: 3, tags: ['a', 'b'], nested: { on: true, none: null } };
    expect(fromJson(toJson(value))).toEqual(value);
    expect(() => toJson(undefined)).toThrow(TypeError);
    expect([toFlag(true), toFlag(false), fromFlag(1), fromFlag(0)]).toEqual([1, 0, true, false]);
  });

  it('makes time-ordered UUIDv7 ids', () => {
    // 2^40 ms = 0x010000000000: the first 48 bits are 01 00 00 00 00 00, then version nibble 7 and
    // variant bits 10xx (RFC 9562 §5.7).
    const id = newId(2 ** 40);
    expect(id).toMatch(/^01000000-0000-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newId(1_000) < newId(2_000)).toBe(true);
  });
});

describeEachDatabase('dialect conventions', (getDb) => {
  it('returns BIGINT epoch milliseconds and cents as exact JS numbers', async () => {
    const { db } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'Big', slug: `big-${newId()}` });
    // 2^53 − 1 cents: the largest amount that must survive the round trip exactly.
    const largestSafe = Number.MAX_SAFE_INTEGER;
    const { id: customerId } = await db
      .insertInto('customer')
      .values({ workspace_id: workspace.id, created_at: 1_700_000_000_123, updated_at: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(typeof customerId).toBe('number');
    await db
      .insertInto('customer_order')
      .values({
        workspace_id: workspace.id,
        customer_id: customerId,
        ordered_at: 1_700_000_000_123,
        currency: 'EUR',
        amount_cents: largestSafe,
        created_at: 0,
        updated_at: 0,
      })
      .execute();
    const order = await db
      .selectFrom('customer_order')
      .select(['ordered_at', 'amount_cents'])
      .where('workspace_id', '=', workspace.id)
      .executeTakeFirstOrThrow();
    expect(order).toEqual({ ordered_at: 1_700_000_000_123, amount_cents: largestSafe });
    expect(typeof order.amount_cents).toBe('number');

    // COUNT(*) is BIGINT and SUM(bigint) is NUMERIC on PostgreSQL: both must come back as numbers.
    const totals = await db
      .selectFrom('customer_order')
      .select((eb) => [eb.fn.countAll<number>().as('orders'), eb.fn.sum<number>('amount_cents').as('total')])
      .where('workspace_id', '=', workspace.id)
      .executeTakeFirstOrThrow();
    expect(totals).toEqual({ orders: 1, total: largestSafe });
  });

  it('stores JSON documents and reads them back as text for fromJson', async () => {
    const { db } = getDb();
    const { workspace } = await createWorkspace(db, { name: 'Json', slug: `json-${newId()}` });
    // A JSON string as the whole document is the case that breaks drivers which parse JSONB.
    const documents = [{ a: 1, b: [true, null, 'x'] }, 'just a string', [1, 2, 3]];
    for (const [index, document] of documents.entries()) {
      await db
        .insertInto('audit_log')
        .values({
          workspace_id: workspace.id,
          actor_type: 'system',
          action: 'test',
          details: toJson(document) as never,
          at: index,
        })
        .execute();
    }
    const rows = await db
      .selectFrom('audit_log')
      .select(['details'])
      .where('workspace_id', '=', workspace.id)
      .orderBy('at')
      .execute();
    expect(rows.map((row) => typeof row.details)).toEqual(['string', 'string', 'string']);
    expect(rows.map((row) => fromJson(row.details))).toEqual(documents);
  });

  it('reports unique violations the same way on both engines', async () => {
    const { db } = getDb();
    const slug = `dup-${newId()}`;
    await createWorkspace(db, { name: 'One', slug });
    const error = await createWorkspace(db, { name: 'Two', slug }).catch((caught: unknown) => caught);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('runs migrations once: a second migrateToLatest does nothing', async () => {
    const { db } = getDb();
    expect(await migrateToLatest(db)).toEqual([]);
  });
});
