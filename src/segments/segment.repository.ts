/**
 * The segment tables (migration 007): `segment`, `segment_membership`, `segment_event` — the only
 * code that queries them. Every statement carries the workspace.
 *
 * The recompute (`diffMembershipRange`) is set-based SQL: the rule's predicate selects the matching
 * customers of a range of ids into a temporary table, and anti-joins between it and the stored
 * membership write the `entered` and `exited` events and the membership change — nothing is
 * compared row by row in JavaScript, and a range where nothing changed writes nothing.
 */
import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type SqlBool,
  sql,
  type Transaction,
} from 'kysely';
import {
  type Database,
  type DialectName,
  dialectOf,
  fromJson,
  inWriteTransaction,
  type RowId,
  type SegmentEventKind,
  type SegmentRow,
  toJson,
} from '../db/index.js';
import type { CustomerExpressionBuilder } from './segment-sql.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** The temporary table a recompute step collects the matching customers of its range in. */
interface CandidateTable {
  customer_id: number;
}
type RecomputeDatabase = Database & { segment_candidate: CandidateTable };

/** A segment as the services see it (the rule as stored JSON, validated before it was stored). */
export interface Segment {
  readonly workspaceId: number;
  readonly id: RowId;
  readonly name: string;
  readonly rule: unknown;
  readonly version: number;
  readonly computedVersion: number | null;
  readonly computedAt: number | null;
  readonly memberCount: number;
  readonly createdBy: RowId | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

function toSegment(row: SegmentRow): Segment {
  return {
    workspaceId: row.workspace_id,
    id: row.id,
    name: row.name,
    rule: fromJson(row.rule),
    version: row.version,
    computedVersion: row.computed_version,
    computedAt: row.computed_at,
    memberCount: Number(row.member_count),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface NewSegment {
  readonly workspaceId: number;
  readonly name: string;
  readonly rule: unknown;
  readonly createdBy: RowId | null;
  readonly now: number;
}

/** Inserts a segment (version 1, no membership yet). Throws the driver's unique violation on a taken name. */
export async function insertSegment(db: Executor, input: NewSegment): Promise<Segment> {
  const row = await db
    .insertInto('segment')
    .values({
      workspace_id: input.workspaceId,
      name: input.name,
      rule: toJson(input.rule),
      created_by: input.createdBy,
      created_at: input.now,
      updated_at: input.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSegment(row);
}

/** One segment of the workspace, or `undefined` (also for another workspace's). */
export async function findSegment(
  db: Executor,
  workspaceId: number,
  id: RowId,
): Promise<Segment | undefined> {
  const row = await db
    .selectFrom('segment')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : toSegment(row);
}

/** Every segment of the workspace, oldest first. */
export async function listSegments(db: Executor, workspaceId: number): Promise<Segment[]> {
  const rows = await db
    .selectFrom('segment')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .execute();
  return rows.map(toSegment);
}

/** How many segments the workspace has. */
export async function countSegments(db: Executor, workspaceId: number): Promise<number> {
  const row = await db
    .selectFrom('segment')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Locks the workspace's segment definitions until the transaction ends (PostgreSQL: the workspace
 * row `FOR NO KEY UPDATE`, which foreign keys' `FOR KEY SHARE` does not wait for), so that two
 * rule changes cannot each pass the cycle check against the other's old rule. SQLite runs one
 * write transaction at a time.
 */
export async function lockSegmentDefinitions(db: Transaction<Database>, workspaceId: number): Promise<void> {
  if (dialectOf(db) !== 'postgres') return;
  await db.selectFrom('workspace').select('id').where('id', '=', workspaceId).forNoKeyUpdate().execute();
}

/**
 * Changes a segment's name and/or rule; a new rule bumps `version` (a recompute of the old one
 * stops at its next step). Returns the segment, or `undefined` when there is none.
 */
export async function updateSegmentRow(
  db: Executor,
  workspaceId: number,
  id: RowId,
  change: { readonly name?: string; readonly rule?: unknown; readonly now: number },
): Promise<Segment | undefined> {
  const row = await db
    .updateTable('segment')
    .set((eb) => ({
      ...(change.name === undefined ? {} : { name: change.name }),
      ...(change.rule === undefined ? {} : { rule: toJson(change.rule), version: eb('version', '+', 1) }),
      updated_at: change.now,
    }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row === undefined ? undefined : toSegment(row);
}

/** Deletes a segment with its membership and events (cascade). Returns whether there was one. */
export async function deleteSegmentRow(db: Executor, workspaceId: number, id: RowId): Promise<boolean> {
  const result = await db
    .deleteFrom('segment')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** A member as lists show it. */
export interface SegmentMember {
  readonly customerId: RowId;
  readonly externalId: string | null;
  readonly email: string | null;
  readonly name: string | null;
  readonly country: string | null;
  readonly enteredAt: number;
}

/**
 * The customer ids of the segment's current members, as a subquery for another module's
 * `where customer_id in (…)` (e.g. a report over the members of a segment now): the membership
 * table stays this module's to query. Served by the membership's primary key.
 */
export function currentMemberIds(db: Executor, workspaceId: number, segmentId: RowId) {
  return db
    .selectFrom('segment_membership as sm')
    .select('sm.customer_id')
    .where('sm.workspace_id', '=', workspaceId)
    .where('sm.segment_id', '=', segmentId);
}

/** Up to `limit` members with a customer id above `afterCustomerId`, by customer id. */
export async function listMembers(
  db: Executor,
  workspaceId: number,
  segmentId: RowId,
  page: { readonly limit: number; readonly afterCustomerId?: RowId },
): Promise<SegmentMember[]> {
  const rows = await db
    .selectFrom('segment_membership as m')
    .innerJoin('customer as c', (join) =>
      join.onRef('c.workspace_id', '=', 'm.workspace_id').onRef('c.id', '=', 'm.customer_id'),
    )
    .select(['m.customer_id', 'm.entered_at', 'c.external_id', 'c.email', 'c.name', 'c.country'])
    .where('m.workspace_id', '=', workspaceId)
    .where('m.segment_id', '=', segmentId)
    .$if(page.afterCustomerId !== undefined, (query) =>
      query.where('m.customer_id', '>', page.afterCustomerId!),
    )
    .orderBy('m.customer_id')
    .limit(page.limit)
    .execute();
  return rows.map((row) => ({
    customerId: row.customer_id,
    externalId: row.external_id,
    email: row.email,
    name: row.name,
    country: row.country,
    enteredAt: row.entered_at,
  }));
}

/** One segment a customer is in now, as a privacy export lists it. */
export interface CustomerSegmentMembership {
  readonly segmentId: RowId;
  readonly name: string;
  readonly enteredAt: number;
}

/** The segments the customer is a member of now, by segment id. One indexed read per segment. */
export async function segmentsOfCustomer(
  db: Executor,
  workspaceId: number,
  customerId: RowId,
): Promise<CustomerSegmentMembership[]> {
  const rows = await db
    .selectFrom('segment_membership as m')
    .innerJoin('segment as s', (join) =>
      join.onRef('s.workspace_id', '=', 'm.workspace_id').onRef('s.id', '=', 'm.segment_id'),
    )
    .select(['m.segment_id', 's.name', 'm.entered_at'])
    .where('m.workspace_id', '=', workspaceId)
    .where('m.customer_id', '=', customerId)
    .orderBy('m.segment_id')
    .execute();
  return rows.map((row) => ({ segmentId: row.segment_id, name: row.name, enteredAt: row.entered_at }));
}

/** A customer a preview shows. */
export interface MatchingCustomer {
  readonly customerId: RowId;
  readonly externalId: string | null;
  readonly email: string | null;
  readonly name: string | null;
  readonly country: string | null;
}

type Predicate = (eb: CustomerExpressionBuilder) => Expression<SqlBool>;

/** The workspace's customers (not erased) matching `predicate`, as a query on `c`. */
function matching(db: Executor, workspaceId: number, predicate: Predicate, range?: CustomerRange) {
  return db
    .selectFrom('customer as c')
    .where('c.workspace_id', '=', workspaceId)
    .$if(range !== undefined, (query) => query.where('c.id', '>', range!.afterId))
    .$if(range?.throughId != null, (query) => query.where('c.id', '<=', range!.throughId!))
    .where('c.erased_at', 'is', null)
    .where((eb) => predicate(eb as unknown as CustomerExpressionBuilder));
}

/** How many of the workspace's customers (of `range`, when given) match. One scan of them. */
export async function countMatching(
  db: Executor,
  workspaceId: number,
  predicate: Predicate,
  range?: CustomerRange,
): Promise<number> {
  const row = await matching(db, workspaceId, predicate, range)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** The first `limit` matching customers (of `range`, when given) by id. */
export async function sampleMatching(
  db: Executor,
  workspaceId: number,
  predicate: Predicate,
  limit: number,
  range?: CustomerRange,
): Promise<MatchingCustomer[]> {
  const rows = await matching(db, workspaceId, predicate, range)
    .select(['c.id', 'c.external_id', 'c.email', 'c.name', 'c.country'])
    .orderBy('c.id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    customerId: row.id,
    externalId: row.external_id,
    email: row.email,
    name: row.name,
    country: row.country,
  }));
}

/** A row of `segment_event`, for flows and tests. */
export interface SegmentEvent {
  readonly id: RowId;
  readonly segmentId: RowId;
  readonly customerId: RowId;
  readonly kind: SegmentEventKind;
  readonly at: number;
}

/**
 * The workspace's segment events after `afterId` (0: from the start), in id order — the order
 * they were written — optionally of one segment: how flows consume `segment.entered` /
 * `segment.exited`. At most `limit` (default 1,000).
 */
export async function listSegmentEvents(
  db: Executor,
  workspaceId: number,
  options: { readonly afterId?: RowId; readonly segmentId?: RowId; readonly limit?: number } = {},
): Promise<SegmentEvent[]> {
  const rows = await db
    .selectFrom('segment_event')
    .select(['id', 'segment_id', 'customer_id', 'kind', 'at'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '>', options.afterId ?? 0)
    .$if(options.segmentId !== undefined, (query) => query.where('segment_id', '=', options.segmentId!))
    .orderBy('id')
    .limit(options.limit ?? 1_000)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    segmentId: row.segment_id,
    customerId: row.customer_id,
    kind: row.kind,
    at: row.at,
  }));
}

/** Whether the workspace has any segment event (one index seek). */
export async function hasSegmentEvents(db: Executor, workspaceId: number): Promise<boolean> {
  const row = await db
    .selectFrom('segment_event')
    .select('segment_id')
    .where('workspace_id', '=', workspaceId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** A flow still to read a segment's events: those after `cursor` are its (not yet read). */
export interface SegmentEventReader {
  readonly segmentId: RowId;
  readonly cursor: number;
}

/**
 * Deletes the workspace's segment events written before `before` that no reader still needs (an
 * event of its segment after its cursor), and those written before `hardBefore` whatever the
 * readers — segment by segment, oldest first, along the `(workspace_id, segment_id, id)` index
 * (a reader holds back its own segment's events only). Each delete statement takes a window of at most
 * `batchSize` of a segment's oldest rows; at most `maxStatements` run (`more`: old rows may be
 * left). A segment is left as soon as its oldest row stays: ids follow the write order, so the
 * rows after it are younger or also unread — one index seek a segment with nothing to delete.
 * The flows' pruning job calls it (flows/flow-log-pruning.ts).
 */
export async function pruneSegmentEvents(
  db: Executor,
  workspaceId: number,
  prune: {
    readonly before: number;
    readonly hardBefore: number;
    readonly readers: readonly SegmentEventReader[];
    readonly batchSize: number;
    readonly maxStatements: number;
  },
): Promise<{ deleted: number; more: boolean }> {
  const cursors = new Map<number, number>();
  for (const reader of prune.readers) {
    const segmentId = Number(reader.segmentId);
    cursors.set(segmentId, Math.min(cursors.get(segmentId) ?? reader.cursor, reader.cursor));
  }
  const segments = await db
    .selectFrom('segment')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .execute();
  let deleted = 0;
  let statements = 0;
  for (const { id: segmentId } of segments) {
    const cursor = cursors.get(Number(segmentId));
    for (;;) {
      const oldest = await db
        .selectFrom('segment_event')
        .select(['id', 'at'])
        .where('workspace_id', '=', workspaceId)
        .where('segment_id', '=', segmentId)
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      if (oldest === undefined) break;
      const at = Number(oldest.at);
      const goes =
        at < prune.hardBefore || (at < prune.before && (cursor === undefined || Number(oldest.id) <= cursor));
      if (!goes) break;
      if (statements >= prune.maxStatements) return { deleted, more: true };
      statements++;
      const result = await db
        .deleteFrom('segment_event')
        .where('workspace_id', '=', workspaceId)
        .where('segment_id', '=', segmentId)
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('segment_event')
            .select('id')
            .where('workspace_id', '=', workspaceId)
            .where('segment_id', '=', segmentId)
            .orderBy('id')
            .limit(prune.batchSize),
        )
        .where((eb) =>
          eb.or([
            eb('at', '<', prune.hardBefore),
            cursor === undefined
              ? eb('at', '<', prune.before)
              : eb.and([eb('at', '<', prune.before), eb('id', '<=', cursor)]),
          ]),
        )
        .executeTakeFirst();
      const deletedNow = Number(result.numDeletedRows);
      deleted += deletedNow;
      if (deletedNow < prune.batchSize) break; // the window ended at a row that stays, or the log's end
    }
  }
  return { deleted, more: false };
}

/**
 * The id that ends the range of `size` customers of the workspace after `afterId` (the range is
 * `(afterId, end]`), or `null` when fewer than `size` are left (the last range is open). One index
 * range of `size` entries.
 */
export async function rangeEnd(
  db: Executor,
  workspaceId: number,
  afterId: number,
  size: number,
): Promise<number | null> {
  const row = await db
    .selectFrom('customer')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '>', afterId)
    .orderBy('id')
    .offset(size - 1)
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? null;
}

/** Customers of `(afterId, throughId]` (`throughId` null: no upper end). */
export interface CustomerRange {
  readonly afterId: number;
  readonly throughId: number | null;
}

export interface DiffInput {
  readonly workspaceId: number;
  readonly segmentId: RowId;
  /** The rule version the predicate was compiled from: a step for an older one does nothing. */
  readonly version: number;
  readonly range: CustomerRange;
  readonly predicate: Predicate;
  readonly now: number;
}

/** What one recompute step changed; `stale` when the segment was changed or deleted meanwhile. */
export interface DiffOutcome {
  readonly entered: number;
  readonly exited: number;
  readonly stale: boolean;
}

/**
 * One recompute step: brings the segment's membership of the customers in `range` in line with
 * the rule, writing an `entered` event per customer who now matches and was not a member, an
 * `exited` event per member who no longer matches, and the membership and member count to match
 * — in one transaction, which first locks the segment (PostgreSQL: its row `FOR UPDATE`; SQLite:
 * `BEGIN IMMEDIATE`), so concurrent recomputes of one segment take turns and never write an event
 * twice. Erased customers match no rule. A range where nothing changed writes nothing.
 *
 * Statements: the matching customers into a temporary table (the predicate runs once), then two
 * anti-joins each way. O(customers in range × cost of the predicate).
 */
export async function diffMembershipRange(db: Kysely<Database>, input: DiffInput): Promise<DiffOutcome> {
  const dialect = dialectOf(db);
  return inSegmentTransaction(db, dialect, async (trx) => {
    const tables = trx.withTables<{ segment_candidate: CandidateTable }>();
    const segment = await trx
      .selectFrom('segment')
      .select('version')
      .where('workspace_id', '=', input.workspaceId)
      .where('id', '=', input.segmentId)
      .$if(dialect === 'postgres', (query) => query.forUpdate())
      .executeTakeFirst();
    if (segment === undefined || segment.version !== input.version)
      return { entered: 0, exited: 0, stale: true };

    await createCandidateTable(tables, dialect);
    const { afterId, throughId } = input.range;
    await tables
      .insertInto('segment_candidate')
      .columns(['customer_id'])
      .expression(
        trx
          .selectFrom('customer as c')
          .select('c.id')
          .where('c.workspace_id', '=', input.workspaceId)
          .where('c.id', '>', afterId)
          .$if(throughId !== null, (query) => query.where('c.id', '<=', throughId!))
          .where('c.erased_at', 'is', null)
          .where((eb) => input.predicate(eb as unknown as CustomerExpressionBuilder)),
      )
      .execute();

    const newcomers = () =>
      tables
        .selectFrom('segment_candidate as n')
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('segment_membership as m')
                .select('m.customer_id')
                .where('m.workspace_id', '=', input.workspaceId)
                .where('m.segment_id', '=', input.segmentId)
                .whereRef('m.customer_id', '=', 'n.customer_id'),
            ),
          ),
        );
    const entered = await tables
      .insertInto('segment_event')
      .columns(['workspace_id', 'segment_id', 'customer_id', 'kind', 'at'])
      .expression(
        newcomers().select((eb) => [
          eb.val(input.workspaceId).as('workspace_id'),
          eb.val(input.segmentId).as('segment_id'),
          'n.customer_id',
          eb.val<SegmentEventKind>('entered').as('kind'),
          eb.val(input.now).as('at'),
        ]),
      )
      .executeTakeFirst();
    const enteredCount = Number(entered.numInsertedOrUpdatedRows ?? 0n);
    if (enteredCount > 0) {
      await tables
        .insertInto('segment_membership')
        .columns(['workspace_id', 'segment_id', 'customer_id', 'entered_at'])
        .expression(
          newcomers().select((eb) => [
            eb.val(input.workspaceId).as('workspace_id'),
            eb.val(input.segmentId).as('segment_id'),
            'n.customer_id',
            eb.val(input.now).as('entered_at'),
          ]),
        )
        .execute();
    }

    const leavers = () =>
      tables
        .selectFrom('segment_membership as m')
        .where('m.workspace_id', '=', input.workspaceId)
        .where('m.segment_id', '=', input.segmentId)
        .where('m.customer_id', '>', afterId)
        .$if(throughId !== null, (query) => query.where('m.customer_id', '<=', throughId!))
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('segment_candidate as n')
                .select('n.customer_id')
                .whereRef('n.customer_id', '=', 'm.customer_id'),
            ),
          ),
        );
    const exited = await tables
      .insertInto('segment_event')
      .columns(['workspace_id', 'segment_id', 'customer_id', 'kind', 'at'])
      .expression(
        leavers().select((eb) => [
          'm.workspace_id',
          'm.segment_id',
          'm.customer_id',
          eb.val<SegmentEventKind>('exited').as('kind'),
          eb.val(input.now).as('at'),
        ]),
      )
      .executeTakeFirst();
    const exitedCount = Number(exited.numInsertedOrUpdatedRows ?? 0n);
    if (exitedCount > 0) {
      await tables
        .deleteFrom('segment_membership')
        .where('workspace_id', '=', input.workspaceId)
        .where('segment_id', '=', input.segmentId)
        .where('customer_id', '>', afterId)
        .$if(throughId !== null, (query) => query.where('customer_id', '<=', throughId!))
        .where('customer_id', 'not in', tables.selectFrom('segment_candidate').select('customer_id'))
        .execute();
    }
    if (enteredCount > 0 || exitedCount > 0) {
      await trx
        .updateTable('segment')
        .set((eb) => ({ member_count: eb(eb('member_count', '+', enteredCount), '-', exitedCount) }))
        .where('workspace_id', '=', input.workspaceId)
        .where('id', '=', input.segmentId)
        .execute();
    }
    await tables.deleteFrom('segment_candidate').execute();
    return { entered: enteredCount, exited: exitedCount, stale: false };
  });
}

/**
 * Records that the membership now reflects `version` as of `now` — only when that is news (a
 * first computation of the version, or a recompute that changed the membership), so a recompute
 * with no change writes nothing — and sets `member_count` to the rows there are when it differs:
 * a customer row deleted by a merge takes its membership with it (cascade), which no step counted.
 * One update; the count is an index range of the segment's members.
 */
export async function markComputed(
  db: Executor,
  workspaceId: number,
  segmentId: RowId,
  version: number,
  now: number,
  changed: boolean,
): Promise<void> {
  const members = (eb: ExpressionBuilder<Database, 'segment'>) =>
    eb
      .selectFrom('segment_membership as m')
      .select((inner) => inner.fn.countAll<number>().as('count'))
      .where('m.workspace_id', '=', workspaceId)
      .where('m.segment_id', '=', segmentId);
  await db
    .updateTable('segment')
    .set((eb) => ({
      computed_version: version,
      // Unchanged: only a first computation of the version moves the instant, not a count fix.
      computed_at: changed
        ? now
        : eb
            .case()
            .when(eb.or([eb('computed_version', 'is', null), eb('computed_version', '<>', version)]))
            .then(now)
            .else(eb.ref('computed_at'))
            .end(),
      member_count: members(eb),
    }))
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', segmentId)
    .where('version', '=', version)
    .$if(!changed, (query) =>
      query.where((eb) =>
        eb.or([
          eb('computed_version', 'is', null),
          eb('computed_version', '<>', version),
          eb('member_count', '<>', members(eb)),
        ]),
      ),
    )
    .execute();
}

/** The temporary table of a recompute step (per connection; emptied at the end of each step). */
async function createCandidateTable(db: Kysely<RecomputeDatabase>, dialect: DialectName): Promise<void> {
  if (dialect === 'postgres') {
    await sql`create temporary table if not exists segment_candidate
      (customer_id bigint primary key) on commit delete rows`.execute(db);
  } else {
    await sql`create temporary table if not exists segment_candidate (customer_id integer primary key)`.execute(
      db,
    );
  }
}

/**
 * Runs `work` in a write transaction that holds the write lock from its start: PostgreSQL's
 * ordinary transaction (the caller then locks the rows it needs), SQLite's `BEGIN IMMEDIATE` on
 * the one connection (so a second process waits for the lock, instead of failing when a read
 * snapshot turns stale at its first write).
 */
async function inSegmentTransaction<T>(
  db: Kysely<Database>,
  dialect: DialectName,
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return inWriteTransaction(db, async (trx) => {
    if (dialect === 'postgres') await withoutJit(trx);
    return work(trx);
  });
}

/**
 * Runs `work` with PostgreSQL's statement timeout set to `timeoutMs` for one transaction (a
 * preview's bound); SQLite has no statement timeout: `work` runs as is.
 */
export async function withStatementTimeout<T>(
  db: Kysely<Database>,
  timeoutMs: number,
  work: (db: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (dialectOf(db) !== 'postgres') return work(db);
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('statement_timeout', ${String(Math.max(1, Math.round(timeoutMs)))}, true)`.execute(
      trx,
    );
    await withoutJit(trx);
    return work(trx);
  });
}

/**
 * Turns PostgreSQL's JIT compilation off for the transaction. A rule's predicate is many small
 * correlated index lookups whose estimated cost is high, so the planner compiles it — which took
 * half of a 100,000-customer recompute (0.6 of 1.25 s) and saves nothing on such plans.
 */
async function withoutJit(trx: Kysely<Database>): Promise<void> {
  await sql`select set_config('jit', 'off', true)`.execute(trx);
}

/** True when `error` is PostgreSQL cancelling a statement (its statement timeout: SQLSTATE 57014). */
export function isStatementTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '57014';
}
