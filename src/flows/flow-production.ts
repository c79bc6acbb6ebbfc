/**
 * The effects and template check flows use in production: e-mail's `queueEmail` (the step's
 * e-mail, with its dedupe key), `flowEmailCounts` (the report's sent, delivered, bounced, opened,
 * clicked, unsubscribed, skipped) and `checkTemplate` (templates refused at save time).
 */
import { checkTemplate, flowEmailCounts, queueEmail } from '../email/index.js';
import type { TemplateCheck } from './flow.service.js';
import type { FlowEffects } from './flow-effects.js';

export const productionFlowEffects: FlowEffects = {
  sendEmail: (db, email, options) => queueEmail(db, email, { now: options.now }),
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
