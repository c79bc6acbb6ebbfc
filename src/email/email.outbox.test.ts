/**
 * The contract of `queueEmail` on both engines, without SMTP: messages go to the built-in outbox
 * (stored, not sent), a dedupe key is queued once, and the reasons to skip are recorded.
 */
import { expect, it } from 'vitest';
import { addCustomer, emailWorkspace, testEnvironment } from '../../test/email/support.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { Worker } from '../jobs/index.js';
import { findMessage } from './email.repository.js';
import { emailJobHandlers, flowEmailCounts, queueEmail } from './index.js';

const NOW = Date.UTC(2026, 2, 10, 12); // noon UTC: outside the default quiet hours
const OUTBOX = testEnvironment(null);

describeEachDatabase('e-mail outbox', (getDb) => {
  it('queues once per dedupe key, renders, and stores the message in the outbox when no SMTP is set', async () => {
    const { db } = getDb();
    const workspaceId = await emailWorkspace(db, NOW);
    const customerId = await addCustomer(db, workspaceId, {
      name: 'Ada <Lovelace>',
      email: 'ada@example.com',
      now: NOW,
    });
    const email = {
      workspaceId,
      customerId,
      dedupeKey: 'flow:run-1:step-1',
      category: 'marketing' as const,
      subject: 'Hello {{ customer.first_name }}',
      html: '<p>Dear {{ customer.name }}, {{ coupon.code }}</p>',
      variables: { coupon: { code: 'SAVE10' } },
      origin: { kind: 'flow' as const, flowId: '7', runId: 'run-1', stepId: 'step-1' },
    };
    const first = await queueEmail(db, email, { now: NOW, environment: OUTBOX });
    expect(first).toEqual({ status: 'queued', messageId: expect.stringMatching(/^[1-9][0-9]*$/) });
    const again = await queueEmail(db, { ...email, subject: 'changed' }, { now: NOW, environment: OUTBOX });
    expect(again).toEqual({ status: 'duplicate', messageId: first.messageId });

    const worker = new Worker({ db, handlers: emailJobHandlers(OUTBOX), now: () => NOW });
    expect(await worker.drain()).toBe(1);
    const stored = await findMessage(db, workspaceId, Number(first.messageId));
    expect(stored).toMatchObject({ status: 'outbox', subject: 'Hello Ada', to_address: 'ada@example.com' });
    // The customer's name is escaped; the coupon variable arrives; an unsubscribe footer is added.
    expect(stored?.html).toContain('Dear Ada &lt;Lovelace&gt;, SAVE10');
    expect(stored?.html).toContain('https://retain.example.test/e/u/');
    expect(stored?.text_body).toContain('Dear Ada <Lovelace>, SAVE10');
    expect(await flowEmailCounts(db, workspaceId, '7')).toMatchObject({
      sent: 1,
      outboxed: 1,
      delivered: 0,
      skipped: 0,
    });
  });

  it('skips and records why: no consent, no address, erased; transactional mail needs no consent', async () => {
    const { db } = getDb();
    const workspaceId = await emailWorkspace(db, NOW);
    const noConsent = await addCustomer(db, workspaceId, { consent: false, now: NOW });
    const noAddress = await addCustomer(db, workspaceId, { email: null, now: NOW });
    const erased = await addCustomer(db, workspaceId, { now: NOW });
    await db.updateTable('customer').set({ erased_at: NOW }).where('id', '=', erased).execute();
    const base = { workspaceId, category: 'marketing' as const, subject: 'S', html: '<p>B</p>' };
    const queue = (
      customerId: number,
      dedupeKey: string,
      category: 'marketing' | 'transactional' = 'marketing',
    ) => queueEmail(db, { ...base, customerId, dedupeKey, category }, { now: NOW, environment: OUTBOX });
    expect(await queue(noConsent, 'a')).toMatchObject({ status: 'skipped', reason: 'no_consent' });
    expect(await queue(noAddress, 'b')).toMatchObject({ status: 'skipped', reason: 'no_address' });
    expect(await queue(erased, 'c')).toMatchObject({ status: 'skipped', reason: 'erased' });
    expect(await queue(noConsent, 'd', 'transactional')).toMatchObject({ status: 'queued' });
    // A skipped key stays used.
    expect(await queue(noConsent, 'a')).toMatchObject({ status: 'duplicate' });
  });
});
