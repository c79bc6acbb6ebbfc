import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateApiKey, authenticateSession, login } from '../../src/auth/index.js';
import { hashPassword } from '../../src/auth/password.js';
import {
  type Database,
  type DatabaseConnection,
  fromJson,
  hashSecret,
  migrateToLatest,
  newId,
  TABLES_IN_DEPENDENCY_ORDER,
  toJson,
} from '../../src/db/index.js';
import { findWorkspaceByWriteKey } from '../../src/workspaces/workspace.repository.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { openStoreAtMigration } from '../support/db/store-at-migration.js';

const T0 = Date.UTC(2026, 0, 1);
const NOW = T0 + 86_400_000;
const PASSWORD = 'correct horse battery staple';

// biome-ignore lint/suspicious/noExplicitAny: the store is at migration 002, whose tables are not typed any more.
type OldDb = Kysely<any>;

/** What was written before the migration for one workspace, by natural key. */
interface Seeded {
  readonly slug: string;
  readonly writeKey: string;
  readonly sessionToken: string;
  readonly apiKey: string;
  readonly email: string;
  readonly ids: Record<string, string>;
}

/** Writes one workspace's rows at migration 002 (text ids, made in creation order). */
async function seedWorkspace(
  db: OldDb,
  label: string,
  offset: number,
  passwordHash: string,
): Promise<Seeded> {
  let tick = T0 + offset;
  const id = () => newId((tick += 1_000));
  const ws = id();
  const ids: Record<string, string> = { workspace: ws };
  const writeKey = `wk_${label}_${newId()}`;
  const slug = `shop-${label}`;
  await db
    .insertInto('workspace')
    .values({
      id: ws,
      name: `Shop ${label}`,
      slug,
      settings: toJson({ timeZone: 'Europe/Paris', currency: 'EUR' }),
      write_key_hash: hashSecret(writeKey),
      write_key_prefix: writeKey.slice(0, 12),
      created_at: tick,
      updated_at: tick,
    })
    .execute();
  const email = `owner-${label}@example.com`;
  for (const [key, role, hash] of [
    ['owner', 'owner', passwordHash],
    ['analyst', 'analyst', null],
  ] as const) {
    ids[key] = id();
    await db
      .insertInto('app_user')
      .values({
        workspace_id: ws,
        id: ids[key],
        email: key === 'owner' ? email : `analyst-${label}@example.com`,
        name: key,
        password_hash: hash,
        role,
        created_at: tick,
        updated_at: tick,
        last_login_at: null,
        disabled_at: null,
      })
      .execute();
  }
  const sessionToken = `session-token-${label}-${newId()}`;
  await db
    .insertInto('session')
    .values({
      workspace_id: ws,
      id: hashSecret(sessionToken),
      user_id: ids.owner,
      created_at: NOW - 1_000,
      expires_at: NOW + 86_400_000,
      last_seen_at: NOW - 1_000,
      ip: '203.0.113.7',
      user_agent: 'vitest',
    })
    .execute();
  const apiKey = `rk_${label === 'a' ? '0000000a' : '0000000b'}_${'k'.repeat(43)}`;
  ids.key = id();
  await db
    .insertInto('api_key')
    .values({
      workspace_id: ws,
      id: ids.key,
      name: 'ETL',
      key_hash: hashSecret(apiKey),
      key_prefix: apiKey.slice(0, 11),
      scopes: toJson(['role:admin']),
      created_by: ids.owner,
      created_at: tick,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  for (const customer of ['c1', 'c2', 'c3']) {
    ids[customer] = id();
    await db
      .insertInto('customer')
      .values({
        workspace_id: ws,
        id: ids[customer],
        external_id: `${customer}-${label}`,
        email: `${customer}@example.com`,
        attributes: toJson({ tier: customer }),
        created_at: tick,
        updated_at: tick,
      })
      .execute();
  }
  for (const [order, customer] of [
    ['o1', 'c1'],
    ['o2', 'c2'],
  ] as const) {
    ids[order] = id();
    await db
      .insertInto('customer_order')
      .values({
        workspace_id: ws,
        id: ids[order],
        external_id: `${order}-${label}`,
        customer_id: ids[customer],
        ordered_at: tick,
        currency: 'EUR',
        amount_cents: 12_345,
        status: 'completed',
        source: 'csv',
        created_at: tick,
        updated_at: tick,
      })
      .execute();
  }
  // Eleven lines on o1: ids `<o1>:1` … `<o1>:11`, whose text order is not their line order.
  for (let line = 11; line >= 1; line--) {
    await db
      .insertInto('order_item')
      .values({
        workspace_id: ws,
        id: `${ids.o1}:${line}`,
        order_id: ids.o1,
        product_id: `p${line}`,
        product_name: `Product ${line}`,
        category: null,
        quantity: line,
        unit_price_cents: 100 * line,
      })
      .execute();
  }
  ids.r1 = id();
  await db
    .insertInto('refund')
    .values({
      workspace_id: ws,
      id: ids.r1,
      external_id: `r1-${label}`,
      order_id: ids.o1,
      customer_id: ids.c1,
      refunded_at: tick,
      currency: 'EUR',
      amount_cents: 500,
      reason: 'broken',
      created_at: tick,
    })
    .execute();
  ids.s1 = id();
  await db
    .insertInto('subscription')
    .values({
      workspace_id: ws,
      id: ids.s1,
      external_id: `s1-${label}`,
      customer_id: ids.c2,
      plan: 'pro',
      interval: 'month',
      interval_count: 1,
      amount_cents: 900,
      currency: 'EUR',
      status: 'active',
      started_at: tick,
      created_at: tick,
      updated_at: tick,
    })
    .execute();
  for (const [event, customer] of [
    ['e1', 'c1'],
    ['e2', null],
  ] as const) {
    ids[event] = id();
    await db
      .insertInto('event')
      .values({
        workspace_id: ws,
        id: ids[event],
        message_id: `${event}-${label}`,
        customer_id: customer === null ? null : ids[customer],
        user_id: customer === null ? null : `${customer}-${label}`,
        anonymous_id: 'anon-1',
        name: 'Order Completed',
        properties: toJson({ revenue: 12.5 }),
        occurred_at: tick,
        received_at: tick,
      })
      .execute();
  }
  ids.job = id();
  ids.run = id();
  await db
    .insertInto('job')
    .values({
      workspace_id: ws,
      id: ids.job,
      type: 'import.run',
      payload: toJson({ importId: ids.run, path: `/tmp/${ids.run}.csv` }),
      status: 'queued',
      attempts: 0,
      max_attempts: 5,
      run_at: tick,
      idempotency_key: `import:${ids.run}`,
      created_at: tick,
      updated_at: tick,
    })
    .execute();
  await db
    .insertInto('import_run')
    .values({
      workspace_id: ws,
      id: ids.run,
      type: 'orders',
      format: 'generic',
      file_name: 'orders.csv',
      fingerprint: null,
      skip_invalid: 0,
      status: 'queued',
      problems: toJson([]),
      job_id: ids.job,
      created_by: ids.owner,
      created_at: tick,
      updated_at: tick,
    })
    .execute();
  const audit: [
    actorType: string,
    actor: string | null | undefined,
    entity: string,
    entityId: string | undefined,
  ][] = [
    ['user', ids.owner, 'customer', ids.c1],
    ['api_key', ids.key, 'api_key', ids.key],
    ['system', null, 'import_run', ids.run],
    ['system', null, 'workspace', ws],
  ];
  for (const [index, [actorType, actor, entity, entityId]] of audit.entries()) {
    ids[`audit${index}`] = id();
    await db
      .insertInto('audit_log')
      .values({
        workspace_id: ws,
        id: ids[`audit${index}`],
        actor_type: actorType,
        actor_id: actor ?? null,
        action: `${entity}.touched`,
        entity,
        entity_id: entityId,
        details: toJson({ index }),
        at: tick,
      })
      .execute();
  }
  return { slug, writeKey, sessionToken, apiKey, email, ids };
}

/** The tables of a store at migration 002 (later migrations add their own, empty here). */
const TABLES_AT_002 = TABLES_IN_DEPENDENCY_ORDER.slice(
  0,
  TABLES_IN_DEPENDENCY_ORDER.indexOf('import_run') + 1,
);

async function countRows(db: OldDb): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES_AT_002) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.count);
  }
  return counts;
}

for (const dialect of TEST_DIALECTS) {
  describe(`migration 003 carries a store at 002 over [${dialect}]`, () => {
    let connection: DatabaseConnection;
    let cleanup: () => Promise<void>;
    const seeded: Seeded[] = [];
    let before: Record<string, number>;

    beforeAll(async () => {
      ({ connection, cleanup } = await openStoreAtMigration(dialect, '002_imports'));
      const db = connection.db as OldDb;
      const passwordHash = await hashPassword(PASSWORD);
      // Workspace b's rows are older than a's: new ids follow creation order across workspaces.
      seeded.push(await seedWorkspace(db, 'a', 10_000_000, passwordHash));
      seeded.push(await seedWorkspace(db, 'b', 0, passwordHash));
      before = await countRows(db);
      expect((await migrateToLatest(connection.db))[0]).toBe('003_integer_keys');
    }, 60_000);

    afterAll(async () => {
      await connection.close();
      await cleanup();
    });

    /** The new id of the row of `table` whose natural key column `column` is `value`. */
    async function idBy(table: keyof Database, column: string, value: string): Promise<number> {
      const row = await (connection.db as OldDb)
        .selectFrom(table)
        .select('id')
        .where(column, '=', value)
        .executeTakeFirstOrThrow();
      expect(typeof row.id).toBe('number');
      return row.id as number;
    }

    it('keeps every row of every table', async () => {
      expect(await countRows(connection.db as OldDb)).toEqual(before);
      expect(before.order_item).toBe(22);
      expect(before.audit_log).toBe(8);
    });

    it('numbers rows in their old creation order, every id an integer', async () => {
      const db = connection.db;
      const workspaces = await db.selectFrom('workspace').select(['id', 'slug']).orderBy('id').execute();
      expect(workspaces.map((workspace) => workspace.slug)).toEqual(['shop-b', 'shop-a']);
      const customers = await db.selectFrom('customer').select(['id', 'external_id']).orderBy('id').execute();
      expect(customers.map((customer) => customer.external_id)).toEqual([
        'c1-b',
        'c2-b',
        'c3-b',
        'c1-a',
        'c2-a',
        'c3-a',
      ]);
      // Tables keyed without an `id` (the session by its token's hash, segment memberships by
      // segment and customer, data-version slots, stored answers, settings and balances by their
      // workspace or customer) have no surrogate key to check.
      const withId = new Set(
        (await db.introspection.getTables())
          .filter((table) => table.columns.some((column) => column.name === 'id'))
          .map((table) => table.name),
      );
      for (const table of TABLES_IN_DEPENDENCY_ORDER) {
        if (table === 'session' || !withId.has(table)) continue;
        const key = table === 'workspace' ? 'id' : 'workspace_id';
        const rows = await (db as OldDb)
          .selectFrom(table)
          .select(['id', `${key} as owner`])
          .execute();
        for (const row of rows) {
          expect(Number.isSafeInteger(row.id) && row.id > 0, `${table}.id ${row.id}`).toBe(true);
          expect(typeof row.owner, `${table}.${key}`).toBe('number');
        }
      }
    });

    it('keeps every relation: orders, lines, refunds, subscriptions, events, sessions, keys, imports, jobs, audit', async () => {
      const db = connection.db;
      for (const { slug, ids } of seeded) {
        const label = slug.slice(-1);
        const workspaceId = await idBy('workspace', 'slug', slug);
        const customer = (name: string) => idBy('customer', 'external_id', `${name}-${label}`);
        const owner = await idBy('app_user', 'email', `owner-${label}@example.com`);
        const orders = await db
          .selectFrom('customer_order as o')
          .innerJoin('customer as c', (join) =>
            join.onRef('c.workspace_id', '=', 'o.workspace_id').onRef('c.id', '=', 'o.customer_id'),
          )
          .select(['o.id', 'o.external_id', 'c.external_id as customer', 'o.amount_cents'])
          .where('o.workspace_id', '=', workspaceId)
          .orderBy('o.external_id')
          .execute();
        expect(orders.map((order) => [order.external_id, order.customer, order.amount_cents])).toEqual([
          [`o1-${label}`, `c1-${label}`, 12_345],
          [`o2-${label}`, `c2-${label}`, 12_345],
        ]);
        const o1 = orders[0]!.id;
        const lines = await db
          .selectFrom('order_item')
          .select(['line', 'product_id', 'quantity', 'unit_price_cents'])
          .where('workspace_id', '=', workspaceId)
          .where('order_id', '=', o1)
          .orderBy('line')
          .execute();
        // Line n of the old `<order id>:<n>` keeps n (not its text order: ':10' < ':2').
        expect(lines).toEqual(
          Array.from({ length: 11 }, (_, index) => ({
            line: index + 1,
            product_id: `p${index + 1}`,
            quantity: index + 1,
            unit_price_cents: 100 * (index + 1),
          })),
        );
        const refund = await db
          .selectFrom('refund')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .executeTakeFirstOrThrow();
        expect([refund.order_id, refund.customer_id, refund.reason]).toEqual([
          o1,
          await customer('c1'),
          'broken',
        ]);
        const subscription = await db
          .selectFrom('subscription')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .executeTakeFirstOrThrow();
        expect(subscription.customer_id).toBe(await customer('c2'));
        const events = await db
          .selectFrom('event')
          .select(['message_id', 'customer_id'])
          .where('workspace_id', '=', workspaceId)
          .orderBy('message_id')
          .execute();
        expect(events).toEqual([
          { message_id: `e1-${label}`, customer_id: await customer('c1') },
          { message_id: `e2-${label}`, customer_id: null },
        ]);
        const session = await db
          .selectFrom('session')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .executeTakeFirstOrThrow();
        expect(session.user_id).toBe(owner);
        const key = await db
          .selectFrom('api_key')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .executeTakeFirstOrThrow();
        expect(key.created_by).toBe(owner);
        const run = await (db as OldDb)
          .selectFrom('import_run')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .executeTakeFirstOrThrow();
        const job = await db
          .selectFrom('job')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .executeTakeFirstOrThrow();
        expect([run.job_id, run.created_by]).toEqual([job.id, owner]);
        // The queued job names its run by the run's new id, so the worker still finds it.
        expect(fromJson<{ importId: unknown; path: string }>(job.payload)).toEqual({
          importId: run.id,
          path: `/tmp/${ids.run}.csv`,
        });
        const audit = await db
          .selectFrom('audit_log')
          .select(['actor_type', 'actor_id', 'entity', 'entity_id', 'details'])
          .where('workspace_id', '=', workspaceId)
          .orderBy('id')
          .execute();
        expect(
          audit.map((entry) => [entry.actor_type, entry.actor_id, entry.entity, entry.entity_id]),
        ).toEqual([
          ['user', String(owner), 'customer', String(await customer('c1'))],
          ['api_key', String(key.id), 'api_key', String(key.id)],
          ['system', null, 'import_run', String(run.id)],
          ['system', null, 'workspace', String(workspaceId)],
        ]);
        expect(audit.map((entry) => fromJson<{ index: number }>(entry.details).index)).toEqual([0, 1, 2, 3]);
      }
    });

    it('still accepts the logins, session cookies, API keys and write keys made before it', async () => {
      const db = connection.db;
      for (const { slug, email, sessionToken, apiKey, writeKey } of seeded) {
        const workspaceId = await idBy('workspace', 'slug', slug);
        const owner = await idBy('app_user', 'email', email);
        const loggedIn = await login(db, { workspace: slug, email, password: PASSWORD, now: NOW });
        expect([loggedIn.workspace.id, loggedIn.user.id]).toEqual([workspaceId, owner]);
        const byId = await login(db, { workspace: String(workspaceId), email, password: PASSWORD, now: NOW });
        expect(byId.user.id).toBe(owner);
        await expect(
          login(db, { workspace: slug, email, password: 'wrong password!', now: NOW }),
        ).rejects.toMatchObject({
          code: 'unauthenticated',
        });
        const session = await authenticateSession(db, sessionToken, NOW);
        expect(session?.auth).toMatchObject({ workspaceId, userId: owner, role: 'owner', via: 'session' });
        const key = await authenticateApiKey(db, apiKey, NOW);
        expect(key).toMatchObject({
          workspaceId,
          role: 'admin',
          apiKeyId: await idBy('api_key', 'key_hash', hashSecret(apiKey)),
        });
        expect((await findWorkspaceByWriteKey(db, writeKey))?.id).toBe(workspaceId);
      }
    });

    it('allocates new ids after the carried-over ones', async () => {
      const db = connection.db;
      for (const table of ['workspace', 'customer', 'customer_order', 'audit_log'] as const) {
        const highest = await (db as OldDb)
          .selectFrom(table)
          .select((eb) => eb.fn.max('id').as('id'))
          .executeTakeFirstOrThrow();
        expect(Number(highest.id), table).toBeGreaterThan(0);
      }
      const workspaceId = await idBy('workspace', 'slug', 'shop-a');
      const highest = await db
        .selectFrom('customer')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirstOrThrow();
      const added = await db
        .insertInto('customer')
        .values({ workspace_id: workspaceId, external_id: 'after-003', created_at: NOW, updated_at: NOW })
        .returning('id')
        .executeTakeFirstOrThrow();
      expect(added.id).toBeGreaterThan(Number(highest.id));
    });
  });
}
