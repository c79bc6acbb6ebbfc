/**
 * The contract of `queueEmail` on both engines, without SMTP: messages go to the built-in outbox
 * (stored, not sent), a dedupe key is queued once, and the reasons to skip are recorded.
 */
import { expect, it } from 'vitest';
import { addCustomer, emailWorkspace, testEnvironment } from '../../test/email/support.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { Worker } from '../jobs/index.js';
import { findMessage } from './email.repository.js';
import { updateEmailSettings } from './email-settings.js';
import { EMAIL_SEND_JOB, emailJobHandlers, flowEmailCounts, queueEmail } from './index.js';

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

  it('waits for a sender whose lease still runs, then records the message unknown (never resent)', async () => {
    const { db } = getDb();
    const workspaceId = await emailWorkspace(db, NOW);
    const customerId = await addCustomer(db, workspaceId, { now: NOW });
    const queued = await queueEmail(
      db,
      {
        workspaceId,
        customerId,
        dedupeKey: 'stalled',
        category: 'transactional',
        subject: 'S',
        html: '<p>B</p>',
      },
      { now: NOW, environment: OUTBOX },
    );
    const id = Number(queued.messageId);
    // As a sender that stalled mid-conversation leaves it: `sending`, its lease two minutes on.
    await db
      .updateTable('email_message')
      .set({ status: 'sending', sending_until: NOW + 120_000 })
      .where('id', '=', id)
      .execute();
    const at = (now: number) => new Worker({ db, handlers: emailJobHandlers(OUTBOX), now: () => now });
    await at(NOW).drain(); // (the block's other workspaces' due jobs too)
    expect(await findMessage(db, workspaceId, id)).toMatchObject({ status: 'sending' });
    const waiting = await db
      .selectFrom('job')
      .select(['status', 'run_at'])
      .where('workspace_id', '=', workspaceId)
      .where('type', '=', EMAIL_SEND_JOB)
      .where('status', '=', 'queued')
      .execute();
    expect(waiting).toEqual([{ status: 'queued', run_at: NOW + 120_000 }]);
    await at(NOW + 119_999).drain();
    expect(await findMessage(db, workspaceId, id)).toMatchObject({ status: 'sending' });
    await at(NOW + 120_000).drain();
    expect(await findMessage(db, workspaceId, id)).toMatchObject({ status: 'unknown' });
  });

  it('leaves out the open pixel and click redirects when the workspace turns tracking off', async () => {
    const { db } = getDb();
    const workspaceId = await emailWorkspace(db, NOW);
    const customerId = await addCustomer(db, workspaceId, { now: NOW });
    await updateEmailSettings(db, workspaceId, { trackOpens: false, trackClicks: false }, OUTBOX, NOW);
    const queued = await queueEmail(
      db,
      {
        workspaceId,
        customerId,
        dedupeKey: 'untracked',
        category: 'marketing',
        subject: 'S',
        html: '<a href="https://shop.example.com/">Shop</a>',
      },
      { now: NOW, environment: OUTBOX },
    );
    const html = (await findMessage(db, workspaceId, Number(queued.messageId)))?.html ?? '';
    expect(html).toContain('href="https://shop.example.com/"');
    expect(html).not.toContain('/e/o/');
    expect(html).not.toContain('/e/c/');
    expect(html).toContain('/e/u/'); // the unsubscribe link stays
  });

  it('fails a message whose workspace SMTP URL the install key no longer opens, instead of leaving it queued', async () => {
    const { db } = getDb();
    const workspaceId = await emailWorkspace(db, NOW);
    const customerId = await addCustomer(db, workspaceId, { now: NOW });
    await updateEmailSettings(db, workspaceId, { smtpUrl: 'smtp://u:p@127.0.0.1:1' }, OUTBOX, NOW);
    const queued = await queueEmail(
      db,
      {
        workspaceId,
        customerId,
        dedupeKey: 'rekeyed',
        category: 'transactional',
        subject: 'S',
        html: '<p>B</p>',
      },
      { now: NOW, environment: OUTBOX },
    );
    const rekeyed = { ...OUTBOX, secretKey: 'another install key' };
    await new Worker({ db, handlers: emailJobHandlers(rekeyed), now: () => NOW }).drain();
    const message = await findMessage(db, workspaceId, Number(queued.messageId));
    expect(message).toMatchObject({ status: 'failed' });
    expect(message?.last_error).toContain('RETAIN_SECRET_KEY');
  });
});
