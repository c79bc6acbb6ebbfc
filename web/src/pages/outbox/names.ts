/** The words of a message's state. */
import type { MessageKey } from '../../i18n/i18n';
import type { EmailStatus } from './queries';

export const STATUS_NAMES: Readonly<Record<EmailStatus, MessageKey>> = {
  queued: 'outbox.status.queued',
  sending: 'outbox.status.sending',
  sent: 'outbox.status.sent',
  outbox: 'outbox.status.outbox',
  bounced: 'outbox.status.bounced',
  failed: 'outbox.status.failed',
  skipped: 'outbox.status.skipped',
  unknown: 'outbox.status.unknown',
};

export const STATUSES = Object.keys(STATUS_NAMES) as EmailStatus[];
