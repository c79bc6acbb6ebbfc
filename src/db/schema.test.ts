import { type Kysely, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { TEST_DATABASE_URL } from '../../test/support/db/postgres-schema.js';
import { createWorkspace } from '../workspaces/workspace.repository.js';
import { openDatabase } from './database.js';
import { fromJson, isForeignKeyViolation, isUniqueViolation, toJson } from './dialect.js';
import { newId } from './ids.js';
import type { Database } from './schema.js';
import { hashSecret } from './secret-hash.js';

const T0 = 1_700_000_000_000;

/**
 * The workspace-scoped tables with an allocated id. `segment_membership` is keyed by its segment
 * and customer instead (its keys and cascades are tested in src/segments); the keyed counters and
 * caches of migration 008 (`data_version`, `analytics_answer`) have none either, nor
 * `email_settings` (one row per workspace, keyed by it).
 */
type ScopedTable = Exclude<
  keyof Database,
  | 'workspace'
  | 'segment_membership'
  | 'data_version'
  | 'analytics_answer'
  | 'email_settings'
  | 'help_settings'
  // Loyalty's keyed rows (migration 012): per workspace, per customer, per request, per order.
  | 'loyalty_programme'
  | 'loyalty_account'
  | 'loyalty_request'
  | 'loyalty_order'
  | 'loyalty_coupon_customer'
  // Keyed by its order (migration 017).
  | 'loyalty_waiting_order'
  // A flow run's step record (migration 011): keyed by its run and step (tested in src/flows).
  | 'flow_run_step'
  // A flow trigger occurrence (migration 016): keyed by its event (tested in src/flows).
  | 'flow_trigger'
>;

/**
 * Explicit row ids for the sample rows, far above what the database allocates in these tests
 * (ids are integers the database allocates; a given id is stored as given).
 */
let lastSampleId = 1_000_000_000;
function sampleId(): number {
  lastSampleId += 1;
  return lastSampleId;
}

/** One complete row for every workspace-scoped table, in foreign-key order, all ids fresh. */
function sampleRows(workspaceId: number) {
  const ids = {
    user: sampleId(),
    customer: sampleId(),
    order: sampleId(),
    group: sampleId(),
    segment: sampleId(),
    flow: sampleId(),
    message: sampleId(),
    entry: sampleId(),
    reward: sampleId(),
    promotion: sampleId(),
    coupon: sampleId(),
    helpCategory: sampleId(),
    helpSection: sampleId(),
    helpArticle: sampleId(),
    survey: sampleId(),
    send: sampleId(),
    response: sampleId(),
  };
  return {
    ids,
    rows: {
      app_user: {
        workspace_id: workspaceId,
        id: ids.user,
        email: `owner-${ids.user}@example.com`,
        name: 'Olive Owner',
        password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
        role: 'owner',
        created_at: T0,
        updated_at: T0 + 1,
        last_login_at: T0 + 2,
        disabled_at: null,
      },
      session: {
        workspace_id: workspaceId,
        id: hashSecret(`token-${ids.user}`),
        user_id: ids.user,
        created_at: T0,
        expires_at: T0 + 86_400_000,
        last_seen_at: T0 + 5,
        ip: '203.0.113.7',
        user_agent: 'vitest',
      },
      session_grant: {
        workspace_id: workspaceId,
        id: sampleId(),
        session_id: hashSecret(`token-${ids.user}`),
        user_id: ids.user,
        created_at: T0,
        expires_at: T0 + 90 * 86_400_000,
      },
      api_key: {
        workspace_id: workspaceId,
        id: sampleId(),
        name: 'CI import',
        key_hash: hashSecret(`key-${ids.user}`),
        key_prefix: 'rk_live_ab12',
        scopes: toJson(['customers:read', 'orders:write']),
        created_by: ids.user,
        created_at: T0,
        last_used_at: null,
        revoked_at: T0 + 10,
      },
      customer: {
        workspace_id: workspaceId,
        id: ids.customer,
        external_id: `cus_${ids.customer}`,
        email: 'ana@example.com',
        name: 'Ana Ávila',
        phone: '+351 21 000 0000',
        language: 'pt-PT',
        country: 'PT',
        time_zone: 'Europe/Lisbon',
        attributes: toJson({ channel: 'referral', vip: true, score: 4.5 }),
        consent_email_marketing: 1,
        consent_sms_marketing: 0,
        consent_updated_at: T0 - 1,
        signed_up_at: T0 - 1_000,
        created_at: T0,
        updated_at: T0,
        erased_at: null,
      },
      customer_order: {
        workspace_id: workspaceId,
        id: ids.order,
        external_id: `ord_${ids.order}`,
        customer_id: ids.customer,
        ordered_at: T0 + 100,
        currency: 'EUR',
        amount_cents: 12_345,
        status: 'completed',
        source: 'csv',
        created_at: T0,
        updated_at: T0,
      },
      order_item: {
        workspace_id: workspaceId,
        id: sampleId(),
        order_id: ids.order,
        line: 1,
        product_id: 'sku-1',
        product_name: 'Coffee beans',
        category: 'coffee',
        quantity: 3,
        unit_price_cents: 4_115,
      },
      refund: {
        workspace_id: workspaceId,
        id: sampleId(),
        external_id: `re_${ids.order}`,
        order_id: ids.order,
        customer_id: ids.customer,
        refunded_at: T0 + 200,
        currency: 'EUR',
        amount_cents: 4_115,
        reason: 'damaged',
        created_at: T0 + 200,
      },
      subscription: {
        workspace_id: workspaceId,
        id: sampleId(),
        external_id: `sub_${ids.customer}`,
        customer_id: ids.customer,
        plan: 'pro',
        interval: 'month',
        interval_count: 3,
        amount_cents: 2_900,
        currency: 'EUR',
        status: 'past_due',
        trial_start: T0 - 2_000,
        trial_end: T0 - 1_000,
        started_at: T0 - 1_000,
        ended_at: null,
        cancelled_at: null,
        current_period_end: T0 + 5_000,
        past_due_since: T0 + 4_000,
        created_at: T0,
        updated_at: T0,
      },
      event: {
        workspace_id: workspaceId,
        id: sampleId(),
        message_id: `msg_${ids.customer}`,
        customer_id: ids.customer,
        user_id: `cus_${ids.customer}`,
        anonymous_id: 'anon-1',
        name: 'Order Completed',
        properties: toJson({ revenue: 123.45, products: [{ sku: 'sku-1' }] }),
        occurred_at: T0 + 100,
        received_at: T0 + 150,
      },
      job: {
        workspace_id: workspaceId,
        id: sampleId(),
        type: 'email.send',
        payload: toJson({ to: 'ana@example.com' }),
        status: 'queued',
        attempts: 0,
        max_attempts: 5,
        run_at: T0,
        locked_by: null,
        locked_until: null,
        last_error: null,
        idempotency_key: `welcome:${ids.customer}`,
        created_at: T0,
        updated_at: T0,
        finished_at: null,
      },
      audit_log: {
        workspace_id: workspaceId,
        id: sampleId(),
        actor_type: 'user',
        actor_id: String(ids.user),
        action: 'customer.updated',
        entity: 'customer',
        entity_id: String(ids.customer),
        details: toJson({ changed: ['email'] }),
        at: T0 + 300,
      },
      customer_group: {
        workspace_id: workspaceId,
        id: ids.group,
        external_id: `acme-${ids.group}`,
        name: 'Acme',
        traits: toJson({ name: 'Acme', employees: 120 }),
        created_at: T0,
        updated_at: T0 + 1,
      },
      customer_group_member: {
        workspace_id: workspaceId,
        id: sampleId(),
        group_id: ids.group,
        customer_id: ids.customer,
        created_at: T0,
        updated_at: T0 + 1,
      },
      customer_alias: {
        workspace_id: workspaceId,
        id: sampleId(),
        alias: `anon-${ids.customer}`,
        customer_id: ids.customer,
        created_at: T0,
      },
      erased_identity: {
        workspace_id: workspaceId,
        id: sampleId(),
        identity_hash: hashSecret(`erased-${ids.customer}`),
        erased_at: T0 + 400,
      },
      segment: {
        workspace_id: workspaceId,
        id: ids.segment,
        name: `Segment ${ids.segment}`,
        rule: toJson({ all: [{ field: 'country', op: '=', value: 'FR' }] }),
        version: 2,
        computed_version: 1,
        computed_at: T0 + 500,
        member_count: 1,
        created_by: ids.user,
        created_at: T0,
        updated_at: T0 + 1,
      },
      segment_event: {
        workspace_id: workspaceId,
        id: sampleId(),
        segment_id: ids.segment,
        customer_id: ids.customer,
        kind: 'entered',
        at: T0 + 500,
      },
      email_message: {
        workspace_id: workspaceId,
        id: ids.message,
        customer_id: ids.customer,
        dedupe_key: `flow:run-${ids.message}:step-1`,
        category: 'marketing',
        origin_kind: 'flow',
        origin_flow_id: '17',
        origin: toJson({ kind: 'flow', flowId: '17', runId: 'run', stepId: 'step-1' }),
        status: 'sent',
        skip_reason: null,
        to_address: 'ada@example.com',
        from_address: 'shop@example.com',
        subject: 'We miss you',
        html: '<p>Hi Ada</p>',
        text_body: 'Hi Ada',
        send_after: T0 + 600,
        attempts: 1,
        sending_until: null,
        sent_at: T0 + 601,
        smtp_message_id: `<${ids.message}.${workspaceId}.retain@example.com>`,
        smtp_response: '250 OK',
        last_error: null,
        opened_at: T0 + 700,
        clicked_at: T0 + 701,
        unsubscribed_at: null,
        created_at: T0 + 600,
        updated_at: T0 + 701,
      },
      email_suppression: {
        workspace_id: workspaceId,
        id: sampleId(),
        address_hash: hashSecret(`suppressed-${ids.customer}`),
        reason: 'hard_bounce',
        source: 'smtp',
        created_at: T0 + 800,
      },
      email_consent: {
        workspace_id: workspaceId,
        id: sampleId(),
        customer_id: ids.customer,
        granted: 0,
        source: 'one_click',
        message_id: ids.message,
        detail: null,
        at: T0 + 900,
      },
      loyalty_entry: {
        workspace_id: workspaceId,
        id: ids.entry,
        customer_id: ids.customer,
        kind: 'earn',
        points: 120,
        pending: 1,
        available_at: T0 + 30 * 86_400_000,
        reason: 'Order 1001',
        source: 'order',
        source_ref: '1001',
        order_id: ids.order,
        idempotency_key: `order:${ids.order}`,
        created_at: T0,
      },
      loyalty_tier_change: {
        workspace_id: workspaceId,
        id: sampleId(),
        customer_id: ids.customer,
        from_tier: null,
        to_tier: 'Gold',
        reason: 'threshold',
        at: T0,
      },
      loyalty_notice: {
        workspace_id: workspaceId,
        id: sampleId(),
        customer_id: ids.customer,
        kind: 'points_expiring',
        points: 40,
        due_at: T0 + 86_400_000,
        created_at: T0,
      },
      loyalty_reward: {
        workspace_id: workspaceId,
        id: ids.reward,
        name: '5 off',
        kind: 'fixed_discount',
        cost_points: 500,
        details: toJson({ amountCents: 500 }),
        tiers: toJson(['Gold']),
        stock: 10,
        claimed: 1,
        starts_at: T0,
        ends_at: T0 + 1000,
        active: 1,
        created_at: T0,
        updated_at: T0 + 1,
      },
      loyalty_reward_claim: {
        workspace_id: workspaceId,
        id: sampleId(),
        reward_id: ids.reward,
        customer_id: ids.customer,
        entry_id: ids.entry,
        coupon_code: 'ABCD-EFGH',
        created_at: T0,
      },
      loyalty_referral: {
        workspace_id: workspaceId,
        id: sampleId(),
        referrer_id: ids.customer,
        referred_id: ids.customer,
        status: 'pending',
        order_id: ids.order,
        created_at: T0,
        rewarded_at: null,
      },
      loyalty_promotion: {
        workspace_id: workspaceId,
        id: ids.promotion,
        name: `Spring ${ids.promotion}`,
        discount: toJson({ kind: 'percent', percent: 10 }),
        total_limit: 100,
        per_customer_limit: 1,
        uses: 1,
        minimum_order_cents: 2000,
        starts_at: T0,
        ends_at: T0 + 1000,
        created_at: T0,
      },
      loyalty_coupon: {
        workspace_id: workspaceId,
        id: ids.coupon,
        promotion_id: ids.promotion,
        customer_id: ids.customer,
        code: `CODE-${ids.coupon}`,
        max_uses: 1,
        uses: 1,
        expires_at: T0 + 1000,
        created_at: T0,
      },
      loyalty_coupon_redemption: {
        workspace_id: workspaceId,
        id: sampleId(),
        coupon_id: ids.coupon,
        customer_id: ids.customer,
        order_ref: '1001',
        order_amount_cents: 2500,
        created_at: T0,
      },
      help_category: {
        workspace_id: workspaceId,
        id: ids.helpCategory,
        slug: `billing-${ids.helpCategory}`,
        position: 1,
        translations: toJson({ en: { title: 'Billing' }, 'zh-CN': { title: '账单', description: '付款' } }),
        created_at: T0,
        updated_at: T0 + 1,
      },
      help_section: {
        workspace_id: workspaceId,
        id: ids.helpSection,
        category_id: ids.helpCategory,
        slug: `refunds-${ids.helpSection}`,
        position: 2,
        translations: toJson({ en: { title: 'Refunds' } }),
        created_at: T0,
        updated_at: T0 + 1,
      },
      help_article: {
        workspace_id: workspaceId,
        id: ids.helpArticle,
        section_id: ids.helpSection,
        group_key: `group-${ids.helpArticle}`,
        locale: 'en',
        slug: 'how-refunds-work',
        title: 'How refunds work',
        body: '**Refunds** take 5 days.',
        body_text: 'Refunds take 5 days.',
        status: 'published',
        position: 3,
        version: 2,
        published_at: T0 + 2,
        created_by: ids.user,
        updated_by: ids.user,
        created_at: T0,
        updated_at: T0 + 1,
      },
      help_article_revision: {
        workspace_id: workspaceId,
        id: sampleId(),
        article_id: ids.helpArticle,
        version: 1,
        locale: 'en',
        title: 'Refunds',
        body: 'Refunds take a week.',
        status: 'draft',
        created_by: ids.user,
        created_at: T0,
      },
      help_search: {
        workspace_id: workspaceId,
        id: sampleId(),
        query: 'refund',
        locale: 'en',
        result_count: 1,
        at: T0 + 600,
      },
      help_article_vote: {
        workspace_id: workspaceId,
        id: sampleId(),
        article_id: ids.helpArticle,
        voter_key: 'voter-hash',
        helpful: 1,
        at: T0 + 700,
      },
      help_deflection: {
        workspace_id: workspaceId,
        id: sampleId(),
        article_id: ids.helpArticle,
        source: 'request_form',
        query: 'where is my refund',
        at: T0 + 800,
      },
      flow: {
        workspace_id: workspaceId,
        id: ids.flow,
        name: `Flow ${ids.flow}`,
        status: 'active',
        definition: toJson({ trigger: { type: 'event', event: 'Signed Up' }, steps: [] }),
        version: 1,
        trigger_type: 'event',
        trigger_event: 'Signed Up',
        trigger_segment_id: null,
        holdout_percent: 12.5,
        horizon_days: 30,
        cursor: 7,
        last_fired_on: '2023-11-14',
        fired_at: T0 + 600,
        activated_at: T0 + 1,
        deactivated_at: null,
        created_by: ids.user,
        created_at: T0,
        updated_at: T0 + 1,
      },
      flow_run: {
        workspace_id: workspaceId,
        id: sampleId(),
        flow_id: ids.flow,
        customer_id: ids.customer,
        arm: 'treatment',
        status: 'active',
        current_step: 'step-1',
        wake_at: T0 + 800,
        entry_key: 'event:1',
        entered_at: T0 + 700,
        finished_at: null,
        exit_reason: null,
        updated_at: T0 + 700,
      },
      survey: {
        workspace_id: workspaceId,
        id: ids.survey,
        name: `Survey ${ids.survey}`,
        kind: 'csat',
        definition: toJson({ kind: 'csat', scale: 'five_point' }),
        created_by: ids.user,
        created_at: T0,
        updated_at: T0 + 1,
      },
      feedback_signing_key: {
        workspace_id: workspaceId,
        id: sampleId(),
        secret: `secret-${ids.survey}`,
        created_at: T0,
      },
      survey_send: {
        workspace_id: workspaceId,
        id: ids.send,
        survey_id: ids.survey,
        customer_id: ids.customer,
        dedupe_key: `flow:${ids.send}`,
        origin: toJson({ kind: 'flow', flowId: '3' }),
        segment_id: ids.segment,
        delivery: 'queued',
        delivery_reason: null,
        message_id: `message-${ids.send}`,
        sent_at: T0 + 600,
      },
      survey_response: {
        workspace_id: workspaceId,
        id: ids.response,
        send_id: ids.send,
        survey_id: ids.survey,
        customer_id: ids.customer,
        rating: 2,
        negative: 1,
        comment: 'Slow delivery',
        reason: 'Delivery',
        answers: toJson({}),
        source: 'page',
        revision: 2,
        answered_at: T0 + 700,
        updated_at: T0 + 800,
      },
      survey_response_history: {
        workspace_id: workspaceId,
        id: sampleId(),
        response_id: ids.response,
        revision: 1,
        rating: 4,
        comment: null,
        reason: null,
        answers: toJson({}),
        source: 'link',
        answered_at: T0 + 700,
        replaced_at: T0 + 800,
      },
      survey_answer_event: {
        workspace_id: workspaceId,
        id: sampleId(),
        send_id: ids.send,
        survey_id: ids.survey,
        customer_id: ids.customer,
        kind: 'csat',
        rating: 2,
        negative: 1,
        change: 'turned_negative',
        at: T0 + 800,
      },
    } as const,
  };
}

const SCOPED_TABLES: readonly ScopedTable[] = [
  'app_user',
  'session',
  'session_grant',
  'api_key',
  'customer',
  'customer_order',
  'order_item',
  'refund',
  'subscription',
  'event',
  'job',
  'audit_log',
  'customer_group',
  'customer_group_member',
  'customer_alias',
  'erased_identity',
  'segment',
  'segment_event',
  'email_message',
  'email_suppression',
  'email_consent',
  'loyalty_entry',
  'loyalty_tier_change',
  'loyalty_notice',
  'loyalty_reward',
  'loyalty_reward_claim',
  'loyalty_referral',
  'loyalty_promotion',
  'loyalty_coupon',
  'loyalty_coupon_redemption',
  'help_category',
  'help_section',
  'help_article',
  'help_article_revision',
  'help_search',
  'help_article_vote',
  'help_deflection',
  'flow',
  'flow_run',
  'survey',
  'feedback_signing_key',
  'survey_send',
  'survey_response',
  'survey_response_history',
  'survey_answer_event',
];

const JSON_COLUMNS = [
  'scopes',
  'attributes',
  'properties',
  'payload',
  'details',
  'settings',
  'traits',
  'rule',
  'origin',
  'discount',
  'tiers',
  'translations',
  'definition',
  'definition',
  'origin',
  'answers',
];

function parseJsonColumns(row: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row)
      // PostgreSQL's generated full-text column of help_article (migration 013): derived, not stored as given.
      .filter(([column]) => column !== 'search_vector')
      .map(([column, value]) => [
        column,
        JSON_COLUMNS.includes(column) && typeof value === 'string' ? fromJson(value) : value,
      ]),
  );
}

async function insertAll(db: Kysely<Database>, rows: ReturnType<typeof sampleRows>['rows']): Promise<void> {
  for (const table of SCOPED_TABLES) {
    await db
      .insertInto(table)
      .values(rows[table] as never) // a complete row of this table (round-tripped below)
      .execute();
  }
}

describeEachDatabase('schema', (getDb) => {
  async function newWorkspace(): Promise<number> {
    const { workspace } = await createWorkspace(getDb().db, { name: 'Schema', slug: `schema-${newId()}` });
    return workspace.id;
  }

  it('round-trips a complete row of every table', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace();
    const { rows } = sampleRows(workspaceId);
    await insertAll(db, rows);
    for (const table of SCOPED_TABLES) {
      const stored = await db
        .selectFrom(table)
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', rows[table].id)
        .execute();
      // Same values and same JS types: numbers stay numbers, JSON stays text, on both engines.
      // JSON is compared parsed: JSONB keeps the value, not the spelling (spaces, key order).
      expect(stored.map(parseJsonColumns), table).toEqual([parseJsonColumns(rows[table])]);
      for (const column of JSON_COLUMNS) {
        const value = (stored[0] as Record<string, unknown> | undefined)?.[column];
        if (value !== undefined) expect(typeof value, `${table}.${column}`).toBe('string');
      }
    }
  });

  it('fills the column defaults the same way on both engines', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace();
    const customer = await db
      .insertInto('customer')
      .values({ workspace_id: workspaceId, created_at: T0, updated_at: T0 })
      .returningAll()
      .executeTakeFirstOrThrow();
    expect(customer).toMatchObject({
      consent_email_marketing: 0,
      consent_sms_marketing: 0,
      external_id: null,
    });
    expect(fromJson(customer.attributes)).toEqual({});
    const order = await db
      .insertInto('customer_order')
      .values({
        workspace_id: workspaceId,
        customer_id: customer.id,
        ordered_at: T0,
        currency: 'USD',
        amount_cents: 100,
        created_at: T0,
        updated_at: T0,
      })
      .returning(['status'])
      .executeTakeFirstOrThrow();
    expect(order.status).toBe('completed');
  });

  it('keys every table the Citus way on PostgreSQL, and on its integer rowid on SQLite', async () => {
    // PostgreSQL: (workspace_id, id) is every primary key (what Citus needs to distribute by
    // workspace). SQLite: the integer id is the rowid (the session keeps its text token hash).
    const { db, dialect } = getDb();
    for (const table of SCOPED_TABLES) {
      let keyColumns: string[];
      if (dialect === 'sqlite') {
        const info = await sql<{
          name: string;
          pk: number;
        }>`select name, pk from pragma_table_info(${table})`.execute(db);
        keyColumns = info.rows
          .filter((column) => column.pk > 0)
          .sort((left, right) => left.pk - right.pk)
          .map((column) => column.name);
      } else {
        const info = await sql<{ name: string }>`
          select a.attname as name
          from pg_index i
          join unnest(i.indkey) with ordinality as k(attnum, position) on true
          join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
          where i.indrelid = (current_schema() || '.' || ${table})::regclass and i.indisprimary
          order by k.position`.execute(db);
        keyColumns = info.rows.map((column) => column.name);
      }
      const expected = dialect === 'postgres' || table === 'session' ? ['workspace_id', 'id'] : ['id'];
      expect(keyColumns, table).toEqual(expected);
    }
  });

  it('leads every unique index and foreign key with workspace_id (both engines)', async () => {
    const { db, dialect } = getDb();
    for (const table of SCOPED_TABLES) {
      let uniques: string[][];
      let foreignKeys: string[][];
      if (dialect === 'sqlite') {
        const indexes = await sql<{ name: string }>`select name from pragma_index_list(${table})
          where "unique" = 1 and origin <> 'pk'`.execute(db);
        uniques = [];
        for (const index of indexes.rows) {
          const columns = await sql<{ name: string }>`select name from pragma_index_info(${index.name})
            order by seqno`.execute(db);
          uniques.push(columns.rows.map((column) => column.name));
        }
        const keys = await sql<{ id: number; from: string }>`select id, "from" from
          pragma_foreign_key_list(${table}) order by id, seq`.execute(db);
        const byKey = new Map<number, string[]>();
        for (const key of keys.rows) byKey.set(key.id, [...(byKey.get(key.id) ?? []), key.from]);
        foreignKeys = [...byKey.values()];
      } else {
        const constraints = await sql<{ type: string; columns: string[] }>`
          select c.contype as type, array(select a.attname::text
            from unnest(c.conkey) with ordinality as k(attnum, position)
            join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
            order by k.position) as columns
          from pg_constraint c
          where c.conrelid = (current_schema() || '.' || ${table})::regclass
            and c.contype in ('u', 'f')`.execute(db);
        uniques = constraints.rows.filter((row) => row.type === 'u').map((row) => row.columns);
        foreignKeys = constraints.rows.filter((row) => row.type === 'f').map((row) => row.columns);
      }
      for (const columns of [...uniques, ...foreignKeys]) {
        expect(columns[0], `${table} (${columns.join(', ')})`).toBe('workspace_id');
      }
      expect(foreignKeys.length, table).toBeGreaterThan(0);
    }
  });

  const uniquePerWorkspace: readonly [ScopedTable, string][] = [
    ['app_user', 'email'],
    ['session_grant', 'session_id'],
    ['api_key', 'key_hash'],
    ['customer', 'external_id'],
    ['customer_order', 'external_id'],
    ['refund', 'external_id'],
    ['subscription', 'external_id'],
    ['event', 'message_id'],
    ['job', 'idempotency_key'],
    ['customer_group', 'external_id'],
    ['customer_alias', 'alias'],
    ['erased_identity', 'identity_hash'],
    ['segment', 'name'],
    ['email_message', 'dedupe_key'],
    ['email_suppression', 'address_hash'],
    ['survey', 'name'],
    ['survey_send', 'dedupe_key'],
  ];

  it.each(uniquePerWorkspace)(
    '%s.%s is unique within a workspace and free across workspaces',
    async (table, column) => {
      const { db } = getDb();
      const [first, second] = [await newWorkspace(), await newWorkspace()];
      const a = sampleRows(first);
      await insertAll(db, a.rows);
      const row = a.rows[table] as unknown as Record<string, unknown>;

      // Same workspace, same value, new id: rejected.
      const duplicate = { ...row, id: sampleId() };
      const error = await db
        .insertInto(table)
        .values(duplicate as never) // a copy of a row of this table
        .execute()
        .catch((caught: unknown) => caught);
      expect(isUniqueViolation(error), String(error)).toBe(true);

      // Another workspace may use the same value: copy its own complete graph, then reuse the value.
      const b = sampleRows(second);
      const rowsForB = { ...b.rows, [table]: { ...b.rows[table], [column]: row[column] } };
      await insertAll(db, rowsForB as typeof b.rows);
      const count = await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('rows'))
        .where(column as never, '=', row[column] as never) // a column of this table
        .executeTakeFirstOrThrow();
      expect(count.rows).toBe(2);
    },
  );

  it("rejects a reference to another workspace's row, even with a valid id", async () => {
    const { db } = getDb();
    const [first, second] = [await newWorkspace(), await newWorkspace()];
    const a = sampleRows(first);
    await insertAll(db, a.rows);
    const error = await db
      .insertInto('customer_order')
      .values({ ...a.rows.customer_order, workspace_id: second, id: sampleId(), external_id: null })
      .execute()
      .catch((caught: unknown) => caught);
    expect(isForeignKeyViolation(error), String(error)).toBe(true);
  });

  it('rejects values outside the documented enumerations', async () => {
    const { db } = getDb();
    const workspaceId = await newWorkspace();
    const { rows } = sampleRows(workspaceId);
    const badRole = await db
      .insertInto('app_user')
      .values({ ...rows.app_user, role: 'superuser' as never })
      .execute()
      .catch((caught: unknown) => caught);
    expect(badRole).toBeInstanceOf(Error);
    expect(
      await db.selectFrom('app_user').selectAll().where('workspace_id', '=', workspaceId).execute(),
    ).toEqual([]);
  });

  it("deletes a customer's orders, items, refunds, subscriptions and events with it, and a workspace's everything", async () => {
    const { db } = getDb();
    const [doomed, kept] = [await newWorkspace(), await newWorkspace()];
    const a = sampleRows(doomed);
    const b = sampleRows(kept);
    await insertAll(db, a.rows);
    await insertAll(db, b.rows);
    await db
      .deleteFrom('customer')
      .where('workspace_id', '=', doomed)
      .where('id', '=', a.ids.customer)
      .execute();
    for (const table of ['customer_order', 'order_item', 'refund', 'subscription', 'event'] as const) {
      expect(
        await db.selectFrom(table).select('id').where('workspace_id', '=', doomed).execute(),
        table,
      ).toEqual([]);
    }
    await db.deleteFrom('workspace').where('id', '=', doomed).execute();
    for (const table of SCOPED_TABLES) {
      expect(
        await db.selectFrom(table).select('id').where('workspace_id', '=', doomed).execute(),
        table,
      ).toEqual([]);
      // The other workspace keeps its rows.
      expect(
        await db.selectFrom(table).select('id').where('workspace_id', '=', kept).execute(),
        table,
      ).toHaveLength(1);
    }
  });
});

describe('PostgreSQL BIGINT parsing', () => {
  const connection = openDatabase(TEST_DATABASE_URL);
  afterAll(() => connection.close());

  it('refuses a BIGINT beyond 2^53 instead of rounding it', async () => {
    // 2^53 + 1 = 9 007 199 254 740 993 has no exact double.
    await expect(sql`select 9007199254740993::bigint as value`.execute(connection.db)).rejects.toThrow(
      /does not fit a JS number/,
    );
    const exact = await sql<{ value: number }>`select 9007199254740991::bigint as value`.execute(
      connection.db,
    );
    expect(exact.rows[0]?.value).toBe(Number.MAX_SAFE_INTEGER);
  });
});
