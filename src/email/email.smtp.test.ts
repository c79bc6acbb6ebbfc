/**
 * Real mail to a real SMTP server started in the test (`smtp-server`), parsed with `mailparser`,
 * on both engines: the headers (RFC 8058 one-click unsubscribe, the stable Message-ID), personalised
 * and escaped content with recommendations and a coupon, the plain-text part; a 4xx retried with
 * backoff; a 5xx on the recipient suppressing the address (also after the customer's erasure);
 * frequency caps and quiet hours on simulated time.
 */

import type { Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  addCustomer,
  emailWorkspace,
  startSmtpServer,
  type TestSmtpServer,
  testEnvironment,
} from '../../test/email/support.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { type Database, newId, toJson } from '../db/index.js';
import { Worker } from '../jobs/index.js';
import { eraseCustomer } from '../privacy/index.js';
import { findMessage } from './email.repository.js';
import { closeTransports, EMAIL_SEND_JOB, emailSendHandler, queueEmail } from './index.js';

const NOON = Date.UTC(2026, 2, 10, 12); // a Tuesday, noon UTC
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = await startSmtpServer();
});
afterAll(async () => {
  closeTransports();
  await smtp.close();
});

/**
 * Runs the due `email.send` jobs at `now` (the one-message path these tests count; the sweeper
 * that queueing schedules, email.bulk.test.ts's subject, is left out).
 */
async function drain(db: Kysely<Database>, now: number): Promise<number> {
  const handlers = { [EMAIL_SEND_JOB]: emailSendHandler(testEnvironment(smtp.url)) };
  const worker = new Worker({ db, handlers, now: () => now });
  return worker.drain();
}

async function orderOf(
  db: Kysely<Database>,
  workspaceId: number,
  customerId: number,
  products: string[],
  at: number,
) {
  const order = await db
    .insertInto('customer_order')
    .values({
      workspace_id: workspaceId,
      customer_id: customerId,
      external_id: `o-${newId()}`,
      ordered_at: at,
      currency: 'USD',
      amount_cents: 1000,
      created_at: at,
      updated_at: at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('order_item')
    .values(
      products.map((product, index) => ({
        workspace_id: workspaceId,
        order_id: order.id,
        line: index + 1,
        product_id: product,
        product_name: product.toUpperCase(),
        unit_price_cents: 500,
      })),
    )
    .execute();
}

describeEachDatabase('e-mail through SMTP', (getDb) => {
  it('delivers personalised, escaped mail with one-click unsubscribe headers and a stable Message-ID', async () => {
    const { db } = getDb();
    const workspaceId = await emailWorkspace(db, NOON);
    const address = `ada-${newId()}@example.com`;
    const customerId = await addCustomer(db, workspaceId, {
      email: address,
      name: 'Ada <script>alert(1)</script>',
      attributes: { plan: 'gold' },
      now: NOON,
    });
    // Recommendations: Ada bought tea; others bought tea with cups (3 orders) and honey (1).
    const other = await addCustomer(db, workspaceId, { now: NOON });
    await orderOf(db, workspaceId, customerId, ['tea'], NOON - 10 * DAY);
    for (let index = 0; index < 3; index++)
      await orderOf(db, workspaceId, other, ['tea', 'cups'], NOON - 9 * DAY);
    await orderOf(db, workspaceId, other, ['tea', 'honey'], NOON - 8 * DAY);
    const before = smtp.received.length;

    const outcome = await queueEmail(
      db,
      {
        workspaceId,
        customerId,
        dedupeKey: 'flow:r1:s1',
        category: 'marketing',
        subject: 'A gift for {{ customer.first_name }}',
        html: [
          '<html><body><p>Hi {{ customer.name }} ({{ customer.attributes.plan }})</p>',
          '<ul>{% for product in recommendations %}<li>{{ product.name }} x{{ product.bought_together }}</li>{% endfor %}</ul>',
          '{% if coupon %}<p>Code {{ coupon.code }}</p>{% endif %}',
          '<a href="https://shop.example.com/tea?a=1&amp;b=2">Shop</a></body></html>',
        ].join(''),
        variables: { coupon: { code: 'TEA-10' } },
        origin: { kind: 'flow', flowId: '3', runId: 'r1', stepId: 's1' },
      },
      { now: NOON, environment: testEnvironment(smtp.url) },
    );
    expect(outcome.status).toBe('queued');
    expect(await drain(db, NOON)).toBe(1);
    await smtp.waitFor(before + 1);
    const mail = smtp.received[before]!;
    const stored = await findMessage(db, workspaceId, Number(outcome.messageId));
    expect(stored?.status).toBe('sent');

    expect(mail.to).toMatchObject({ value: [{ address }] });
    expect(mail.subject).toBe('A gift for Ada');
    expect(stored?.smtp_message_id).toBe(`<${outcome.messageId}.${workspaceId}.retain@example.com>`);
    expect(mail.messageId).toBe(stored?.smtp_message_id);
    // The raw header lines, as a mail client reads them (RFC 8058 §3.1 and §3.2).
    const line = (key: string) =>
      mail.headerLines.find((header) => header.key === key)?.line.replace(/\r?\n(?=[ \t])/g, '');
    const unsubscribeUrl = /^List-Unsubscribe:\s*<(https:[^>]+)>$/.exec(line('list-unsubscribe') ?? '')?.[1];
    expect(unsubscribeUrl).toMatch(/^https:\/\/retain\.example\.test\/e\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(line('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');

    const html = String(mail.html);
    expect(html).toContain('Hi Ada &lt;script&gt;alert(1)&lt;/script&gt; (gold)');
    expect(html).not.toContain('<script>');
    // Co-occurrence ranking: cups (3 shared orders) before honey (1); tea, already bought, left out.
    expect(html).toContain('<li>CUPS x3</li><li>HONEY x1</li></ul>');
    expect(html).not.toContain('<li>TEA');
    expect(html).toContain('Code TEA-10');
    // The link goes through a signed click redirect; the open pixel is there; the footer too.
    expect(html).not.toContain('href="https://shop.example.com');
    expect(html).toMatch(/href="https:\/\/retain\.example\.test\/e\/c\/[^"]+"/);
    expect(html).toMatch(/<img src="https:\/\/retain\.example\.test\/e\/o\/[^"]+"/);
    expect(html).toContain(`href="${unsubscribeUrl}"`);
    expect(mail.text).toContain('Hi Ada <script>alert(1)</script> (gold)');
    expect(mail.text).toContain('https://shop.example.com/tea?a=1&b=2');
  });

  it('retries a 4xx with backoff and sends once; a 5xx on the recipient bounces and suppresses, past erasure', async () => {
    const { db } = getDb();
    const workspaceId = await emailWorkspace(db, NOON);
    const greylisted = `grey-${newId()}@example.com`;
    const greyCustomer = await addCustomer(db, workspaceId, { email: greylisted, now: NOON });
    smtp.refusals.set(greylisted, [
      { code: 451, message: 'Greylisted, try later' },
      { code: 450, message: 'Mailbox busy' },
    ]);
    const before = smtp.received.length;
    const email = {
      workspaceId,
      category: 'transactional' as const,
      subject: 'Receipt',
      html: '<p>Thanks</p>',
    };
    const queued = await queueEmail(
      db,
      { ...email, customerId: greyCustomer, dedupeKey: 'receipt-1' },
      { now: NOON, environment: testEnvironment(smtp.url) },
    );
    expect(await drain(db, NOON)).toBe(1);
    let stored = await findMessage(db, workspaceId, Number(queued.messageId));
    expect(stored).toMatchObject({ status: 'queued', attempts: 1, send_after: NOON + 60_000 });
    expect(stored?.last_error).toContain('Greylisted');
    expect(await drain(db, NOON + 59_000)).toBe(0); // not before the backoff
    expect(await drain(db, NOON + 60_000)).toBe(1);
    stored = await findMessage(db, workspaceId, Number(queued.messageId));
    expect(stored).toMatchObject({ status: 'queued', attempts: 2, send_after: NOON + 60_000 + 120_000 });
    expect(await drain(db, NOON + 180_000)).toBe(1);
    stored = await findMessage(db, workspaceId, Number(queued.messageId));
    expect(stored).toMatchObject({ status: 'sent', attempts: 3 });
    await smtp.waitFor(before + 1);
    expect(smtp.received.slice(before).filter((mail) => mail.subject === 'Receipt')).toHaveLength(1);

    const bouncing = `Gone-${newId()}@Example.com`;
    const goneCustomer = await addCustomer(db, workspaceId, { email: bouncing, now: NOON });
    smtp.refusals.set(bouncing.toLowerCase(), [{ code: 550, message: 'No such user' }]);
    const hard = await queueEmail(
      db,
      { ...email, customerId: goneCustomer, dedupeKey: 'receipt-2' },
      { now: NOON, environment: testEnvironment(smtp.url) },
    );
    expect(await drain(db, NOON + 200_000)).toBe(1);
    expect(await findMessage(db, workspaceId, Number(hard.messageId))).toMatchObject({
      status: 'bounced',
      attempts: 1,
    });
    expect(await drain(db, NOON + 10 * DAY)).toBe(0); // never retried
    const suppressions = await db
      .selectFrom('email_suppression')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .execute();
    expect(suppressions).toMatchObject([{ reason: 'hard_bounce', source: 'smtp' }]);
    expect(suppressions[0]?.address_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(suppressions)).not.toContain('example.com');

    // Even transactional mail is refused to a suppressed address, in any letter case …
    const again = await queueEmail(
      db,
      { ...email, customerId: goneCustomer, dedupeKey: 'receipt-3' },
      { now: NOON, environment: testEnvironment(smtp.url) },
    );
    expect(again).toMatchObject({ status: 'skipped', reason: 'suppressed' });
    // … and the suppression outlives the customer's erasure: a new customer at that address is refused.
    await eraseCustomer(db, {
      workspaceId,
      customerId: goneCustomer,
      actor: { type: 'system' },
      now: NOON + DAY,
    });
    expect((await findMessage(db, workspaceId, Number(hard.messageId)))?.to_address).toBeNull();
    expect(
      await db
        .selectFrom('email_suppression')
        .select('address_hash')
        .where('workspace_id', '=', workspaceId)
        .execute(),
    ).toHaveLength(1);
    const newcomer = await addCustomer(db, workspaceId, {
      email: bouncing.toUpperCase(),
      now: NOON + 2 * DAY,
    });
    const refused = await queueEmail(
      db,
      { ...email, customerId: newcomer, dedupeKey: 'receipt-4' },
      { now: NOON + 2 * DAY, environment: testEnvironment(smtp.url) },
    );
    expect(refused).toMatchObject({ status: 'skipped', reason: 'suppressed' });
  });

  it('respects the frequency caps (1 a day, 3 a week) for marketing mail, not for transactional mail', async () => {
    const { db } = getDb();
    const workspaceId = await emailWorkspace(db, NOON);
    const customerId = await addCustomer(db, workspaceId, { now: NOON });
    const environment = testEnvironment(smtp.url);
    const send = async (key: string, at: number, category: 'marketing' | 'transactional' = 'marketing') => {
      const outcome = await queueEmail(
        db,
        { workspaceId, customerId, dedupeKey: key, category, subject: key, html: '<p>x</p>' },
        { now: at, environment },
      );
      await drain(db, at);
      return outcome;
    };
    expect(await send('day1-a', NOON)).toMatchObject({ status: 'queued' });
    expect(await send('day1-b', NOON + HOUR)).toMatchObject({ status: 'skipped', reason: 'frequency_cap' });
    expect(await send('day1-receipt', NOON + HOUR, 'transactional')).toMatchObject({ status: 'queued' });
    expect(await send('day2', NOON + DAY + HOUR)).toMatchObject({ status: 'queued' });
    expect(await send('day3', NOON + 2 * DAY + 2 * HOUR)).toMatchObject({ status: 'queued' });
    expect(await send('day4', NOON + 3 * DAY + 3 * HOUR)).toMatchObject({
      status: 'skipped',
      reason: 'frequency_cap',
    });
    expect(await send('day8', NOON + 7 * DAY + HOUR)).toMatchObject({ status: 'queued' });
    const statuses = await db
      .selectFrom('email_message')
      .select(['dedupe_key', 'status', 'skip_reason'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('id')
      .execute();
    expect(statuses.map((row) => `${row.dedupe_key}:${row.status}`)).toEqual([
      'day1-a:sent',
      'day1-b:skipped',
      'day1-receipt:sent',
      'day2:sent',
      'day3:sent',
      'day4:skipped',
      'day8:sent',
    ]);
  });

  it('holds marketing mail during quiet hours in the customer’s time zone and sends it when they end', async () => {
    const { db } = getDb();
    const workspaceId = await emailWorkspace(db, NOON);
    // 14:00 UTC is 23:00 in Tokyo: inside the default 21:00–08:00 quiet hours, which end at 08:00
    // Tokyo time, 23:00 UTC.
    const at = Date.UTC(2026, 2, 10, 14);
    const resume = Date.UTC(2026, 2, 10, 23);
    const tokyo = await addCustomer(db, workspaceId, { timeZone: 'Asia/Tokyo', now: at });
    const environment = testEnvironment(smtp.url);
    const before = smtp.received.length;
    const held = await queueEmail(
      db,
      {
        workspaceId,
        customerId: tokyo,
        dedupeKey: 'night',
        category: 'marketing',
        subject: 'Night',
        html: '<p>n</p>',
      },
      { now: at, environment },
    );
    const receipt = await queueEmail(
      db,
      {
        workspaceId,
        customerId: tokyo,
        dedupeKey: 'receipt',
        category: 'transactional',
        subject: 'Receipt now',
        html: '<p>r</p>',
      },
      { now: at, environment },
    );
    expect(await findMessage(db, workspaceId, Number(held.messageId))).toMatchObject({
      status: 'queued',
      send_after: resume,
    });
    expect(await drain(db, at)).toBe(1); // only the transactional one
    expect(await findMessage(db, workspaceId, Number(receipt.messageId))).toMatchObject({ status: 'sent' });
    expect(await drain(db, resume - 1)).toBe(0);
    expect(await drain(db, resume)).toBe(1);
    expect(await findMessage(db, workspaceId, Number(held.messageId))).toMatchObject({
      status: 'sent',
      sent_at: resume,
    });
    await smtp.waitFor(before + 2);
    expect(smtp.received.slice(before).map((mail) => mail.subject)).toEqual(['Receipt now', 'Night']);

    // Set later to quiet hours of 13:00–15:00 for a Paris customer: a message queued before them
    // but due inside them (notBefore) waits until 15:00 Paris time.
    await db
      .insertInto('email_settings')
      .values({ workspace_id: workspaceId, signing_secret: 's', updated_at: at })
      .onConflict((c) => c.column('workspace_id').doUpdateSet({ quiet_start: '13:00', quiet_end: '15:00' }))
      .execute();
    const paris = await addCustomer(db, workspaceId, { timeZone: 'Europe/Paris', now: at });
    const due = Date.UTC(2026, 2, 11, 12, 30); // 13:30 in Paris (UTC+1 in March before the change)
    const later = await queueEmail(
      db,
      {
        workspaceId,
        customerId: paris,
        dedupeKey: 'paris',
        category: 'marketing',
        subject: 'P',
        html: '<p>p</p>',
        notBefore: due,
      },
      { now: at, environment },
    );
    expect(await findMessage(db, workspaceId, Number(later.messageId))).toMatchObject({
      send_after: Date.UTC(2026, 2, 11, 14),
    });
    void toJson;
  });
});
