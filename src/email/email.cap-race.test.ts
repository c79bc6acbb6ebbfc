/**
 * Frequency caps under concurrent senders (issue 12: "frequency cap per customer … respected"), on
 * both engines against a real SMTP server: two dispatchers — on two connections (as two server
 * processes on one database run them) or in one process — and a dispatch beside an `email.send`
 * job never both send a capped customer's messages. The cap here is 1 a day.
 *
 * The late-messages case is the one a restarted install meets: its dispatch stopped for days, so
 * a customer has two queued messages planned more than a day apart (both allowed by the cap at
 * queue time) and both overdue. One may go now, not both.
 */
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  addCustomer,
  emailWorkspace,
  startSmtpServer,
  type TestSmtpServer,
  testEnvironment,
} from '../../test/email/support.js';
import { describeEachDatabase, describeOnDatabase } from '../../test/support/databases.js';
import type { Database, RowId } from '../db/index.js';
import { deliverMessage } from './email-delivery.js';
import { dispatchBatch } from './email-dispatch.js';
import { DAY_MS } from './email-schedule.js';
import { updateEmailSettings } from './email-settings.js';
import { closeTransports, type OutgoingEmail, queueEmail, queueEmails } from './index.js';

const NOW = Date.UTC(2026, 2, 10, 12); // noon UTC: outside the default quiet hours (21:00–08:00)

let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(async () => {
  closeTransports();
  await smtp.close();
});

function arrivedWith(prefix: string): number {
  return smtp.received.filter((mail) => mail.subject?.startsWith(prefix)).length;
}

describeEachDatabase('frequency caps with concurrent senders', (getDb) => {
  async function cappedWorkspace(db: Kysely<Database>): Promise<number> {
    const workspaceId = await emailWorkspace(db, NOW - 10 * DAY_MS);
    await updateEmailSettings(
      db,
      workspaceId,
      { maxPerDay: 1, maxPerWeek: 5 },
      testEnvironment(smtp.url),
      NOW - 10 * DAY_MS,
    );
    return workspaceId;
  }

  function offer(workspaceId: number, customerId: RowId, key: string): OutgoingEmail {
    return {
      workspaceId,
      customerId,
      dedupeKey: key,
      category: 'marketing',
      subject: `Offer ${key}`,
      html: '<p>Hello {{ customer.name }}</p>',
    };
  }

  /** Sent messages of the workspace per customer, and every status with its skip reason. */
  async function outcomes(db: Kysely<Database>, workspaceId: number) {
    const rows = await db
      .selectFrom('email_message')
      .select(['customer_id', 'status', 'skip_reason'])
      .where('workspace_id', '=', workspaceId)
      .execute();
    const sentPerCustomer = new Map<number, number>();
    for (const row of rows)
      if (row.status === 'sent')
        sentPerCustomer.set(Number(row.customer_id), (sentPerCustomer.get(Number(row.customer_id)) ?? 0) + 1);
    return { rows, sentPerCustomer };
  }

  /** Two late messages of one customer (planned 3 and 2 days ago, a day apart: both within the cap). */
  async function lateMessages(db: Kysely<Database>, workspaceId: number, tag: string) {
    const customerId = await addCustomer(db, workspaceId, { name: tag, now: NOW - 10 * DAY_MS });
    const environment = testEnvironment(smtp.url);
    const first = await queueEmails(db, [offer(workspaceId, customerId, `${tag}-1`)], {
      now: NOW - 3 * DAY_MS,
      environment,
    });
    const second = await queueEmails(db, [offer(workspaceId, customerId, `${tag}-2`)], {
      now: NOW - 2 * DAY_MS,
      environment,
    });
    expect([first[0]?.status, second[0]?.status]).toEqual(['queued', 'queued']);
    return customerId;
  }

  for (const setting of ['two connections', 'one process'] as const) {
    it(`two dispatchers (${setting}) send one of a customer's late messages, not both`, async () => {
      const { db, open } = getDb();
      const otherDb = setting === 'two connections' ? open().db : db;
      const environment = testEnvironment(smtp.url);
      const workspaceId = await cappedWorkspace(db);
      const tag = `late-${getDb().dialect}-${setting.replace(' ', '-')}`;
      await lateMessages(db, workspaceId, tag);
      // The second dispatcher runs while the first one's message is with the SMTP server: after
      // the first claimed it, before its acceptance is recorded.
      let second: Promise<unknown> | null = null;
      smtp.beforeAccept = async () => {
        if (second !== null) return; // the second dispatcher's own message (when it sends one)
        second = dispatchBatch(otherDb, workspaceId, { now: NOW, environment });
        await second;
      };
      try {
        await dispatchBatch(db, workspaceId, { now: NOW, environment });
        await second;
        // Whatever is still due goes through a last dispatch, as the next job would run it.
        await dispatchBatch(db, workspaceId, { now: NOW, environment });
      } finally {
        smtp.beforeAccept = null;
      }
      expect(second).not.toBeNull();
      expect(arrivedWith(`Offer ${tag}`)).toBe(1);
      const { rows } = await outcomes(db, workspaceId);
      expect(rows.map((row) => [row.status, row.skip_reason]).sort()).toEqual([
        ['sent', null],
        ['skipped', 'frequency_cap'],
      ]);
    });
  }

  it('a dispatch and email.send jobs at once keep every customer within the cap', async () => {
    const { db, open, dialect } = getDb();
    // PostgreSQL: a second pool, as a second server process. SQLite: the same connection (the
    // in-process case) — a second better-sqlite3 connection in this thread would wait for the
    // first one's write lock synchronously, blocking the thread that holds it.
    const otherDb = dialect === 'postgres' ? open().db : db;
    const environment = testEnvironment(smtp.url);
    const workspaceId = await cappedWorkspace(db);
    const customers: RowId[] = [];
    const singles: RowId[] = [];
    for (let index = 0; index < 30; index++) {
      const customerId = await addCustomer(db, workspaceId, { name: `c${index}`, now: NOW - 10 * DAY_MS });
      customers.push(customerId);
      // One message by the bulk path (delivered by dispatch), one by the single path (its own job).
      await queueEmails(db, [offer(workspaceId, customerId, `mixed-${getDb().dialect}-${index}-bulk`)], {
        now: NOW - 3 * DAY_MS,
        environment,
      });
      const single = await queueEmail(
        db,
        offer(workspaceId, customerId, `mixed-${getDb().dialect}-${index}-single`),
        {
          now: NOW - 2 * DAY_MS,
          environment,
        },
      );
      expect(single.status).toBe('queued');
      singles.push(Number(single.messageId));
    }
    await Promise.all([
      dispatchBatch(db, workspaceId, { now: NOW, environment }),
      ...singles.map((messageId) =>
        deliverMessage(otherDb, workspaceId, messageId, { now: NOW, environment }),
      ),
    ]);
    await dispatchBatch(db, workspaceId, { now: NOW, environment });
    const { sentPerCustomer, rows } = await outcomes(db, workspaceId);
    expect(Math.max(...sentPerCustomer.values())).toBe(1);
    // Every customer got exactly one: the cap holds and nothing was lost.
    expect(sentPerCustomer.size).toBe(customers.length);
    expect(
      rows.filter((row) => row.status === 'skipped' && row.skip_reason === 'frequency_cap'),
    ).toHaveLength(customers.length);
    expect(arrivedWith(`Offer mixed-${getDb().dialect}-`)).toBe(customers.length);
  });
});

describeOnDatabase('postgres', 'frequency caps: the decision and the claim are one turn', (getDb) => {
  it('a sender deciding while another one is between its decision and its claim waits for it', async () => {
    const { db, open } = getDb();
    const environment = testEnvironment(smtp.url);
    const workspaceId = await emailWorkspace(db, NOW - 10 * DAY_MS);
    await updateEmailSettings(db, workspaceId, { maxPerDay: 1 }, environment, NOW - 10 * DAY_MS);
    const customerId = await addCustomer(db, workspaceId, { name: 'Turn', now: NOW - 10 * DAY_MS });
    const email = (key: string): OutgoingEmail => ({
      workspaceId,
      customerId,
      dedupeKey: key,
      category: 'marketing',
      subject: `Offer ${key}`,
      html: '<p>Hello</p>',
    });
    const [bulk] = await queueEmails(db, [email('turn-bulk')], { now: NOW - 3 * DAY_MS, environment });
    const single = await queueEmail(db, email('turn-single'), { now: NOW - 2 * DAY_MS, environment });
    expect([bulk?.status, single.status]).toEqual(['queued', 'queued']);

    // A third session holds the bulk message's row, so the dispatcher stops at its claim — after
    // it read the customer's cap instants — until the row is let go.
    let letGo = () => {};
    const held = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    let locked = () => {};
    const rowLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = open()
      .db.transaction()
      .execute(async (trx) => {
        await trx
          .selectFrom('email_message')
          .select('id')
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', Number(bulk?.messageId))
          .forUpdate()
          .execute();
        locked();
        await held;
      });
    await rowLocked;
    const dispatcher = dispatchBatch(open().db, workspaceId, { now: NOW, environment });
    const waitingSessions = async () =>
      Number(
        (
          await sql<{ count: string }>`select count(*) as count from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock'`.execute(db)
        ).rows[0]?.count ?? 0,
      );
    for (let tries = 0; (await waitingSessions()) < 1; tries++) {
      if (tries > 200) throw new Error('The dispatcher never reached its claim');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // The single-message job decides now: it must not pass the cap on what the dispatcher read.
    const job = deliverMessage(open().db, workspaceId, Number(single.messageId), { now: NOW, environment });
    const jobDone = await Promise.race([
      job.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1_500)),
    ]);
    letGo();
    await holder;
    await dispatcher;
    const outcome = await job;
    // With the turn, the job waited for the dispatcher's claim and then found the cap full.
    expect(jobDone).toBe(false);
    expect(outcome.status).toBe('skipped');
    expect(arrivedWith('Offer turn-')).toBe(1);
  });
});
