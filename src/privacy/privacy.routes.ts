/**
 * `GET /api/v1/customers/{id}/export` and `POST /api/v1/customers/{id}/erase`: thin HTTP over the
 * privacy service. Export: owners, admins and agents (who answer data-subject requests). Erase:
 * owners and admins only.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { actorOf } from '../auth/index.js';
import {
  CustomerSchema,
  CustomerScoreSchema,
  customerIdParams,
  EventSchema,
  OrderSchema,
  SubscriptionSchema,
} from '../customers/index.js';
import { parseRowId } from '../db/index.js';
import { notFound } from '../errors/index.js';
import { authenticatedErrors, CSRF_REFUSED, createRouter, requireRole } from '../http/index.js';
import { LoyaltyExportSchema } from '../loyalty/index.js';
import { eraseCustomer, exportCustomer } from './privacy.service.js';

const instant = z.string().openapi({ format: 'date-time' });
const json = z.record(z.string(), z.unknown());

const AnswerVersionFields = {
  revision: z.number().int(),
  rating: z.number().int().nullable(),
  comment: z.string().nullable(),
  reason: z.string().nullable(),
  answers: json,
  source: z.enum(['link', 'page', 'api']),
  answeredAt: instant,
};

const CustomerExportSchema = z
  .object({
    exportedAt: instant,
    workspaceId: z.string(),
    customer: CustomerSchema,
    orders: z.array(OrderSchema),
    subscriptions: z.array(SubscriptionSchema),
    events: z.array(EventSchema),
    groups: z
      .array(
        z.object({
          id: z.string(),
          groupId: z.string(),
          name: z.string().nullable(),
          traits: json,
          createdAt: instant,
          updatedAt: instant,
          joinedAt: instant,
        }),
      )
      .openapi({ description: 'The groups (accounts) tracking `group` calls put the customer in.' }),
    aliases: z
      .array(z.string())
      .openapi({ description: 'Former identities merged into the customer by tracking `alias` calls.' }),
    segments: z
      .array(z.object({ segmentId: z.string(), name: z.string(), enteredAt: instant }))
      .openapi({ description: 'The segments the customer is in now, with when they entered each.' }),
    notes: z
      .array(z.object({ id: z.string(), text: z.string(), authorId: z.string(), createdAt: instant }))
      .openapi({ description: 'The notes agents wrote about the customer, newest first.' }),
    score: CustomerScoreSchema.or(z.null()).openapi({
      description: 'The stored scores: at-risk score and reasons, predictions, RFM segment.',
    }),
    loyalty: LoyaltyExportSchema,
    surveySends: z
      .array(
        z.object({
          sendId: z.string(),
          surveyId: z.string(),
          surveyName: z.string(),
          sentAt: instant,
          origin: json,
          delivery: z.enum(['link', 'queued', 'duplicate', 'skipped']),
          deliveryReason: z.string().nullable(),
          answer: z
            .object({
              ...AnswerVersionFields,
              updatedAt: instant,
              history: z.array(z.object({ ...AnswerVersionFields, replacedAt: instant })),
            })
            .nullable(),
        }),
      )
      .openapi({
        description:
          'The surveys sent to the customer, oldest first, each with the current answer (`answeredAt`: its first version, `updatedAt`: the current one) and its earlier versions (`answeredAt` – `replacedAt`).',
      }),
    auditEntries: z.array(
      z.object({
        id: z.string(),
        actorType: z.enum(['user', 'api_key', 'system']),
        actorId: z.string().nullable(),
        action: z.string(),
        entity: z.string().nullable(),
        entityId: z.string().nullable(),
        details: json,
        at: instant,
      }),
    ),
  })
  .openapi('CustomerExport');

const ErasureSchema = z
  .object({
    customerId: z.string(),
    erasedAt: instant,
    erasedNow: z.boolean().openapi({ description: 'False when the customer had already been erased.' }),
    eventsScrubbed: z.number().int(),
    importFilesDeleted: z.number().int().openapi({
      description:
        'Import files kept on the server (failed uploads, rejects files) deleted because they named the customer.',
    }),
  })
  .openapi('CustomerErasure');

const exportRoute = createRoute({
  method: 'get',
  path: '/customers/{id}/export',
  operationId: 'exportCustomer',
  tags: ['Privacy'],
  summary: 'Everything held about one customer, as JSON (audited as customer.exported)',
  middleware: [requireRole('agent')] as const,
  request: { params: customerIdParams },
  responses: {
    200: { description: 'The export', content: { 'application/json': { schema: CustomerExportSchema } } },
    ...authenticatedErrors({
      403: 'Only owners, admins and agents export a customer’s data.',
      404: 'No such customer in the caller’s workspace.',
    }),
  },
});

const eraseRoute = createRoute({
  method: 'post',
  path: '/customers/{id}/erase',
  operationId: 'eraseCustomer',
  tags: ['Privacy'],
  summary: 'Erase a customer’s personal data, keeping aggregates (owner/admin; idempotent; audited)',
  middleware: [requireRole()] as const,
  request: { params: customerIdParams },
  responses: {
    200: {
      description: 'Erased (or already erased)',
      content: { 'application/json': { schema: ErasureSchema } },
    },
    ...authenticatedErrors({
      403: `Only owners and admins erase a customer; or ${CSRF_REFUSED}.`,
      404: 'No such customer in the caller’s workspace.',
    }),
  },
});

/** The privacy routes, to mount under `/api/v1` (behind `authenticate()`). */
export function privacyRoutes() {
  const router = createRouter();

  router.openapi(exportRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const customerId = parseRowId(c.req.valid('param').id);
    if (customerId === undefined) throw notFound('Customer');
    const held = await exportCustomer(db, {
      workspaceId: auth.workspaceId,
      customerId,
      actor: actorOf(auth),
      now: now(),
    });
    c.header('Content-Disposition', `attachment; filename="customer-${held.customer.id}.json"`);
    return c.json(held, 200);
  });

  router.openapi(eraseRoute, async (c) => {
    const { db, now, dataDirectory } = c.get('services');
    const auth = c.get('auth');
    const customerId = parseRowId(c.req.valid('param').id);
    if (customerId === undefined) throw notFound('Customer');
    const result = await eraseCustomer(db, {
      workspaceId: auth.workspaceId,
      customerId,
      actor: actorOf(auth),
      now: now(),
      ...(dataDirectory === undefined ? {} : { dataDirectory }),
    });
    return c.json(result, 200);
  });

  return router;
}
