/**
 * A survey e-mail end to end on both engines (issue 14, "Done means"): `sendSurvey` queues it
 * through the e-mail module, the `email.send` job delivers it to a real SMTP server (the
 * `smtp-server` package on a loopback port), and the rating links read from the received message
 * — not from our own code — record the customer's answer on the public survey page. The same link
 * with another customer's id, or with a changed signature, records nothing.
 */
import { expect, it } from 'vitest';
import { updateEmailSettings } from '../../src/email/email-settings.js';
import { closeTransports, emailJobHandlers } from '../../src/email/index.js';
import { createSurvey, listResponses, sendSurvey, surveyEmailMailer } from '../../src/feedback/index.js';
import { Worker } from '../../src/jobs/index.js';
import { buildApp } from '../../src/server/index.js';
import {
  addCustomer,
  emailWorkspace,
  PUBLIC_URL,
  startSmtpServer,
  testEnvironment,
} from '../email/support.js';
import { describeEachDatabase } from '../support/databases.js';

const NOW = Date.UTC(2026, 2, 10, 12); // noon UTC: outside the default quiet hours

/** The `href`s of the HTML part that point at the survey page. */
function surveyLinks(html: string): string[] {
  return [...html.matchAll(/href="([^"]+)"/g)]
    .map((match) => match[1]!.replaceAll('&amp;', '&'))
    .filter((href) => href.startsWith(`${PUBLIC_URL}/s/`));
}

describeEachDatabase('the survey e-mail', (getDb) => {
  it('reaches a real SMTP server; its signed rating link records the answer, for that customer only', async () => {
    const { db, dialect } = getDb();
    const smtp = await startSmtpServer();
    try {
      const environment = testEnvironment(smtp.url);
      const workspaceId = await emailWorkspace(db, NOW);
      // Links straight to the survey page (click tracking would wrap them in a redirect).
      await updateEmailSettings(db, workspaceId, { trackClicks: false, trackOpens: false }, environment, NOW);
      const ann = await addCustomer(db, workspaceId, { email: 'ann@example.com', name: 'Ann', now: NOW });
      const bob = await addCustomer(db, workspaceId, { email: 'bob@example.com', name: 'Bob', now: NOW });
      const survey = await createSurvey(db, {
        workspaceId,
        survey: { name: 'Was it solved?', kind: 'csat', scale: 'binary', comment: true },
        createdBy: null,
        actor: { type: 'system' },
        now: NOW,
      });
      const mailer = surveyEmailMailer(environment);
      const send = (customerId: number) =>
        sendSurvey(db, {
          workspaceId,
          surveyId: survey.id,
          customerId,
          now: NOW,
          baseUrl: PUBLIC_URL,
          mailer,
          dedupeKey: `ticket:${customerId}`,
        });
      const toAnn = await send(ann);
      const toBob = await send(bob);
      expect(toAnn.send).toMatchObject({ delivery: 'queued', messageId: expect.stringMatching(/^\d+$/) });
      // A retried send (same dedupe key) is the same send: no second e-mail.
      expect((await send(ann)).send).toMatchObject({ id: toAnn.send.id, delivery: 'queued' });

      const worker = new Worker({ db, handlers: emailJobHandlers(environment), now: () => NOW });
      expect(await worker.drain()).toBe(2);
      await smtp.waitFor(2);
      expect(smtp.received).toHaveLength(2);
      const annMail = smtp.received.find(
        (mail) => mail.to && JSON.stringify(mail.to).includes('ann@example.com'),
      )!;
      const bobMail = smtp.received.find(
        (mail) => mail.to && JSON.stringify(mail.to).includes('bob@example.com'),
      )!;
      expect(annMail.subject).toBe('A quick question from Tea Shop');
      expect(String(annMail.html)).toContain('How satisfied were you with our service?');
      // Two rating links (satisfied first) and the page's link, all signed for Ann's send.
      const annLinks = surveyLinks(String(annMail.html));
      expect(annLinks).toHaveLength(3);
      const notSatisfied = annLinks.find((href) => href.endsWith('?r=0'))!;
      expect(notSatisfied).toBe(`${PUBLIC_URL}/s/${toAnn.links.token}?r=0`);
      const bobLinks = surveyLinks(String(bobMail.html));
      expect(bobLinks.find((href) => href.endsWith('?r=1'))).toBe(`${PUBLIC_URL}/s/${toBob.links.token}?r=1`);

      const app = buildApp({ db, dialect, now: () => NOW }, { webRoot: false, surveyRateLimit: false });
      const path = (href: string) => href.slice(PUBLIC_URL.length);
      // Ann clicks "Not satisfied" in her e-mail: recorded.
      const clicked = await app.request(path(notSatisfied));
      expect(clicked.status).toBe(200);
      expect(await clicked.text()).toContain('Your rating is recorded');

      // Her link replayed for Bob (his id in place of hers) and with a changed signature: refused.
      const [, sendId, customerId, signature] = /\/s\/(\d+\.\d+)\.(\d+)\.([A-Za-z0-9_-]{43})/
        .exec(notSatisfied)!
        .slice(0) as [string, string, string, string];
      expect(Number(customerId)).toBe(ann);
      const forBob = `/s/${sendId}.${bob}.${signature}?r=0`;
      expect((await app.request(forBob)).status).toBe(403);
      const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
      expect((await app.request(`/s/${sendId}.${customerId}.${flipped}?r=1`)).status).toBe(403);
      const formForBob = await app.request(`/s/${sendId}.${bob}.${signature}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'rating=0',
      });
      expect(formForBob.status).toBe(403);

      const answers = await listResponses(db, workspaceId, {});
      expect(
        answers.items.map((item) => [item.response.customerId, item.response.rating, item.response.negative]),
      ).toEqual([[ann, 0, true]]);
      // Bob's own link answers for Bob.
      expect((await app.request(path(bobLinks.find((href) => href.endsWith('?r=1'))!))).status).toBe(200);
      const after = await listResponses(db, workspaceId, {});
      expect(after.items.map((item) => [item.response.customerId, item.response.rating]).sort()).toEqual(
        [
          [ann, 0],
          [bob, 1],
        ].sort(),
      );
    } finally {
      // The transport keeps its SMTP connection open for the next message: closed first.
      closeTransports();
      await smtp.close();
    }
  });

  it('with click tracking on (the default), the e-mail’s rating link redirects to the signed link, which records the rating', async () => {
    const { db, dialect } = getDb();
    const smtp = await startSmtpServer();
    try {
      const environment = testEnvironment(smtp.url);
      const workspaceId = await emailWorkspace(db, NOW);
      const cat = await addCustomer(db, workspaceId, { email: 'cat@example.com', now: NOW });
      const survey = await createSurvey(db, {
        workspaceId,
        survey: { name: 'After delivery', kind: 'csat', scale: 'five_point', comment: true },
        createdBy: null,
        actor: { type: 'system' },
        now: NOW,
      });
      const sent = await sendSurvey(db, {
        workspaceId,
        surveyId: survey.id,
        customerId: cat,
        now: NOW,
        baseUrl: PUBLIC_URL,
        mailer: surveyEmailMailer(environment),
      });
      const worker = new Worker({ db, handlers: emailJobHandlers(environment), now: () => NOW });
      expect(await worker.drain()).toBe(1);
      await smtp.waitFor(1);
      const hrefs = [...String(smtp.received[0]!.html).matchAll(/href="([^"]+)"/g)].map((match) =>
        match[1]!.replaceAll('&amp;', '&'),
      );
      // Every link is a signed click redirect of the e-mail module; none is the survey link itself.
      expect(hrefs.filter((href) => href.startsWith(`${PUBLIC_URL}/s/`))).toEqual([]);
      const redirects = hrefs.filter((href) => href.startsWith(`${PUBLIC_URL}/e/c/`));
      expect(redirects.length).toBeGreaterThanOrEqual(6); // five ratings and the page
      const app = buildApp({ db, dialect, now: () => NOW }, { webRoot: false, surveyRateLimit: false });
      const targets: string[] = [];
      for (const redirect of redirects) {
        const answer = await app.request(redirect.slice(PUBLIC_URL.length));
        expect(answer.status).toBe(302);
        targets.push(answer.headers.get('location') ?? '');
      }
      expect(targets).toContain(`${PUBLIC_URL}/s/${sent.links.token}?r=2`);
      // The customer follows the redirect of "2": the rating is recorded for her.
      const page = await app.request(`/s/${sent.links.token}?r=2`);
      expect(page.status).toBe(200);
      const answers = await listResponses(db, workspaceId, {});
      expect(answers.items.map((item) => [item.response.customerId, item.response.rating])).toEqual([
        [cat, 2],
      ]);
    } finally {
      closeTransports();
      await smtp.close();
    }
  });

  it('goes by the customer’s consent for NPS (marketing) and speaks their language', async () => {
    const { db } = getDb();
    const environment = testEnvironment(null); // the built-in outbox
    const workspaceId = await emailWorkspace(db, NOW);
    await updateEmailSettings(db, workspaceId, { trackClicks: false }, environment, NOW);
    const noConsent = await addCustomer(db, workspaceId, { consent: false, now: NOW });
    const chinese = await addCustomer(db, workspaceId, { now: NOW });
    await db.updateTable('customer').set({ language: 'zh-CN' }).where('id', '=', chinese).execute();
    const survey = await createSurvey(db, {
      workspaceId,
      survey: { name: 'NPS', kind: 'nps' },
      createdBy: null,
      actor: { type: 'system' },
      now: NOW,
    });
    const mailer = surveyEmailMailer(environment);
    const skipped = await sendSurvey(db, {
      workspaceId,
      surveyId: survey.id,
      customerId: noConsent,
      now: NOW,
      baseUrl: PUBLIC_URL,
      mailer,
    });
    expect(skipped.send).toMatchObject({ delivery: 'skipped', deliveryReason: 'no_consent' });
    const queued = await sendSurvey(db, {
      workspaceId,
      surveyId: survey.id,
      customerId: chinese,
      now: NOW,
      baseUrl: PUBLIC_URL,
      mailer,
    });
    expect(queued.send.delivery).toBe('queued');
    const message = await db
      .selectFrom('email_message')
      .select(['subject', 'html'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', Number(queued.send.messageId))
      .executeTakeFirstOrThrow();
    expect(message.subject).toBe('Tea Shop 想听听您的意见');
    expect(message.html).toContain('您有多大可能向朋友或同事推荐我们？');
    // 0–10: eleven rating links, 0 to 10, each the signed link of this send with its rating.
    expect(surveyLinks(message.html ?? '').filter((href) => href.includes('?r='))).toEqual(
      queued.links.ratings.map((link) => link.url),
    );
    expect(queued.links.ratings.map((link) => link.rating)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
