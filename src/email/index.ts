/**
 * E-mail: the one way Retain sends mail (flows, loyalty, feedback surveys, the support desk).
 *
 * `queueEmail` records a message once per dedupe key — skipped with the reason (no consent,
 * suppressed, no address, frequency cap, erased), or rendered (LiquidJS, escaped by default, with
 * the customer's fields, scores and product recommendations) and queued with its `email.send` job,
 * due after `notBefore` and outside the customer's quiet hours. The job sends it through SMTP
 * (nodemailer; `SMTP_URL` or the workspace's own server) or, with none configured, keeps it in the
 * built-in outbox, and never sends it twice (email-delivery.ts: at most once). Messages carry
 * RFC 8058 one-click unsubscribe headers, an open pixel and signed click redirects; unsubscribes,
 * hard bounces and complaints go to the suppression list, kept as address hashes that outlive a
 * customer's erasure.
 */
export { emailJobHandlers, emailSendHandler } from './email.jobs.js';
export { emailPublicRoutes, emailRoutes } from './email.routes.js';
export {
  EMAIL_SEND_JOB,
  type EmailSendPayload,
  flowEmailCounts,
  type OutgoingEmail,
  type QueueOptions,
  type QueueOutcome,
  queueEmail,
  type SkipReason,
} from './email.service.js';
export { eraseEmailDataOfCustomer, recordEmailConsent } from './email-admin.service.js';
export { MAX_BULK_MESSAGES, queueEmails } from './email-bulk.js';
export { type EmailEnvironment, emailEnvironment } from './email-environment.js';
export { EMAIL_DISPATCH_JOB, EMAIL_SWEEP_JOB } from './email-job-schedule.js';
export { checkTemplate } from './email-render.js';
export { closeTransports } from './email-transport.js';
