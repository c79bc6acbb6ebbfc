/**
 * Zod schemas of the customer data API: query parameters and documented responses (they feed
 * `/api/openapi.json`). Instants are ISO 8601 strings, money integer cents plus an ISO 4217 code.
 */
import { z } from '@hono/zod-openapi';
import { isSupportedInstant, SUPPORTED_DATES } from '../core/index.js';
import { RetainError } from '../errors/index.js';
import { ApiErrorSchema, authenticatedErrors, describeErrors } from '../http/index.js';
import { CUSTOMER_SORTS } from './customer-list.js';
import { MAX_PAGE_SIZE } from './customers.service.js';
import { RFM_SEGMENT_CODES, RISK_BANDS } from './score.repository.js';

const instant = z.string().openapi({ format: 'date-time', example: '2024-03-01T12:00:00.000Z' });
const nullableInstant = instant.nullable();
const cents = z.number().int().openapi({ description: 'Integer cents (minor units) of `currency`.' });
const currency = z.string().openapi({ description: 'ISO 4217 code.', example: 'EUR' });
const json = z.record(z.string(), z.unknown());

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** The instant of an `instantParameter` value (a bare date is UTC midnight); NaN when not one. */
const instantOf = (value: string): number => Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);

/**
 * A query parameter holding an instant: `YYYY-MM-DD` (UTC midnight) or an ISO date-time with offset,
 * within the supported dates (1970-01-01 … 2100-12-31 UTC, core/limits.ts).
 */
export const instantParameter = z
  .string()
  .regex(ISO_INSTANT, 'Expected YYYY-MM-DD or an ISO 8601 date-time with Z or an offset')
  .refine((value) => !Number.isNaN(instantOf(value)), 'Not a calendar date')
  .refine(
    (value) => Number.isNaN(instantOf(value)) || isSupportedInstant(instantOf(value)),
    `Expected an instant from ${SUPPORTED_DATES}`,
  )
  .optional()
  .openapi({ example: '2024-01-01T00:00:00Z' });

/** An amount in currency units (up to two decimals). */
const moneyParameter = z
  .string()
  .regex(/^-?\d{1,13}(\.\d{1,2})?$/, 'Expected an amount in currency units, e.g. 120 or 99.50')
  .optional();

/** Cents of a `moneyParameter` value (`undefined` passes through). Example: `'99.5'` → 9950. */
export function parseMoney(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const negative = value.startsWith('-');
  const [units = '0', fraction = ''] = (negative ? value.slice(1) : value).split('.');
  const cents = Number(units) * 100 + Number(fraction.padEnd(2, '0'));
  return negative ? -cents : cents;
}

/** A `true` / `false` query parameter. */
const flagParameter = z.enum(['true', 'false']).optional();

/** Parses an `instantParameter` value to epoch ms (`undefined` passes through). */
export function parseInstant(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const instantMs = instantOf(value);
  if (Number.isNaN(instantMs)) {
    throw new RetainError('invalid_input', 'The request is not valid.', [
      { path: ['query'], message: `"${value}" is not an instant` },
    ]);
  }
  return instantMs;
}

/** Parses a `flagParameter` value. */
export function parseFlag(value: 'true' | 'false' | undefined): boolean | undefined {
  return value === undefined ? undefined : value === 'true';
}

export const pageQuery = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .optional()
    .openapi({ description: `Page size, 1–${MAX_PAGE_SIZE} (default 50).` }),
  cursor: z.string().optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
};

export const customerListQuery = z.object({
  ...pageQuery,
  q: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: 'Case-insensitive substring of the e-mail, name or external id.' }),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, 'Expected an ISO 3166-1 alpha-2 code')
    .optional(),
  createdFrom: instantParameter.openapi({
    description: 'Signed up (or, when unknown, first stored) at or after this instant.',
  }),
  createdTo: instantParameter.openapi({ description: 'Signed up before this instant (exclusive).' }),
  lastOrderFrom: instantParameter.openapi({ description: 'Latest non-cancelled order at or after.' }),
  lastOrderTo: instantParameter.openapi({ description: 'Latest non-cancelled order before (exclusive).' }),
  hasSubscription: flagParameter.openapi({
    description: 'Has a subscription that is trialing, active, past_due or paused.',
  }),
  consentEmail: flagParameter.openapi({ description: 'Consented to e-mail marketing.' }),
  consentSms: flagParameter.openapi({ description: 'Consented to SMS marketing.' }),
  match: z.enum(['contains', 'prefix']).optional().openapi({
    description:
      '`contains` (default): `q` anywhere in the field — a scan, of the newest 100,000 customers only; `prefix`: the start of the field, over every customer through an index.',
  }),
  segment: z
    .string()
    .max(300)
    .refine(
      (value) => value.split(',').every((code) => (RFM_SEGMENT_CODES as readonly string[]).includes(code)),
      `Expected RFM segment codes separated by commas: ${RFM_SEGMENT_CODES.join(', ')}`,
    )
    .optional()
    .openapi({
      description: 'RFM segment code(s), comma-separated: any of them matches.',
      example: 'at_risk',
    }),
  risk: z
    .string()
    .refine(
      (value) =>
        value in RISK_BANDS || (/^\d+(\.\d+)?$/.test(value) && Number(value) >= 0 && Number(value) <= 100),
      'Expected a band (low, medium, high) or a minimum score from 0 to 100',
    )
    .optional()
    .openapi({
      description:
        'A risk band — `low` [0, 40), `medium` [40, 70), `high` [70, 100] — or the least at-risk score (0–100).',
      example: 'high',
    }),
  minValue: moneyParameter.openapi({ description: 'Least value (`valueBy`), in currency units.' }),
  maxValue: moneyParameter.openapi({ description: 'Greatest value (`valueBy`), in currency units.' }),
  valueBy: z.enum(['spent', 'clv']).optional().openapi({
    description: 'What `minValue` / `maxValue` bound: `spent` (value to date, default) or `clv` (predicted).',
  }),
  sort: z.enum(CUSTOMER_SORTS).optional().openapi({
    description:
      '`newest` (default), `lastOrder`, `orders`, `spent`, `risk`, `clv`. The last five read the stored scores and list only customers scored by the latest run.',
  }),
  direction: z.enum(['asc', 'desc']).optional().openapi({ description: 'Default `desc`.' }),
});

/** The list's filters without its order and page, for the at-risk list and the export. */
export const customerFilterQuery = customerListQuery.omit({
  sort: true,
  direction: true,
  limit: true,
  cursor: true,
});

export const orderListQuery = z.object({
  ...pageQuery,
  customerId: z.string().optional(),
  from: instantParameter.openapi({ description: 'Ordered at or after this instant.' }),
  to: instantParameter.openapi({ description: 'Ordered before this instant (exclusive).' }),
  status: z.enum(['pending', 'completed', 'cancelled']).optional(),
});

export const subscriptionListQuery = z.object({
  ...pageQuery,
  customerId: z.string().optional(),
  status: z.enum(['trialing', 'active', 'past_due', 'paused', 'cancelled', 'ended']).optional(),
  plan: z.string().optional(),
});

export const eventListQuery = z.object({
  ...pageQuery,
  customerId: z.string().optional(),
  name: z.string().optional(),
  from: instantParameter.openapi({ description: 'Occurred at or after this instant.' }),
  to: instantParameter.openapi({ description: 'Occurred before this instant (exclusive).' }),
});

export const customerIdParams = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, description: 'The customer id.' }),
});

export const CustomerSchema = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    phone: z.string().nullable(),
    language: z.string().nullable(),
    country: z.string().nullable(),
    timeZone: z.string().nullable(),
    attributes: json,
    consent: z.object({
      emailMarketing: z.boolean(),
      smsMarketing: z.boolean(),
      updatedAt: nullableInstant,
    }),
    signedUpAt: nullableInstant,
    createdAt: instant,
    updatedAt: instant,
    erasedAt: nullableInstant,
  })
  .openapi('Customer');

export const OrderItemSchema = z
  .object({
    id: z.string(),
    productId: z.string().nullable(),
    productName: z.string().nullable(),
    category: z.string().nullable(),
    quantity: z.number().int(),
    unitPriceCents: cents,
  })
  .openapi('OrderItem');

export const RefundSchema = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    orderId: z.string(),
    refundedAt: instant,
    amountCents: cents,
    currency,
    reason: z.string().nullable(),
  })
  .openapi('Refund');

export const OrderSchema = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    customerId: z.string(),
    orderedAt: instant,
    amountCents: cents,
    currency,
    status: z.enum(['pending', 'completed', 'cancelled']),
    source: z.string().nullable(),
    items: z.array(OrderItemSchema),
    refunds: z.array(RefundSchema),
    createdAt: instant,
    updatedAt: instant,
  })
  .openapi('Order');

export const SubscriptionSchema = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    customerId: z.string(),
    plan: z.string().nullable(),
    interval: z.enum(['day', 'week', 'month', 'year']),
    intervalCount: z.number().int(),
    amountCents: cents,
    currency,
    status: z.enum(['trialing', 'active', 'past_due', 'paused', 'cancelled', 'ended']),
    trialStart: nullableInstant,
    trialEnd: nullableInstant,
    startedAt: nullableInstant,
    endedAt: nullableInstant,
    cancelledAt: nullableInstant,
    currentPeriodEnd: nullableInstant,
    pastDueSince: nullableInstant,
    createdAt: instant,
    updatedAt: instant,
  })
  .openapi('Subscription');

export const EventSchema = z
  .object({
    id: z.string(),
    messageId: z.string().nullable(),
    customerId: z.string().nullable(),
    userId: z.string().nullable(),
    anonymousId: z.string().nullable(),
    name: z.string(),
    properties: json,
    occurredAt: instant,
    receivedAt: instant,
  })
  .openapi('Event');

/** `{ data: T[], nextCursor }` for a list of `item`. */
export function pageOf<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      data: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .openapi({ description: 'Pass as `cursor` for the next page; null at the end.' }),
    })
    .openapi(name);
}

export const CustomerViewSchema = z
  .object({
    customer: CustomerSchema,
    orders: z.array(OrderSchema),
    subscriptions: z.array(SubscriptionSchema),
    latestEvents: z.array(EventSchema),
  })
  .openapi('CustomerView');

/** The error body of every route (src/http/openapi.ts), under the name this folder has exported. */
export const ErrorSchema = ApiErrorSchema;

/**
 * The error responses every authenticated route gives (400, 401, 429, 503); a route adds its own
 * (403 for a role check or an unsafe method, 404…) with `authenticatedErrors` from src/http.
 */
export const errorResponses = authenticatedErrors();

export const notFoundResponse = describeErrors({ 404: 'No such object in the caller’s workspace.' });

/** One reason of an at-risk score as data: the dashboard words it in the reader's language. */
export const AtRiskReasonSchema = z
  .discriminatedUnion('code', [
    z.object({
      code: z.literal('expected_purchases'),
      points: z.number(),
      expected: z.number().openapi({ description: 'Expected purchases over the horizon.' }),
      typical: z.number().openapi({ description: 'A typical customer’s expected purchases.' }),
      horizonDays: z.number().int(),
    }),
    z.object({
      code: z.literal('overdue'),
      points: z.number(),
      daysOverdue: z.number().int().openapi({ description: 'Whole days past the usual gap.' }),
      usualGapDays: z.number().int(),
    }),
    z.object({
      code: z.literal('single_purchase'),
      points: z.number(),
      daysSince: z.number().int(),
    }),
    z.object({
      code: z.literal('low_value'),
      points: z.number(),
      valueCents: z.number(),
      typicalValueCents: z.number(),
    }),
    z.object({
      code: z.literal('negative_feedback'),
      points: z.number(),
      feedback: z
        .union([
          z.object({
            kind: z.literal('csat'),
            scale: z.enum(['binary', 'five_point']),
            rating: z.number().int(),
          }),
          z.object({ kind: z.literal('nps'), rating: z.number().int() }),
        ])
        .optional()
        .openapi({
          description:
            'The latest negative survey answer (CSAT not satisfied, NPS 0–6) behind the reason, when the feedback capability stored it.',
        }),
    }),
    z.object({ code: z.literal('breached_tickets'), points: z.number(), tickets: z.number().int() }),
    z.object({ code: z.literal('engagement_decline'), points: z.number(), percent: z.number().int() }),
  ])
  .openapi('AtRiskReason');

export const CustomerScoreSchema = z
  .object({
    riskScore: z.number().nullable().openapi({ description: '0–100, higher = more at risk.' }),
    riskBand: z.enum(['low', 'medium', 'high']).nullable(),
    reasons: z.array(AtRiskReasonSchema),
    pAlive: z.number().nullable(),
    expectedPurchases: z.number().nullable(),
    predictedClvCents: z.number().nullable(),
    rfm: z
      .object({
        segment: z.enum(RFM_SEGMENT_CODES),
        r: z.number().int(),
        f: z.number().int(),
        m: z.number().int(),
      })
      .nullable(),
    ordersCount: z.number().int().openapi({ description: 'Completed orders.' }),
    valueCents: cents.openapi({ description: 'Completed orders minus refunds (value to date).' }),
    firstOrderAt: nullableInstant,
    lastOrderAt: nullableInstant,
    computedAt: instant,
  })
  .openapi('CustomerScore');

export const ListedCustomerSchema = CustomerSchema.extend({
  score: CustomerScoreSchema.or(z.null()).openapi({ description: 'Null until the first score run.' }),
}).openapi('ListedCustomer');

const ScoresAsOfSchema = z
  .object({
    asOf: z.string().nullable().openapi({ description: 'The last local day of data scored (YYYY-MM-DD).' }),
    computedAt: instant,
  })
  .openapi('ScoresAsOf');

export const CustomerListPageSchema = z
  .object({
    data: z.array(ListedCustomerSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` (with the same sort) for the next page; null at the end.' }),
    total: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Matching customers, on the first page (no cursor) only.' }),
    totalCapped: z
      .boolean()
      .openapi({ description: 'True when more than 100,000 match (`total` is 100,000).' }),
    currency,
    scores: ScoresAsOfSchema.or(z.null()),
  })
  .openapi('CustomerListPage');

export const ScoreStatusSchema = z
  .object({
    latest: z
      .object({
        id: z.string(),
        asOf: z.string().nullable(),
        customers: z.number().int(),
        scored: z.number().int(),
        model: z.string().nullable(),
        weights: z.enum(['learned', 'default']).nullable(),
        notes: z.array(z.string()),
        startedAt: instant,
        finishedAt: nullableInstant,
      })
      .nullable(),
    pending: z
      .object({ jobId: z.string(), status: z.enum(['queued', 'running']), runAt: instant })
      .nullable(),
  })
  .openapi('ScoreStatus');

export const NoteSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    text: z.string(),
    author: z.object({ id: z.string(), name: z.string().nullable(), email: z.string().nullable() }),
    createdAt: instant,
    deletable: z
      .boolean()
      .openapi({ description: 'Whether the caller may delete it (author, owner, admin).' }),
  })
  .openapi('CustomerNote');

/** The most characters a note may hold. */
export const MAX_NOTE_LENGTH = 4_000;

export const NoteInputSchema = z
  .object({
    text: z
      .string()
      .max(MAX_NOTE_LENGTH, `At most ${MAX_NOTE_LENGTH} characters`)
      .refine((text) => text.trim() !== '', 'Write something: the note is empty'),
  })
  .openapi('CustomerNoteInput');

export const noteParams = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, description: 'The customer id.' }),
  noteId: z.string().openapi({ param: { name: 'noteId', in: 'path' }, description: 'The note id.' }),
});

export const notesQuery = z.object(pageQuery);

export const CustomerOverviewSchema = z
  .object({
    customer: CustomerSchema,
    currency,
    totals: z
      .object({
        orders: z.number().int().openapi({ description: 'Completed orders, now.' }),
        valueCents: cents.openapi({ description: 'Completed orders minus refunds, now.' }),
        refundedCents: cents,
        firstOrderAt: nullableInstant,
        lastOrderAt: nullableInstant,
      })
      .openapi({ description: 'Computed from the stored orders at the request.' }),
    score: CustomerScoreSchema.or(z.null()),
    scores: ScoresAsOfSchema.or(z.null()),
    orders: z.array(OrderSchema).openapi({ description: 'The latest 100 orders, with lines and refunds.' }),
    ordersTotal: z.number().int(),
    subscriptions: z.array(SubscriptionSchema),
    events: z.array(EventSchema).openapi({ description: 'The latest 50 events.' }),
    notes: z.array(NoteSchema).openapi({ description: 'The latest 20 notes.' }),
    notesCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Continues the notes at /customers/{id}/notes.' }),
  })
  .openapi('CustomerOverview');
