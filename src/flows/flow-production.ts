/**
 * The effects and template check flows use in production: e-mail's `queueEmail` (the step's
 * e-mail, with its dedupe key), `flowEmailCounts` (the report's sent, delivered, bounced, opened,
 * clicked, unsubscribed, skipped) and `checkTemplate` (templates refused at save time).
 */

import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { checkTemplate, flowEmailCounts, queueEmail } from '../email/index.js';
import type { StepTestEmail, TemplateCheck } from './flow.service.js';
import type { FlowEffects, FlowEmailOutcome, FlowEmailResult } from './flow-effects.js';

export const productionFlowEffects: FlowEffects = {
  sendEmail: (db, email, options) => queueEmail(db, email, { now: options.now }),
  // A step's e-mails for every run at it, as one batch. NOTE: src/email has no bulk queue call on
  // main yet (one is being added on the email-batch branch); until it lands this queues them one
  // after another with `queueEmail` — swap the loop for the bulk call then, keeping one result per
  // e-mail.
  async sendEmails(db, emails, options) {
    const results: FlowEmailResult[] = [];
    for (const email of emails) {
      try {
        results.push({ ok: true, outcome: await queueEmail(db, email, { now: options.now }) });
      } catch (error) {
        results.push({ ok: false, error });
      }
    }
    return results;
  },
  async emailCounts(db, workspaceId, flowId) {
    const counts = await flowEmailCounts(db, workspaceId, String(flowId));
    return {
      sent: counts.sent,
      delivered: counts.delivered,
      bounced: counts.bounced,
      opened: counts.opened,
      clicked: counts.clicked,
      unsubscribed: counts.unsubscribed,
      skipped: counts.skipped,
    };
  },
};

export const productionTemplateCheck: TemplateCheck = checkTemplate;

/** A step's test e-mail through e-mail's queue (sent by SMTP, or kept in the outbox). */
export const productionStepTestSend = (
  db: Kysely<Database>,
  email: StepTestEmail,
  now: number,
): Promise<FlowEmailOutcome> => queueEmail(db, email, { now });
