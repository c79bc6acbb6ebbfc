/**
 * Zod schemas of the customer data API: query parameters and documented responses (they feed
 * `/api/openapi.json`). Instants are ISO 8601 strings, money integer cents plus an ISO 4217 code.
 */
import { z } from '@hono/zod-openapi';
import { isSupportedInstant, SUPPORTED_DATES } from '../core/index.js';
import { RetainError } from '../errors/index.js';
import { ApiErrorSchema, authenticatedErrors, describeErrors } from '../http/index.js';
import { MAX_PAGE_SIZE } from './customers.service.js';

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
