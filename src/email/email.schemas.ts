/**
 * Zod schemas of the e-mail API (they feed `/api/openapi.json`). Instants are ISO 8601 strings, ids
 * decimal strings. Templates are Liquid source, at most `MAX_TEMPLATE_CHARS` characters.
 */
import { z } from '@hono/zod-openapi';
import type { EmailMessageRow, EmailStatus } from '../db/index.js';
import { fromJson } from '../db/index.js';
import { EMAIL_STATUSES } from './email-admin.service.js';
import { MAX_TEMPLATE_CHARS } from './email-render.js';
import type { EmailSettings } from './email-settings.js';

export const MAX_MESSAGES_PAGE = 200;
export const MAX_SUBJECT_CHARS = 2_000;
const MAX_VARIABLES_CHARS = 20_000;

const instant = z.string().openapi({ format: 'date-time', example: '2026-03-10T12:00:00.000Z' });
const iso = (value: number | null): string | null =>
  value === null ? null : new Date(Number(value)).toISOString();
const idText = (description: string, example = '42') => z.string().max(40).openapi({ description, example });

export const MessageIdParams = z.object({
  id: z
    .string()
    .max(40)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'The message id.', example: '42' }),
});
export const CustomerIdParams = z.object({
  customerId: z
    .string()
    .max(40)
    .openapi({ param: { name: 'customerId', in: 'path' }, description: 'The customer id.', example: '42' }),
});
export const SuppressionParams = z.object({
  address: z
    .string()
    .max(320)
    .openapi({
      param: { name: 'address', in: 'path' },
      description: 'The address (URL-encoded), or the SHA-256 (hex) of its normalised form as listed.',
      example: 'ada%40example.com',
    }),
});

const limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(MAX_MESSAGES_PAGE)
  .optional()
  .openapi({ description: `Page size, 1–${MAX_MESSAGES_PAGE} (default 50).` });
const cursor = z
  .string()
  .max(40)
  .optional()
  .openapi({ description: 'The `nextCursor` of the previous page.' });

export const MessagesQuery = z.object({
  status: z
    .enum(EMAIL_STATUSES as [EmailStatus, ...EmailStatus[]])
    .optional()
    .openapi({ description: 'Only messages in this state.' }),
  customerId: idText('Only messages to this customer.').optional(),
  flowId: z.string().max(100).optional().openapi({ description: 'Only messages of this flow.' }),
  origin: z
    .string()
    .max(100)
    .optional()
    .openapi({ description: 'Only messages of this origin kind (`flow`, `test`, …).' }),
  limit,
  cursor,
});

export const SuppressionsQuery = z.object({
  address: z
    .string()
    .max(320)
    .optional()
    .openapi({ description: 'Only this address (looked up by its hash).' }),
  limit,
  cursor,
});

const subject = z
  .string()
  .min(1)
  .max(MAX_SUBJECT_CHARS)
  .openapi({ description: 'Liquid source.', example: 'We miss you, {{ customer.first_name }}' });
const html = z.string().min(1).max(MAX_TEMPLATE_CHARS).openapi({
  description: 'Liquid source; output is HTML-escaped unless `| raw`.',
  example: '<p>Hi {{ customer.name }}</p>',
});
const variables = z
  .record(z.string(), z.unknown())
  .refine(
    (value) => JSON.stringify(value).length <= MAX_VARIABLES_CHARS,
    `At most ${MAX_VARIABLES_CHARS} characters of JSON`,
  )
  .optional()
  .openapi({ description: 'Extra Liquid variables, e.g. `{ "coupon": { "code": "SAVE10" } }`.' });
const category = z
  .enum(['marketing', 'transactional'])
  .openapi({ description: 'Marketing mail gets the unsubscribe footer and headers.' });

export const PreviewBody = z
  .object({
    customerId: idText('Render as this customer.'),
    subject,
    html,
    category: category.optional(),
    variables,
  })
  .strict();

export const CheckBody = z
  .object({
    subject: z.string().max(MAX_SUBJECT_CHARS).optional(),
    html: z.string().max(MAX_TEMPLATE_CHARS).optional(),
  })
  .strict();

export const TestSendBody = z
  .object({
    customerId: idText('Render as this customer.'),
    to: z
      .email()
      .max(320)
      .openapi({ description: 'Where the test goes (your own address).', example: 'me@example.com' }),
    subject,
    html,
    variables,
  })
  .strict();

const hhmm = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'Expected HH:MM (24-hour)');

export const SettingsBody = z
  .object({
    fromAddress: z.email().max(320).nullable().optional(),
    fromName: z.string().max(200).nullable().optional(),
    replyTo: z.email().max(320).nullable().optional(),
    smtpUrl: z
      .string()
      .max(2_000)
      .regex(/^smtps?:\/\/[^\s/]+/, 'Expected smtp://user:pass@host:port or smtps://…')
      .nullable()
      .optional()
      .openapi({
        description:
          'The workspace’s own SMTP server; `null` to use the install’s (`SMTP_URL`). Never shown again.',
      }),
    maxPerDay: z.number().int().min(0).max(100).nullable().optional(),
    maxPerWeek: z.number().int().min(0).max(500).nullable().optional(),
    quietHours: z
      .object({ start: hhmm, end: hhmm })
      .strict()
      .nullable()
      .optional()
      .openapi({ description: 'Local time in the customer’s zone; `null`: none.' }),
    trackOpens: z.boolean().optional(),
    trackClicks: z.boolean().optional(),
  })
  .strict();

export const SuppressBody = z
  .object({
    address: z.email().max(320),
    reason: z
      .enum(['manual', 'complaint', 'unsubscribe', 'hard_bounce'])
      .optional()
      .openapi({ description: 'Default `manual`.' }),
  })
  .strict();

export const ConsentBody = z
  .object({
    customerId: idText('The customer.'),
    granted: z.boolean(),
    source: z.string().min(1).max(100).optional().openapi({
      description: 'How it was given or withdrawn (default `api`).',
      example: 'checkout_checkbox',
    }),
    detail: z.string().max(2_000).optional(),
  })
  .strict();

const MessageSummary = z
  .object({
    id: z.string(),
    customerId: z.string(),
    to: z.string().nullable().openapi({ description: 'Null once the customer is erased.' }),
    subject: z.string().nullable(),
    category,
    status: z.enum(EMAIL_STATUSES as [EmailStatus, ...EmailStatus[]]),
    notSent: z.boolean().openapi({
      description: 'True for `outbox` messages: stored because no SMTP server is configured, never sent.',
    }),
    skipReason: z.string().nullable(),
    dedupeKey: z.string(),
    origin: z.record(z.string(), z.unknown()).nullable(),
    attempts: z.number().int(),
    sendAfter: instant,
    sentAt: instant.nullable(),
    openedAt: instant.nullable(),
    clickedAt: instant.nullable(),
    unsubscribedAt: instant.nullable(),
    lastError: z.string().nullable(),
    createdAt: instant,
  })
  .openapi('EmailMessageSummary');

export const MessagePageSchema = z
  .object({
    delivery: z
      .enum(['smtp', 'outbox'])
      .openapi({ description: '`outbox`: no SMTP server is configured; messages are stored, not sent.' }),
    items: z.array(MessageSummary),
    nextCursor: z.string().nullable(),
  })
  .openapi('EmailMessagePage');

export const MessageDetailSchema = MessageSummary.extend({
  from: z.string().nullable(),
  messageIdHeader: z.string().nullable(),
  html: z.string().nullable(),
  text: z.string().nullable(),
  smtpResponse: z.string().nullable(),
}).openapi('EmailMessage');

export const StatsSchema = z
  .object({
    delivery: z.enum(['smtp', 'outbox']),
    byStatus: z.record(z.string(), z.number().int()),
    opened: z.number().int(),
    clicked: z.number().int(),
    unsubscribed: z.number().int(),
  })
  .openapi('EmailStats');

export const RenderedSchema = z
  .object({ subject: z.string(), html: z.string(), text: z.string() })
  .openapi('RenderedEmail');

export const CheckSchema = z
  .object({
    ok: z.boolean(),
    problems: z.array(
      z.object({
        field: z.enum(['subject', 'html']),
        message: z.string(),
        line: z.number().int().optional(),
        column: z.number().int().optional(),
      }),
    ),
  })
  .openapi('TemplateCheck');

export const QueueOutcomeSchema = z
  .object({
    status: z.enum(['queued', 'duplicate', 'skipped']),
    messageId: z.string(),
    reason: z.string().optional(),
  })
  .openapi('EmailQueueOutcome');

export const SettingsSchema = z
  .object({
    fromAddress: z.string().nullable(),
    fromName: z.string().nullable(),
    replyTo: z.string().nullable(),
    smtp: z.object({
      source: z
        .enum(['workspace', 'install', 'none'])
        .openapi({ description: '`none`: messages go to the outbox.' }),
    }),
    maxPerDay: z.number().int(),
    maxPerWeek: z.number().int(),
    quietHours: z.object({ start: z.string(), end: z.string() }).nullable(),
    trackOpens: z.boolean(),
    trackClicks: z.boolean(),
  })
  .openapi('EmailSettings');

export const SuppressionPageSchema = z
  .object({
    items: z.array(
      z.object({
        id: z.string(),
        addressHash: z
          .string()
          .openapi({ description: 'SHA-256 (hex) of the lower-cased, trimmed address.' }),
        reason: z.string(),
        source: z.string(),
        createdAt: instant,
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .openapi('EmailSuppressionPage');

export const SuppressionSchema = z
  .object({ addressHash: z.string(), created: z.boolean() })
  .openapi('EmailSuppression');

export const ConsentSchema = z
  .object({
    customerId: z.string(),
    granted: z.boolean(),
    records: z.array(
      z.object({
        granted: z.boolean(),
        source: z.string(),
        messageId: z.string().nullable(),
        detail: z.string().nullable(),
        at: instant,
      }),
    ),
  })
  .openapi('EmailConsent');

export function toSummaryBody(row: EmailMessageRow) {
  return {
    id: String(row.id),
    customerId: String(row.customer_id),
    to: row.to_address,
    subject: row.subject,
    category: row.category,
    status: row.status,
    notSent: row.status === 'outbox',
    skipReason: row.skip_reason,
    dedupeKey: row.dedupe_key,
    origin: row.origin === null ? null : fromJson<Record<string, unknown>>(row.origin),
    attempts: Number(row.attempts),
    sendAfter: iso(row.send_after) ?? '',
    sentAt: iso(row.sent_at),
    openedAt: iso(row.opened_at),
    clickedAt: iso(row.clicked_at),
    unsubscribedAt: iso(row.unsubscribed_at),
    lastError: row.last_error,
    createdAt: iso(row.created_at) ?? '',
  };
}

export function toDetailBody(row: EmailMessageRow) {
  return {
    ...toSummaryBody(row),
    from: row.from_address,
    messageIdHeader: row.smtp_message_id,
    html: row.html,
    text: row.text_body,
    smtpResponse: row.smtp_response,
  };
}

export function toSettingsBody(settings: EmailSettings, installSmtp: boolean) {
  return {
    fromAddress: settings.fromAddress,
    fromName: settings.fromName,
    replyTo: settings.replyTo,
    smtp: {
      source: settings.smtpOverride
        ? ('workspace' as const)
        : installSmtp
          ? ('install' as const)
          : ('none' as const),
    },
    maxPerDay: settings.maxPerDay,
    maxPerWeek: settings.maxPerWeek,
    quietHours: settings.quietHours,
    trackOpens: settings.trackOpens,
    trackClicks: settings.trackClicks,
  };
}
