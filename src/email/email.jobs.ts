/**
 * The `email.send` job: one delivery attempt of one message (email-delivery.ts). A retry after a
 * 4xx, or a message held by quiet hours, is a new job due later (its idempotency key names the
 * instant), enqueued in the same transaction that completes this one; so is a look at a message
 * another sender still holds, once its lease has ended. `email.dispatch` and `email.sweep`
 * (email-dispatch.ts): the batched delivery of `queueEmails` and the sweeper of stuck messages.
 */
import type { JobHandler } from '../jobs/index.js';
import { EMAIL_SEND_JOB, type EmailSendPayload } from './email.service.js';
import { deliverMessage, enqueueDelivery } from './email-delivery.js';
import { emailDispatchHandler, emailSweepHandler } from './email-dispatch.js';
import { type EmailEnvironment, emailEnvironment } from './email-environment.js';
import { EMAIL_DISPATCH_JOB, EMAIL_SWEEP_JOB } from './email-job-schedule.js';

/** The handler of `email.send`, reading SMTP_URL and friends from `environment` (default the process's). */
export function emailSendHandler(environment?: EmailEnvironment): JobHandler<EmailSendPayload> {
  return async (job, context) => {
    const messageId = Number((job.payload as Partial<EmailSendPayload> | null)?.messageId);
    if (!Number.isSafeInteger(messageId)) throw new Error('email.send: the payload names no message');
    const now = context.now();
    const outcome = await deliverMessage(context.db, job.workspaceId, messageId, {
      now,
      environment: environment ?? emailEnvironment(),
    });
    if (outcome.status === 'retry' || outcome.status === 'held') {
      const runAt = outcome.runAt;
      await context.completeWith((trx) => enqueueDelivery(trx, job.workspaceId, messageId, runAt, now));
    }
  };
}

/** The e-mail job handlers, for src/cli/job-handlers.ts. */
export function emailJobHandlers(environment?: EmailEnvironment): Record<string, JobHandler> {
  return {
    [EMAIL_SEND_JOB]: emailSendHandler(environment),
    [EMAIL_DISPATCH_JOB]: emailDispatchHandler(environment),
    [EMAIL_SWEEP_JOB]: emailSweepHandler,
  };
}
