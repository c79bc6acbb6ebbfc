/**
 * The effects and template check flows use in production: e-mail's `queueEmails` / `queueEmail`
 * (the step's e-mails, each with its dedupe key), `flowEmailCounts` (the report's sent, delivered,
 * bounced, opened, clicked, unsubscribed, skipped) and `checkTemplate` (templates refused at save
 * time).
 */

import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { checkTemplate, flowEmailCounts, queueEmail, queueEmails } from '../email/index.js';
import type { StepTestEmail, TemplateCheck } from './flow.service.js';
import type { FlowEffects, FlowEmailOutcome, FlowEmailResult } from './flow-effects.js';

export const productionFlowEffects: FlowEffects = {
  sendEmail: (db, email, options) => queueEmail(db, email, { now: options.now }),
  // A step's e-mails for every run at it, as one batch through e-mail's bulk queue. The bulk call
  // refuses a whole chunk for one bad message (say a customer erased since the run began); then
  // each is queued alone, so that failure holds only its own run (the ones already queued answer
  // `duplicate` through their dedupe keys).
  async sendEmails(db, emails, options) {
    try {
      const outcomes = await queueEmails(db, emails, { now: options.now });
      return outcomes.map((outcome): FlowEmailResult => ({ ok: true, outcome }));
    } catch {
      const results: FlowEmailResult[] = [];
      for (const email of emails) {
        try {
          results.push({ ok: true, outcome: await queueEmail(db, email, { now: options.now }) });
        } catch (error) {
          results.push({ ok: false, error });
        }
      }
      return results;
    }
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
