import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseConnection, migrateToLatest, toJson } from '../../src/db/index.js';
import { type FlowEffects, runFlowTick } from '../../src/flows/index.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { openStoreAtMigration } from '../support/db/store-at-migration.js';

const T0 = Date.UTC(2026, 0, 1);

// biome-ignore lint/suspicious/noExplicitAny: the store is at migration 014, whose flow_trigger is not typed any more.
type OldDb = Kysely<any>;

const noEffects: FlowEffects = {
  sendEmail: async () => {
    throw new Error('no e-mail expected');
  },
  emailCounts: async () => ({
    sent: 0,
    delivered: 0,
    bounced: 0,
    opened: 0,
    clicked: 0,
    unsubscribed: 0,
    skipped: 0,
  }),
};

for (const dialect of TEST_DIALECTS) {
  describe(`migration 016: flow_trigger keeps the unread occurrences [${dialect}]`, () => {
    let connection: DatabaseConnection;
    let cleanup: () => Promise<void>;
    const ids: Record<string, number> = {};

    beforeAll(async () => {
      ({ connection, cleanup } = await openStoreAtMigration(dialect, '014_feedback'));
      const db = connection.db as OldDb;

      const workspace = await db
        .insertInto('workspace')
        .values({
          name: 'Shop',
          slug: 'shop-016',
          settings: toJson({ timeZone: 'UTC' }),
          write_key_hash: 'x',
          write_key_prefix: 'wk_x',
          created_at: T0,
          updated_at: T0,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const ws = Number(workspace.id);
      ids.workspace = ws;
      for (const name of ['ann', 'bob', 'cat', 'dan']) {
        const row = await db
          .insertInto('customer')
          .values({
            workspace_id: ws,
            external_id: name,
            consent_email_marketing: 1,
            created_at: T0,
            updated_at: T0,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        ids[name] = Number(row.id);
      }
      // Events 1–4 "Signed Up" (ann, bob, cat, dan), one "Browsed" (ann), each recorded as a trigger.
      const occurrences: [string, string][] = [
        ['ann', 'Signed Up'],
        ['bob', 'Signed Up'],
        ['ann', 'Browsed'],
        ['cat', 'Signed Up'],
        ['dan', 'Signed Up'],
      ];
      for (const [index, [customer, name]] of occurrences.entries()) {
        const event = await db
          .insertInto('event')
          .values({
            workspace_id: ws,
            message_id: `m${index}`,
            customer_id: ids[customer],
            user_id: customer,
            name,
            properties: toJson({}),
            occurred_at: T0 + index,
            received_at: T0 + index,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        ids[`event${index}`] = Number(event.id);
        const trigger = await db
          .insertInto('flow_trigger')
          .values({
            workspace_id: ws,
            customer_id: ids[customer],
            name,
            message_id: `m${index}`,
            occurred_at: T0 + index,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        ids[`trigger${index}`] = Number(trigger.id);
      }
      const definition = (event: string) =>
        toJson({
          trigger: { type: 'event', event },
          steps: [{ id: 'w', type: 'wait', duration: { days: 1 } }],
          reentry: { type: 'once' },
          exitWhen: null,
          holdoutPercent: 0,
          horizonDays: 30,
        });
      const flow = async (name: string, status: string, event: string, cursor: number) => {
        const row = await db
          .insertInto('flow')
          .values({
            workspace_id: ws,
            name,
            status,
            definition: definition(event),
            trigger_type: 'event',
            trigger_event: event,
            holdout_percent: 0,
            horizon_days: 30,
            cursor,
            activated_at: status === 'active' ? T0 : null,
            created_at: T0,
            updated_at: T0,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        ids[name] = Number(row.id);
      };
      // "ahead" read through bob's sign-up, "behind" through ann's; nobody reads "Browsed".
      await flow('ahead', 'active', 'Signed Up', ids.trigger1!);
      await flow('behind', 'active', 'Signed Up', ids.trigger0!);
      await flow('draft', 'draft', 'Signed Up', 0);
      expect(await migrateToLatest(connection.db)).toContain('016_flow_trigger_events');
    }, 60_000);

    afterAll(async () => {
      await connection.close();
      await cleanup();
    });

    it('keeps the occurrences an active flow had not read, as event ids, and converts the cursors', async () => {
      const db = connection.db;
      const rows = await db
        .selectFrom('flow_trigger')
        .selectAll()
        .where('workspace_id', '=', ids.workspace!)
        .orderBy('event_id')
        .execute();
      // bob's (unread by "behind"), cat's and dan's (unread by both); not ann's (read by both), not "Browsed".
      expect(rows.map((row) => Number(row.event_id))).toEqual([ids.event1, ids.event3, ids.event4]);
      const flows = await db
        .selectFrom('flow')
        .select(['name', 'cursor'])
        .where('workspace_id', '=', ids.workspace!)
        .execute();
      const cursors = Object.fromEntries(flows.map((flow) => [flow.name, Number(flow.cursor)]));
      expect(cursors).toEqual({ ahead: ids.event1, behind: ids.event0, draft: 0 });
    });

    it('a tick enters each flow’s unread customers once, and consumes the occurrences', async () => {
      const db = connection.db;
      const outcome = await runFlowTick(db, ids.workspace!, T0 + 10_000, noEffects);
      // ahead: cat, dan; behind: bob, cat, dan.
      expect(outcome.entered).toBe(5);
      const runs = await db
        .selectFrom('flow_run')
        .select(['flow_id', 'customer_id', 'entry_key'])
        .where('workspace_id', '=', ids.workspace!)
        .execute();
      const entrants = (flow: string) =>
        runs
          .filter((run) => Number(run.flow_id) === ids[flow])
          .map((run) => Number(run.customer_id))
          .sort((left, right) => left - right);
      expect(entrants('ahead')).toEqual([ids.cat, ids.dan]);
      expect(entrants('behind')).toEqual([ids.bob, ids.cat, ids.dan]);
      expect(runs.every((run) => run.entry_key.startsWith('track:'))).toBe(true);
      expect(
        await db.selectFrom('flow_trigger').selectAll().where('workspace_id', '=', ids.workspace!).execute(),
      ).toEqual([]);
    });
  });
}
