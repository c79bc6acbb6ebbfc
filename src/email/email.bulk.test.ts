/**
 * The bulk path on both engines, against a real SMTP server: `queueEmails` answers each message
 * as `queueEmail` would (duplicates, consent, address, suppression, frequency caps, quiet hours),
 * the `email.dispatch` job delivers the queued ones in batches — each once, personalised, with the
 * RFC 8058 headers — retries a 4xx, suppresses on a 5xx, and holds quiet hours; the `email.sweep`
 * job settles messages stuck beyond their lease; and configuring SMTP later sends what is still
 * waiting, never what the outbox already holds.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  addCustomer,
  emailWorkspace,
  startSmtpServer,
  type TestSmtpServer,
  testEnvironment,
} from '../../test/email/support.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { Worker } from '../jobs/index.js';
import { findMessage, insertSuppression, updateMessage } from './email.repository.js';
import { breaksFrequencyCap, countWithin } from './email-bulk.js';
import { addressHash } from './email-crypto.js';
import { DAY_MS } from './email-schedule.js';
import { updateEmailSettings } from './email-settings.js';
import {
  closeTransports,
  EMAIL_DISPATCH_JOB,
  EMAIL_SWEEP_JOB,
  emailJobHandlers,
  type OutgoingEmail,
  queueEmail,
  queueEmails,
} from './index.js';

const NOW = Date.UTC(2026, 2, 10, 12); // noon UTC: outside the default quiet hours (21:00–08:00)
const MINUTE = 60_000;

let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(async () => {
  closeTransports();
  await smtp.close();
});

it('counts a frequency cap the way skipReasonFor does (open windows, both sides at queue time)', () => {
  expect(countWithin([1, 5, 9], 1, 9)).toBe(1);
  const caps = { maxPerDay: 1, maxPerWeek: 3 };
  // One message 23 h before: the rolling day is full; 25 h before: it is not.
  expect(breaksFrequencyCap([NOW - 23 * 3_600_000], NOW, caps, true)).toBe(true);
  expect(breaksFrequencyCap([NOW - 25 * 3_600_000], NOW, caps, true)).toBe(false);
  // At queue time a message planned 23 h later counts too; at send time it does not.
  expect(breaksFrequencyCap([NOW + 23 * 3_600_000], NOW, caps, false)).toBe(true);
  expect(breaksFrequencyCap([NOW + 23 * 3_600_000], NOW, caps, true)).toBe(false);
  // Three in the week (none in the day) fill the week.
  const week = [NOW - 2 * DAY_MS, NOW - 3 * DAY_MS, NOW - 4 * DAY_MS];
  expect(breaksFrequencyCap(week, NOW, caps, true)).toBe(true);
  expect(breaksFrequencyCap(week.slice(1), NOW, caps, true)).toBe(false);
});

describeEachDatabase('e-mail bulk queue and batched delivery', (getDb) => {
  it('queues many messages with the single-message rules and delivers each queued one once', async () => {
    const { db } = getDb();
    const environment = testEnvironment(smtp.url);
    const workspaceId = await emailWorkspace(db, NOW);
    const customer = (
      name: string,
      fields: { email?: string | null; consent?: boolean; timeZone?: string } = {},
    ) =>
      addCustomer(db, workspaceId, {
        name,
        email: `${name.toLowerCase()}@bulk.example`,
        ...fields,
        now: NOW,
      });
    const ann = await customer('Ann');
    const bob = await customer('Bob', { consent: false });
    const cat = await customer('Cat', { email: null });
    const dan = await customer('Dan');
    const eve = await customer('Eve', { timeZone: 'Asia/Tokyo' }); // 21:00 in Tokyo: quiet
    const fay = await customer('Fay');
    const gus = await customer('Gus');
    await insertSuppression(db, workspaceId, {
      hash: addressHash('dan@bulk.example'),
      reason: 'unsubscribe',
      source: 'test',
      now: NOW,
    });
    const email = (customerId: number, key: string, extra: Partial<OutgoingEmail> = {}): OutgoingEmail => ({
      workspaceId,
      customerId,
      dedupeKey: key,
      category: 'marketing',
      subject: 'Hi {{ customer.first_name }}',
      html: '<p>{{ customer.name }}, your code is {{ code }}</p><a href="https://shop.example/x">Shop</a>',
      variables: { code: `CODE-${key}` },
      origin: { kind: 'flow', flowId: '42', runId: key, stepId: 's' },
      ...extra,
    });
    // Gus was mailed singly before: his key is taken.
    const earlier = await queueEmail(db, email(gus, 'bulk:gus'), { now: NOW, environment });
    expect(earlier.status).toBe('queued');

    const outcomes = await queueEmails(
      db,
      [
        email(ann, 'bulk:ann'),
        email(bob, 'bulk:bob'),
        email(cat, 'bulk:cat'),
        email(dan, 'bulk:dan'),
        email(eve, 'bulk:eve'),
        email(fay, 'bulk:fay-1'),
        email(fay, 'bulk:fay-2'),
        email(gus, 'bulk:gus'),
        email(ann, 'bulk:ann'),
        email(bob, 'bulk:bob-receipt', {
          category: 'transactional',
          subject: 'Receipt for {{ customer.name }}',
        }),
      ],
      { now: NOW, environment },
    );
    const [annQ, bobQ, catQ, danQ, eveQ, fay1Q, fay2Q, gusQ, annAgain, receiptQ] = outcomes;
    expect(annQ).toEqual({ status: 'queued', messageId: expect.stringMatching(/^[1-9][0-9]*$/) });
    expect(bobQ).toMatchObject({ status: 'skipped', reason: 'no_consent' });
    expect(catQ).toMatchObject({ status: 'skipped', reason: 'no_address' });
    expect(danQ).toMatchObject({ status: 'skipped', reason: 'suppressed' });
    expect(eveQ).toMatchObject({ status: 'queued' });
    expect(fay1Q).toMatchObject({ status: 'queued' });
    expect(fay2Q).toMatchObject({ status: 'skipped', reason: 'frequency_cap' });
    expect(gusQ).toEqual({ status: 'duplicate', messageId: earlier.messageId });
    expect(annAgain).toEqual({ status: 'duplicate', messageId: annQ?.messageId });
    expect(receiptQ).toMatchObject({ status: 'queued' });
    // Quiet hours moved Eve's message to 08:00 in Tokyo (23:00 UTC).
    const eveRow = await findMessage(db, workspaceId, Number(eveQ?.messageId));
    expect(eveRow).toMatchObject({ status: 'queued', send_after: Date.UTC(2026, 2, 10, 23) });
    // A second call with the same keys writes nothing new.
    const again = await queueEmails(db, [email(ann, 'bulk:ann'), email(fay, 'bulk:fay-2')], {
      now: NOW,
      environment,
    });
    expect(again).toEqual([
      { status: 'duplicate', messageId: annQ?.messageId },
      { status: 'duplicate', messageId: fay2Q?.messageId },
    ]);

    const before = smtp.received.length;
    const worker = new Worker({ db, handlers: emailJobHandlers(environment), now: () => NOW });
    await worker.drain();
    // Ann, Fay's first, Bob's receipt (bulk) and Gus's earlier single message.
    await smtp.waitFor(before + 4);
    const arrived = smtp.received.slice(before);
    expect(arrived.map((mail) => mail.subject).sort()).toEqual([
      'Hi Ann',
      'Hi Fay',
      'Hi Gus',
      'Receipt for Bob',
    ]);
    const annMail = arrived.find((mail) => mail.subject === 'Hi Ann');
    expect(annMail?.html).toContain('Ann, your code is CODE-bulk:ann');
    expect(annMail?.html).toContain('https://retain.example.test/e/c/'); // the tracked link
    const line = (key: string) =>
      annMail?.headerLines.find((header) => header.key === key)?.line.replace(/\r?\n(?=[ \t])/g, '');
    expect(line('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(line('list-unsubscribe')).toMatch(
      /^List-Unsubscribe:\s*<https:\/\/retain\.example\.test\/e\/u\/[^>]+>$/,
    );
    expect(annMail?.messageId).toBe(`<${annQ?.messageId}.${workspaceId}.retain@example.com>`);
    expect(arrived.find((mail) => mail.subject === 'Receipt for Bob')?.headers.has('list-unsubscribe')).toBe(
      false,
    );
    for (const outcome of [annQ, fay1Q, receiptQ]) {
      expect(await findMessage(db, workspaceId, Number(outcome?.messageId))).toMatchObject({
        status: 'sent',
        attempts: 1,
        sending_until: null,
        smtp_response: expect.stringContaining('250'),
      });
    }

    // Draining again sends nothing; at the end of Eve's quiet hours the dispatch it left sends hers.
    expect(await worker.drain()).toBe(0);
    const later = new Worker({
      db,
      handlers: emailJobHandlers(environment),
      now: () => Date.UTC(2026, 2, 10, 23),
    });
    expect(await later.drain()).toBeGreaterThanOrEqual(1);
    await smtp.waitFor(before + 5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smtp.received.slice(before).map((mail) => mail.subject)).toHaveLength(5);
    expect(smtp.received.at(-1)?.subject).toBe('Hi Eve');
    expect(await findMessage(db, workspaceId, Number(eveQ?.messageId))).toMatchObject({ status: 'sent' });
  });

  it('retries a 4xx by a dispatch at the backoff instant and suppresses on a 5xx to the recipient', async () => {
    const { db } = getDb();
    const environment = testEnvironment(smtp.url);
    const workspaceId = await emailWorkspace(db, NOW);
    const later = await addCustomer(db, workspaceId, { email: 'later@bulk.example', now: NOW });
    const gone = await addCustomer(db, workspaceId, { email: 'gone@bulk.example', now: NOW });
    smtp.refusals.set('later@bulk.example', [{ code: 451, message: 'Try again later' }]);
    smtp.refusals.set('gone@bulk.example', [{ code: 550, message: 'No such user' }]);
    const [laterQ, goneQ] = await queueEmails(
      db,
      [later, gone].map((customerId, index) => ({
        workspaceId,
        customerId,
        dedupeKey: `refused:${index}`,
        category: 'transactional' as const,
        subject: 'Order shipped',
        html: '<p>On its way</p>',
      })),
      { now: NOW, environment },
    );
    const before = smtp.received.length;
    await new Worker({ db, handlers: emailJobHandlers(environment), now: () => NOW }).drain();
    expect(await findMessage(db, workspaceId, Number(laterQ?.messageId))).toMatchObject({
      status: 'queued',
      attempts: 1,
      send_after: NOW + MINUTE,
      last_error: expect.stringContaining('Try again later'),
    });
    expect(await findMessage(db, workspaceId, Number(goneQ?.messageId))).toMatchObject({ status: 'bounced' });
    const suppressed = await db
      .selectFrom('email_suppression')
      .select('reason')
      .where('workspace_id', '=', workspaceId)
      .where('address_hash', '=', addressHash('gone@bulk.example'))
      .executeTakeFirst();
    expect(suppressed).toEqual({ reason: 'hard_bounce' });
    // The dispatch scheduled at the retry instant sends it.
    const retry = new Worker({ db, handlers: emailJobHandlers(environment), now: () => NOW + MINUTE });
    expect(await retry.drain()).toBeGreaterThanOrEqual(1);
    await smtp.waitFor(before + 1);
    expect(await findMessage(db, workspaceId, Number(laterQ?.messageId))).toMatchObject({
      status: 'sent',
      attempts: 2,
    });
    expect(smtp.received.slice(before).map((mail) => mail.to)).toHaveLength(1);
  });

  it('sweeps messages stuck beyond their lease: sending → unknown (not sent again), a lost queued one is sent', async () => {
    const { db } = getDb();
    const environment = testEnvironment(smtp.url);
    const workspaceId = await emailWorkspace(db, NOW);
    const stuckCustomer = await addCustomer(db, workspaceId, { now: NOW });
    const lostCustomer = await addCustomer(db, workspaceId, { now: NOW });
    const message = (customerId: number, key: string): OutgoingEmail => ({
      workspaceId,
      customerId,
      dedupeKey: key,
      category: 'transactional',
      subject: `Subject ${key}`,
      html: '<p>Hello</p>',
    });
    const stuck = await queueEmail(db, message(stuckCustomer, 'sweep:stuck'), { now: NOW, environment });
    const lost = await queueEmail(db, message(lostCustomer, 'sweep:lost'), { now: NOW, environment });
    // A sender claimed the first and died; the second's job died (used its attempts) unsent.
    expect(
      await updateMessage(db, workspaceId, Number(stuck.messageId), ['queued'], {
        status: 'sending',
        attempts: 1,
        sending_until: NOW + 2 * MINUTE,
      }),
    ).toBe(true);
    await db
      .updateTable('job')
      .set({ status: 'dead' })
      .where('workspace_id', '=', workspaceId)
      .where('type', '=', 'email.send')
      .execute();
    const sweeps = () =>
      db
        .selectFrom('job')
        .select(['run_at', 'status'])
        .where('workspace_id', '=', workspaceId)
        .where('type', '=', EMAIL_SWEEP_JOB)
        .orderBy('run_at')
        .execute();
    // Queueing scheduled the sweeper, once for both messages, 15–30 min ahead.
    const scheduled = await sweeps();
    expect(scheduled).toHaveLength(1);
    const sweepAt = Number(scheduled[0]?.run_at);
    expect(sweepAt).toBeGreaterThanOrEqual(NOW + 15 * MINUTE);
    expect(sweepAt).toBeLessThanOrEqual(NOW + 30 * MINUTE);

    // Before the sweep is due nothing moves.
    await new Worker({ db, handlers: emailJobHandlers(environment), now: () => NOW + MINUTE }).drain();
    expect(await findMessage(db, workspaceId, Number(stuck.messageId))).toMatchObject({ status: 'sending' });
    expect(await findMessage(db, workspaceId, Number(lost.messageId))).toMatchObject({ status: 'queued' });
    const before = smtp.received.length;
    const worker = new Worker({ db, handlers: emailJobHandlers(environment), now: () => sweepAt });
    // The sweep, then the dispatch it enqueued (the database is shared: other tests' jobs may run).
    expect(await worker.drain()).toBeGreaterThanOrEqual(2);
    await smtp.waitFor(before + 1);
    expect(await findMessage(db, workspaceId, Number(stuck.messageId))).toMatchObject({
      status: 'unknown',
      attempts: 1,
      last_error: expect.stringContaining('at most once'),
    });
    expect(await findMessage(db, workspaceId, Number(lost.messageId))).toMatchObject({ status: 'sent' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smtp.received.slice(before).map((mail) => mail.subject)).toEqual(['Subject sweep:lost']);
    // The sweep kept itself scheduled while work was pending; with nothing left, the next one
    // finds nothing and schedules no other.
    const next = (await sweeps()).filter((job) => job.status === 'queued');
    expect(next).toHaveLength(1);
    const last = new Worker({
      db,
      handlers: emailJobHandlers(environment),
      now: () => Number(next[0]?.run_at),
    });
    expect(await last.drain()).toBeGreaterThanOrEqual(1);
    expect((await sweeps()).filter((job) => job.status === 'queued')).toHaveLength(0);
    const dispatches = await db
      .selectFrom('job')
      .select('status')
      .where('workspace_id', '=', workspaceId)
      .where('type', '=', EMAIL_DISPATCH_JOB)
      .execute();
    expect(dispatches.every((job) => job.status === 'succeeded')).toBe(true);
  });

  it('configuring SMTP later sends what is still waiting and never the outbox', async () => {
    const { db } = getDb();
    const outbox = testEnvironment(null);
    const workspaceId = await emailWorkspace(db, NOW);
    const customers = await Promise.all(
      ['kept-1', 'kept-2', 'waiting'].map((name) =>
        addCustomer(db, workspaceId, { email: `${name}@later.example`, name, now: NOW }),
      ),
    );
    const message = (customerId: number, key: string, notBefore?: number): OutgoingEmail => ({
      workspaceId,
      customerId,
      dedupeKey: key,
      category: 'marketing',
      subject: `Later ${key}`,
      html: '<p>Hello {{ customer.name }}</p>',
      ...(notBefore === undefined ? {} : { notBefore }),
    });
    const [kept1, kept2, waiting] = await queueEmails(
      db,
      [
        message(customers[0] ?? 0, 'later:kept-1'),
        message(customers[1] ?? 0, 'later:kept-2'),
        message(customers[2] ?? 0, 'later:waiting', NOW + 60 * MINUTE),
      ],
      { now: NOW, environment: outbox },
    );
    await new Worker({ db, handlers: emailJobHandlers(outbox), now: () => NOW }).drain();
    for (const outcome of [kept1, kept2]) {
      expect(await findMessage(db, workspaceId, Number(outcome?.messageId))).toMatchObject({
        status: 'outbox',
      });
    }

    // Now the workspace gets its own SMTP server (the install's SMTP_URL alike).
    const withSmtp = testEnvironment(null);
    await updateEmailSettings(db, workspaceId, { smtpUrl: smtp.url }, withSmtp, NOW + MINUTE);
    const before = smtp.received.length;
    const worker = new Worker({ db, handlers: emailJobHandlers(withSmtp), now: () => NOW + 60 * MINUTE });
    expect(await worker.drain()).toBeGreaterThanOrEqual(1);
    await smtp.waitFor(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(smtp.received.slice(before).map((mail) => mail.subject)).toEqual(['Later later:waiting']);
    expect(await findMessage(db, workspaceId, Number(waiting?.messageId))).toMatchObject({ status: 'sent' });
    // The outbox stays the record of what would have been sent: never mass-sent afterwards.
    for (const outcome of [kept1, kept2]) {
      expect(await findMessage(db, workspaceId, Number(outcome?.messageId))).toMatchObject({
        status: 'outbox',
        smtp_response: null,
      });
    }
    // Nor by the sweeper, however late.
    await new Worker({ db, handlers: emailJobHandlers(withSmtp), now: () => NOW + 2 * DAY_MS }).drain();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smtp.received.slice(before)).toHaveLength(1);
  });
});
