/**
 * Frequency caps at queue time under concurrent callers, on both engines: two `queueEmail` (or
 * `queueEmails`) calls at once for a customer with room for one more marketing message leave one
 * message `queued` and the other `skipped` (`frequency_cap`), so the queue, the flow steps and the
 * reports never count as queued a message the send-time check would drop. The cap here is 1 a day.
 *
 * PostgreSQL: each caller on its own pool (as two server processes on one database), and a third
 * session holds `email_message` against writes (SHARE mode: reads go on) until both callers wait
 * on a lock — without a turn both have then read the customer's caps and wait to insert; with it,
 * one waits to insert and the other for the turn. SQLite: both callers on the one connection of
 * the process (a second better-sqlite3 connection in this thread would wait for the write lock
 * synchronously, blocking the thread that holds it), their statements interleaved: `queueEmail`
 * read the caps outside its transaction, so two calls both passed. Two `queueEmails` calls already
 * took turns there (a chunk's transaction holds the one connection); that case guards the turn.
 */
import { type Kysely, sql } from 'kysely';
import { expect, it } from 'vitest';
import { addCustomer, emailWorkspace, testEnvironment } from '../../test/email/support.js';
import { describeEachDatabase, type TestDatabase } from '../../test/support/databases.js';
import type { Database, RowId } from '../db/index.js';
import { DAY_MS } from './email-schedule.js';
import { updateEmailSettings } from './email-settings.js';
import { type OutgoingEmail, type QueueOutcome, queueEmail, queueEmails } from './index.js';

const NOW = Date.UTC(2026, 2, 10, 12); // noon UTC: outside the default quiet hours (21:00–08:00)
const environment = testEnvironment(null);

/** Sessions of the current PostgreSQL database waiting on a lock (a row, a table, an advisory lock). */
async function sessionsWaitingOnLocks(db: Kysely<Database>): Promise<number> {
  const result = await sql<{ count: string }>`select count(*) as count from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
  return Number(result.rows[0]?.count ?? 0);
}

/**
 * Runs the two callers at once (see the file comment): on PostgreSQL each gets a pool of its own
 * and starts while `email_message` is held, let go once both wait on a lock.
 */
async function race<T>(
  database: TestDatabase,
  callers: readonly [(db: Kysely<Database>) => Promise<T>, (db: Kysely<Database>) => Promise<T>],
): Promise<T[]> {
  if (database.dialect === 'sqlite') return Promise.all(callers.map((caller) => caller(database.db)));
  let letGo = () => {};
  const held = new Promise<void>((resolve) => {
    letGo = resolve;
  });
  let locked = () => {};
  const tableLocked = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const holder = database
    .open()
    .db.transaction()
    .execute(async (trx) => {
      await sql`lock table email_message in share mode`.execute(trx);
      locked();
      await held;
    });
  await tableLocked;
  const running = Promise.all(callers.map((caller) => caller(database.open().db)));
  try {
    for (let tries = 0; (await sessionsWaitingOnLocks(database.db)) < 2; tries++) {
      if (tries > 300) throw new Error('The two callers never both waited on a lock');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    letGo();
    await holder;
  }
  return running;
}

describeEachDatabase('frequency caps at queue time with concurrent callers', (getDb) => {
  /** A workspace capped at 1 marketing message a day, and a customer with none yet. */
  async function cappedCustomer(db: Kysely<Database>): Promise<{ workspaceId: number; customerId: RowId }> {
    const workspaceId = await emailWorkspace(db, NOW - 10 * DAY_MS);
    await updateEmailSettings(
      db,
      workspaceId,
      { maxPerDay: 1, maxPerWeek: 5 },
      environment,
      NOW - 10 * DAY_MS,
    );
    const customerId = await addCustomer(db, workspaceId, { name: 'Capped', now: NOW - 10 * DAY_MS });
    return { workspaceId, customerId };
  }

  function offer(workspaceId: number, customerId: RowId, key: string): OutgoingEmail {
    return {
      workspaceId,
      customerId,
      dedupeKey: `${getDb().dialect}-${key}`,
      category: 'marketing',
      subject: `Offer ${key}`,
      html: '<p>Hello {{ customer.name }}</p>',
    };
  }

  /** The workspace's messages as `[status, skip reason]`, sorted. */
  async function storedStatuses(db: Kysely<Database>, workspaceId: number) {
    const rows = await db
      .selectFrom('email_message')
      .select(['status', 'skip_reason'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    return rows.map((row) => [row.status, row.skip_reason]).sort();
  }

  function answers(outcomes: readonly QueueOutcome[]) {
    return outcomes.map((outcome) => [outcome.status, 'reason' in outcome ? outcome.reason : null]).sort();
  }

  const ONE_QUEUED_ONE_CAPPED = [
    ['queued', null],
    ['skipped', 'frequency_cap'],
  ];

  it('two queueEmail calls at once: one queued, the other skipped for the cap', async () => {
    const database = getDb();
    const { workspaceId, customerId } = await cappedCustomer(database.db);
    const outcomes = await race(database, [
      (db) => queueEmail(db, offer(workspaceId, customerId, 'single-a'), { now: NOW, environment }),
      (db) => queueEmail(db, offer(workspaceId, customerId, 'single-b'), { now: NOW, environment }),
    ]);
    expect(answers(outcomes)).toEqual(ONE_QUEUED_ONE_CAPPED);
    expect(await storedStatuses(database.db, workspaceId)).toEqual(ONE_QUEUED_ONE_CAPPED);
    // Only the queued message has a delivery job.
    const jobs = await database.db
      .selectFrom('job')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('type', '=', 'email.send')
      .execute();
    expect(jobs).toHaveLength(1);
  });

  it('two queueEmails calls at once: one queued, the other skipped for the cap', async () => {
    const database = getDb();
    const { workspaceId, customerId } = await cappedCustomer(database.db);
    const outcomes = await race(database, [
      (db) => queueEmails(db, [offer(workspaceId, customerId, 'bulk-a')], { now: NOW, environment }),
      (db) => queueEmails(db, [offer(workspaceId, customerId, 'bulk-b')], { now: NOW, environment }),
    ]);
    expect(answers(outcomes.flat())).toEqual(ONE_QUEUED_ONE_CAPPED);
    expect(await storedStatuses(database.db, workspaceId)).toEqual(ONE_QUEUED_ONE_CAPPED);
  });

  it('queueEmails and queueEmail at once: one queued, the other skipped for the cap', async () => {
    const database = getDb();
    const { workspaceId, customerId } = await cappedCustomer(database.db);
    const outcomes = await race<QueueOutcome[]>(database, [
      async (db) => [
        await queueEmail(db, offer(workspaceId, customerId, 'mixed-single'), { now: NOW, environment }),
      ],
      (db) => queueEmails(db, [offer(workspaceId, customerId, 'mixed-bulk')], { now: NOW, environment }),
    ]);
    expect(answers(outcomes.flat())).toEqual(ONE_QUEUED_ONE_CAPPED);
    expect(await storedStatuses(database.db, workspaceId)).toEqual(ONE_QUEUED_ONE_CAPPED);
  });

  it('the same dedupe key twice at once: one message, the other call answers duplicate', async () => {
    const database = getDb();
    const { workspaceId, customerId } = await cappedCustomer(database.db);
    const email = offer(workspaceId, customerId, 'same-key');
    const outcomes = await race(database, [
      (db) => queueEmail(db, email, { now: NOW, environment }),
      (db) => queueEmail(db, email, { now: NOW, environment }),
    ]);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['duplicate', 'queued']);
    expect(new Set(outcomes.map((outcome) => outcome.messageId)).size).toBe(1);
    expect(await storedStatuses(database.db, workspaceId)).toEqual([['queued', null]]);
  });
});
