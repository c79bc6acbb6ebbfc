/**
 * No duplicate after a kill between the SMTP server's acceptance and the recorded progress, on
 * both engines, for both paths (`queueEmail` with its `email.send` job, `queueEmails` with the
 * batched `email.dispatch`). A child process runs the job against a real SMTP server in this
 * process. When the message's data has arrived, the test locks the message's row (SQLite: the
 * database's write lock; PostgreSQL: the row), then lets the server answer 250: the child now
 * holds an accepted message and waits to record it. The test kills it with SIGKILL, releases the
 * lock, and runs the jobs again past the leases: the message is recorded `unknown` (at most once,
 * email-delivery.ts) and the server never gets a second copy.
 */
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  addCustomer,
  emailWorkspace,
  startSmtpServer,
  type TestSmtpServer,
  testEnvironment,
} from '../../test/email/support.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { spawnTypeScript } from '../../test/support/db/child-process.js';
import { Worker } from '../jobs/index.js';
import { findMessage } from './email.repository.js';
import { closeTransports, emailJobHandlers, queueEmail, queueEmails } from './index.js';

const CHILD_SCRIPT = fileURLToPath(new URL('../../test/email/send-child.ts', import.meta.url));

let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(async () => {
  closeTransports();
  await smtp.close();
});

describeEachDatabase('e-mail crash safety', (getDb) => {
  for (const path of ['single', 'bulk'] as const) {
    it(`a sender killed after the SMTP accept and before recording it never sends the message twice (${path === 'single' ? 'queueEmail, email.send' : 'queueEmails, email.dispatch'})`, async () => {
      const { db, dialect, url, open } = getDb();
      const now = Date.now();
      const workspaceId = await emailWorkspace(db, now);
      const customerId = await addCustomer(db, workspaceId, { now });
      const subject = `Once ${path}`;
      const email = {
        workspaceId,
        customerId,
        dedupeKey: 'flow:crash:1',
        category: 'transactional' as const,
        subject,
        html: '<p>once</p>',
      };
      const queued =
        path === 'single'
          ? await queueEmail(db, email, { now, environment: testEnvironment(smtp.url) })
          : (await queueEmails(db, [email], { now, environment: testEnvironment(smtp.url) }))[0];
      const messageId = Number(queued?.messageId);
      const before = smtp.received.length;

      // The lock: a transaction on another connection that holds the message row until released.
      const locker = open();
      let release = (): void => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let lockHeld: Promise<void> | undefined;
      smtp.beforeAccept = async () => {
        let locked = (): void => {};
        const isLocked = new Promise<void>((resolve) => {
          locked = resolve;
        });
        lockHeld = locker.db
          .transaction()
          .execute(async (trx) => {
            const row = trx
              .selectFrom('email_message')
              .select('status')
              .where('workspace_id', '=', workspaceId)
              .where('id', '=', messageId);
            // SQLite takes the database's write lock with a write; PostgreSQL locks the row.
            if (dialect === 'sqlite') {
              await trx
                .updateTable('email_message')
                .set({ updated_at: now })
                .where('workspace_id', '=', workspaceId)
                .where('id', '=', messageId)
                .execute();
            } else await row.forUpdate().execute();
            // The child marked the message `sending` before it talked to the server.
            expect((await row.executeTakeFirstOrThrow()).status).toBe('sending');
            locked();
            await released;
            throw new Error('rollback');
          })
          .catch(() => undefined);
        await isLocked;
      };

      const child = spawnTypeScript(CHILD_SCRIPT, { CHILD_DATABASE_URL: url, CHILD_SMTP_URL: smtp.url });
      await smtp.waitFor(before + 1, 30_000); // accepted: 250 sent to the child
      smtp.beforeAccept = null;
      // Give the child time to read the 250 and block on its write, then kill it.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(child.output()).not.toContain('DRAINED');
      child.process.kill('SIGKILL');
      expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
      if (dialect === 'postgres') {
        // PostgreSQL would still run the dead child's UPDATE, already sent and waiting on the lock
        // (a server backend outlives its client until it next talks to it): end that backend, as
        // if the process had died a moment before sending it — the case under test.
        const ended = await sql<{
          ended: boolean;
        }>`select pg_terminate_backend(pid) as ended from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'
          and (query ilike '%update "email_message"%' or query ilike '%update email_message%')`.execute(db);
        expect(ended.rows).toEqual([{ ended: true }]);
      }
      release();
      await lockHeld;

      // The row still says `sending`: the acceptance was never recorded.
      expect(await findMessage(db, workspaceId, messageId)).toMatchObject({ status: 'sending', attempts: 1 });

      // Recovery, past the job's lease and the message's: recorded unknown, not sent again.
      const later = Date.now() + 10 * 60_000;
      const worker = new Worker({
        db,
        handlers: emailJobHandlers(testEnvironment(smtp.url)),
        now: () => later,
      });
      // Its job again (other tests' leftovers in the shared database may run too), then nothing.
      expect(await worker.drain()).toBeGreaterThanOrEqual(1);
      expect(await worker.drain()).toBe(0);
      const recovered = await findMessage(db, workspaceId, messageId);
      expect(recovered).toMatchObject({ status: 'unknown', attempts: 1 });
      expect(recovered?.last_error).toContain('at most once');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(smtp.received.slice(before).filter((mail) => mail.subject === subject)).toHaveLength(1);
      // A queue call with the same key later is a duplicate, not a second message.
      expect(await queueEmail(db, email, { now: later, environment: testEnvironment(smtp.url) })).toEqual({
        status: 'duplicate',
        messageId: String(messageId),
      });
    }, 60_000);
  }
});
