import { CompiledQuery, type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseConnection, migrateToLatest, toJson } from '../../src/db/index.js';
import { latestIdQuery } from '../../src/flows/flow.repository.js';
import { activateFlow, createFlow } from '../../src/flows/index.js';
import { TEST_DIALECTS } from '../support/databases.js';
import { openStoreAtMigration } from '../support/db/store-at-migration.js';

const T0 = Date.UTC(2026, 0, 1);
const ACTOR = { type: 'system' } as const;

// biome-ignore lint/suspicious/noExplicitAny: the store is at migration 019, before today's types.
type OldDb = Kysely<any>;

for (const dialect of TEST_DIALECTS) {
  describe(`migration 020: segment_event in id order per workspace [${dialect}]`, () => {
    let connection: DatabaseConnection;
    let cleanup: () => Promise<void>;
    const workspaces: number[] = [];
    const segments: number[] = [];
    const eventIds: number[][] = [[], []];

    beforeAll(async () => {
      ({ connection, cleanup } = await openStoreAtMigration(dialect, '019_survey_answer_events'));
      const db = connection.db as OldDb;

      const customers: number[] = [];
      for (const slug of ['shop-a-020', 'shop-b-020']) {
        const workspace = await db
          .insertInto('workspace')
          .values({
            name: slug,
            slug,
            settings: toJson({ timeZone: 'UTC' }),
            write_key_hash: `hash-${slug}`,
            write_key_prefix: `wk_${slug}`,
            created_at: T0,
            updated_at: T0,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const workspaceId = Number(workspace.id);
        workspaces.push(workspaceId);
        const customer = await db
          .insertInto('customer')
          .values({
            workspace_id: workspaceId,
            external_id: 'ann',
            consent_email_marketing: 1,
            created_at: T0,
            updated_at: T0,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        customers.push(Number(customer.id));
        const segment = await db
          .insertInto('segment')
          .values({
            workspace_id: workspaceId,
            name: 'Buyers',
            rule: toJson({ all: [{ field: 'orders_count', op: '>=', value: 1 }] }),
            created_at: T0,
            updated_at: T0,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        segments.push(Number(segment.id));
      }
      // Interleaved, as two workspaces' recomputes write them: A, B, A, B, A (B's last id is not A's).
      for (const [index, owner] of [0, 1, 0, 1, 0].entries()) {
        const row = await db
          .insertInto('segment_event')
          .values({
            workspace_id: workspaces[owner],
            segment_id: segments[owner],
            customer_id: customers[owner],
            kind: index < 2 ? 'entered' : 'exited',
            at: T0 + index,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        eventIds[owner]!.push(Number(row.id));
      }
      expect(await migrateToLatest(connection.db)).toContain('020_segment_event_workspace_id');
    }, 60_000);

    afterAll(async () => {
      await connection.close();
      await cleanup();
    });

    it('keeps every event, and a flow activated starts after its own workspace’s latest one', async () => {
      const db = connection.db;
      for (const [owner, workspaceId] of workspaces.entries()) {
        const rows = await db
          .selectFrom('segment_event')
          .select('id')
          .where('workspace_id', '=', workspaceId)
          .orderBy('id')
          .execute();
        expect(rows.map((row) => Number(row.id))).toEqual(eventIds[owner]);
        const flow = await createFlow(db, {
          workspaceId,
          name: 'Welcome buyers',
          definition: {
            holdoutPercent: 0,
            trigger: { type: 'segment_entered', segmentId: String(segments[owner]) },
            steps: [{ type: 'send_email', subject: 'Hi', html: 'h' }],
          },
          createdBy: null,
          actor: ACTOR,
          now: T0,
          checkTemplate: () => ({ ok: true as const }),
        });
        const active = await activateFlow(db, { workspaceId, id: flow.id, actor: ACTOR, now: T0 });
        expect(active.cursor).toBe(eventIds[owner]!.at(-1));
      }
    });

    it.runIf(dialect === 'sqlite')('finds the latest id with one seek of (workspace_id, id)', async () => {
      const query = latestIdQuery(connection.db, workspaces[0]!, 'segment_event').compile();
      const plan = await connection.db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]),
      );
      const details = plan.rows.map((row) => row.detail).join('; ');
      expect(details).toContain('COVERING INDEX segment_event_workspace_id_key');
      expect(details).not.toContain('TEMP B-TREE');
      // Unique, like every key led by workspace_id.
      const unique = await sql<{ name: string; unique: number }>`
        select name, "unique" from pragma_index_list('segment_event')
        where name = 'segment_event_workspace_id_key'`.execute(connection.db);
      expect(unique.rows).toEqual([{ name: 'segment_event_workspace_id_key', unique: 1 }]);
    });
  });
}
