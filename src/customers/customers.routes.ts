/**
 * `/api/v1/customers` (the list, the at-risk list, the CSV export, Customer 360, notes, the score
 * status), `/orders`, `/subscriptions`, `/events`: thin HTTP over the customer services. Every role
 * may read; every query is scoped to the caller's workspace, so another workspace's customer
 * answers 404.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { recordAudit } from '../audit/index.js';
import { addLocalDays, instantFromLocal } from '../core/index.js';
import { parseRowId } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import {
  type AppEnv,
  type AuthContext,
  authenticatedErrors,
  CSRF_REFUSED,
  createRouter,
  JSON_BODY_ERRORS,
  requireRole,
} from '../http/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';
import {
  addCustomerNote,
  customerOf,
  deleteCustomerNote,
  getCustomerOverview,
  listCustomerNotes,
  type NoteCaller,
} from './customer-360.service.js';
import { customersCsvStream, EXPORT_ACCESS } from './customer-export.js';
import type { CustomerListFilter } from './customer-list.js';
import { listCustomersPage } from './customer-list.service.js';
import {
  CustomerListPageSchema,
  CustomerOverviewSchema,
  CustomerViewSchema,
  customerFilterQuery,
  customerIdParams,
  customerListQuery,
  EventSchema,
  errorResponses,
  eventListQuery,
  NoteInputSchema,
  NoteSchema,
  noteParams,
  notesQuery,
  notFoundResponse,
  OrderSchema,
  orderListQuery,
  pageOf,
  parseFlag,
  parseInstant,
  parseMoney,
  ScoreStatusSchema,
  SubscriptionSchema,
  subscriptionListQuery,
} from './customers.schemas.js';
import {
  getCustomerView,
  listEventsPage,
  listOrdersPage,
  listSubscriptionsPage,
} from './customers.service.js';
import { latestScoreRun, type RfmSegmentCode, RISK_BANDS } from './score.repository.js';
import { requestScoreRefresh, scoreStatus } from './score-refresh.js';

/**
 * 404 for a customer id the workspace does not hold, before the JSON body is validated — so an
 * unknown customer is not found whatever the body says. A body of another type is left to the
 * validator's 415.
 */
const knownCustomer = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const type = c.req.header('Content-Type');
    if (type === undefined || /^application\/json\b/i.test(type)) {
      await customerOf(c.get('services').db, c.get('auth').workspaceId, c.req.param('id') ?? '');
    }
    await next();
  });

/** Every role reads customer data (owners and admins always pass `requireRole`). */
const readers = () => requireRole('analyst', 'marketer', 'agent');

const json = <T>(schema: T, description: string) => ({
  200: { description, content: { 'application/json': { schema } } },
});

/** Drops the `undefined` entries, for `exactOptionalPropertyTypes` filters. */
function defined<T extends Record<string, unknown>>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

const listCustomersRoute = createRoute({
  method: 'get',
  path: '/customers',
  operationId: 'listCustomers',
  tags: ['Customers'],
  summary: 'List customers with their scores (filters, search, sort, keyset cursor; newest first)',
  middleware: [readers()] as const,
  request: { query: customerListQuery },
  responses: { ...json(CustomerListPageSchema, 'A page of customers'), ...errorResponses },
});

const atRiskQuery = customerFilterQuery.extend({
  limit: customerListQuery.shape.limit,
  cursor: customerListQuery.shape.cursor,
  lapsed: z.enum(['exclude', 'include']).optional().openapi({
    description:
      'Whether customers whose last order is older than the activity window at the scores’ as-of date are listed (default `exclude`: they are lost, not at risk — the Overview’s count of customers at risk leaves them out too). `lastOrderFrom`, when given, replaces this bound.',
  }),
});

const listAtRiskRoute = createRoute({
  method: 'get',
  path: '/customers/at-risk',
  operationId: 'listAtRiskCustomers',
  tags: ['Customers'],
  summary: 'The at-risk list: scored customers, highest at-risk score first, with the reasons as data',
  middleware: [readers()] as const,
  request: { query: atRiskQuery },
  responses: { ...json(CustomerListPageSchema, 'A page of the at-risk list'), ...errorResponses },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/customers/export.csv',
  operationId: 'exportCustomers',
  tags: ['Customers'],
  summary:
    'The filtered list as CSV, streamed (owner, admin, marketer: with personal data; analyst: pseudonymous; audited)',
  middleware: [requireRole('analyst', 'marketer')] as const,
  request: { query: customerListQuery.omit({ limit: true, cursor: true }) },
  responses: {
    200: { description: 'The CSV (UTF-8, RFC 4180)', content: { 'text/csv': { schema: z.string() } } },
    ...authenticatedErrors({ 403: 'Agents do not export customer lists.' }),
  },
});

const scoreStatusRoute = createRoute({
  method: 'get',
  path: '/customers/scores',
  operationId: 'getScoreStatus',
  tags: ['Customers'],
  summary: 'When the stored scores were computed, and whether a refresh is waiting or running',
  middleware: [readers()] as const,
  responses: { ...json(ScoreStatusSchema, 'The score status'), ...errorResponses },
});

const refreshScoresRoute = createRoute({
  method: 'post',
  path: '/customers/scores/refresh',
  operationId: 'refreshScores',
  tags: ['Customers'],
  summary: 'Ask for the scores to be computed again (owner, admin, analyst; joins a waiting refresh)',
  middleware: [requireRole('analyst')] as const,
  responses: {
    202: {
      description: 'The refresh job, waiting or already waiting',
      content: {
        'application/json': {
          schema: z
            .object({ jobId: z.string(), status: z.string(), runAt: z.string(), created: z.boolean() })
            .openapi('ScoreRefresh'),
        },
      },
    },
    ...authenticatedErrors({
      403: `Only owners, admins and analysts ask for a refresh; or ${CSRF_REFUSED}.`,
    }),
  },
});

const overviewRoute = createRoute({
  method: 'get',
  path: '/customers/{id}/overview',
  operationId: 'getCustomerOverview',
  tags: ['Customers'],
  summary:
    'Customer 360: profile, value to date, predictions with reasons, RFM, latest orders with refunds, events, notes',
  middleware: [readers()] as const,
  request: { params: customerIdParams },
  responses: {
    ...json(CustomerOverviewSchema, 'The customer'),
    ...authenticatedErrors({ 404: 'No such customer in the caller’s workspace.' }),
  },
});

const listNotesRoute = createRoute({
  method: 'get',
  path: '/customers/{id}/notes',
  operationId: 'listCustomerNotes',
  tags: ['Customers'],
  summary: 'The notes about a customer, newest first',
  middleware: [readers()] as const,
  request: { params: customerIdParams, query: notesQuery },
  responses: {
    ...json(pageOf(NoteSchema, 'CustomerNotePage'), 'A page of notes'),
    ...authenticatedErrors({ 404: 'No such customer in the caller’s workspace.' }),
  },
});

const addNoteRoute = createRoute({
  method: 'post',
  path: '/customers/{id}/notes',
  operationId: 'addCustomerNote',
  tags: ['Customers'],
  summary: 'Add a note (the logged-in user is its author; audited; 400 for an erased customer)',
  middleware: [readers(), knownCustomer()] as const,
  request: {
    params: customerIdParams,
    body: { content: { 'application/json': { schema: NoteInputSchema } }, required: true },
  },
  responses: {
    201: { description: 'The note', content: { 'application/json': { schema: NoteSchema } } },
    ...authenticatedErrors({
      403: `A note is written by a logged-in person, never an API key; or ${CSRF_REFUSED}.`,
      404: 'No such customer in the caller’s workspace.',
      ...JSON_BODY_ERRORS,
    }),
  },
});

const deleteNoteRoute = createRoute({
  method: 'delete',
  path: '/customers/{id}/notes/{noteId}',
  operationId: 'deleteCustomerNote',
  tags: ['Customers'],
  summary: 'Delete a note (its author, an owner or an admin; audited)',
  middleware: [readers()] as const,
  request: { params: noteParams },
  responses: {
    204: { description: 'Deleted' },
    ...authenticatedErrors({
      403: `Only the note’s author, an owner or an admin deletes it; or ${CSRF_REFUSED}.`,
      404: 'No such customer or note in the caller’s workspace.',
    }),
  },
});

const getCustomerRoute = createRoute({
  method: 'get',
  path: '/customers/{id}',
  operationId: 'getCustomer',
  tags: ['Customers'],
  summary: 'A customer with orders (lines, refunds), subscriptions and latest events',
  middleware: [readers()] as const,
  request: { params: customerIdParams },
  responses: { ...json(CustomerViewSchema, 'The customer'), ...errorResponses, ...notFoundResponse },
});

const listOrdersRoute = createRoute({
  method: 'get',
  path: '/orders',
  operationId: 'listOrders',
  tags: ['Customers'],
  summary: 'List orders with lines and refunds (latest first, cursor pagination)',
  middleware: [readers()] as const,
  request: { query: orderListQuery },
  responses: { ...json(pageOf(OrderSchema, 'OrderPage'), 'A page of orders'), ...errorResponses },
});

const listSubscriptionsRoute = createRoute({
  method: 'get',
  path: '/subscriptions',
  operationId: 'listSubscriptions',
  tags: ['Customers'],
  summary: 'List subscriptions (newest first, cursor pagination)',
  middleware: [readers()] as const,
  request: { query: subscriptionListQuery },
  responses: {
    ...json(pageOf(SubscriptionSchema, 'SubscriptionPage'), 'A page of subscriptions'),
    ...errorResponses,
  },
});

const listEventsRoute = createRoute({
  method: 'get',
  path: '/events',
  operationId: 'listEvents',
  tags: ['Customers'],
  summary: 'List behaviour events (latest first, cursor pagination)',
  middleware: [readers()] as const,
  request: { query: eventListQuery },
  responses: { ...json(pageOf(EventSchema, 'EventPage'), 'A page of events'), ...errorResponses },
});

/** The customer data routes, to mount under `/api/v1` (behind `authenticate()`). */
export function customerRoutes() {
  const router = createRouter();

  router.openapi(listCustomersRoute, async (c) => {
    const { db } = c.get('services');
    const query = c.req.valid('query');
    const page = await listCustomersPage(
      db,
      c.get('auth').workspaceId,
      listFilterOf(query),
      defined({ limit: query.limit, cursor: query.cursor, sort: query.sort, direction: query.direction }),
    );
    return c.json(page, 200);
  });

  router.openapi(listAtRiskRoute, async (c) => {
    const { db } = c.get('services');
    const query = c.req.valid('query');
    const workspaceId = c.get('auth').workspaceId;
    const filter = listFilterOf(query);
    // At risk means still active: an order within the activity window before the scores' as-of
    // day (the Overview's definition); a customer lapsed longer is lost, listed only on request.
    const activeFrom =
      query.lapsed === 'include' || filter.lastOrderFrom !== undefined
        ? undefined
        : await activeSince(db, workspaceId);
    // Scored customers only: an unscored one has risk −1 in the sort key.
    const page = await listCustomersPage(
      db,
      workspaceId,
      {
        ...filter,
        riskFrom: Math.max(0, filter.riskFrom ?? 0),
        ...(activeFrom === undefined ? {} : { scoredLastOrderFrom: activeFrom }),
      },
      defined({
        limit: query.limit,
        cursor: query.cursor,
        sort: 'risk' as const,
        direction: 'desc' as const,
      }),
    );
    return c.json(page, 200);
  });

  router.openapi(exportRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const access = EXPORT_ACCESS[auth.role];
    if (access === 'none') throw new RetainError('forbidden', 'This role cannot export customer lists.');
    const query = c.req.valid('query');
    const filter = listFilterOf(query);
    const sort = query.sort ?? 'newest';
    const direction = query.direction ?? 'desc';
    const workspace = await getWorkspace(db, auth.workspaceId);
    const currency = workspace?.settings.currency ?? 'USD';
    await recordAudit(db, {
      workspaceId: auth.workspaceId,
      actor: auditActor(auth),
      action: 'customers.exported',
      entity: 'customer',
      details: { access, sort, direction, query: { ...query } },
      at: now(),
    });
    const stream = customersCsvStream(db, auth.workspaceId, filter, { access, currency, sort, direction });
    return c.body(stream, 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="customers-${new Date(now()).toISOString().slice(0, 10)}.csv"`,
    }) as never;
  });

  router.openapi(scoreStatusRoute, async (c) => {
    const { db } = c.get('services');
    const status = await scoreStatus(db, c.get('auth').workspaceId);
    const latest = status.latest;
    return c.json(
      {
        latest:
          latest === null
            ? null
            : {
                id: String(latest.id),
                asOf: latest.asOf,
                customers: latest.customers,
                scored: latest.scored,
                model: latest.details.model ?? null,
                weights: latest.details.weights ?? null,
                notes: [...(latest.details.notes ?? [])],
                startedAt: new Date(latest.startedAt).toISOString(),
                finishedAt: latest.finishedAt === null ? null : new Date(latest.finishedAt).toISOString(),
              },
        pending:
          status.pending === null
            ? null
            : {
                jobId: String(status.pending.jobId),
                status: status.pending.status,
                runAt: new Date(status.pending.runAt).toISOString(),
              },
      },
      200,
    );
  });

  router.openapi(refreshScoresRoute, async (c) => {
    const { db, now } = c.get('services');
    const { job, created } = await requestScoreRefresh(db, c.get('auth').workspaceId, {
      reason: 'on_demand',
      now: now(),
    });
    return c.json(
      { jobId: String(job.id), status: job.status, runAt: new Date(job.runAt).toISOString(), created },
      202,
    );
  });

  router.openapi(overviewRoute, async (c) => {
    const { db } = c.get('services');
    const auth = c.get('auth');
    const overview = await getCustomerOverview(
      db,
      auth.workspaceId,
      c.req.valid('param').id,
      noteCaller(auth),
    );
    return c.json(overview, 200);
  });

  router.openapi(listNotesRoute, async (c) => {
    const { db } = c.get('services');
    const auth = c.get('auth');
    const query = c.req.valid('query');
    const page = await listCustomerNotes(
      db,
      auth.workspaceId,
      c.req.valid('param').id,
      noteCaller(auth),
      defined({ limit: query.limit, cursor: query.cursor }),
    );
    return c.json(page, 200);
  });

  router.openapi(addNoteRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const note = await addCustomerNote(
      db,
      auth.workspaceId,
      c.req.valid('param').id,
      c.req.valid('json').text,
      noteCaller(auth),
      now(),
    );
    return c.json(note, 201);
  });

  router.openapi(deleteNoteRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const { id, noteId } = c.req.valid('param');
    await deleteCustomerNote(db, auth.workspaceId, id, noteId, noteCaller(auth), now());
    return c.body(null, 204);
  });

  router.openapi(getCustomerRoute, async (c) => {
    const { db } = c.get('services');
    const view = await getCustomerView(db, c.get('auth').workspaceId, c.req.valid('param').id);
    return c.json(view, 200);
  });

  router.openapi(listOrdersRoute, async (c) => {
    const { db } = c.get('services');
    const query = c.req.valid('query');
    const page = await listOrdersPage(
      db,
      c.get('auth').workspaceId,
      defined({
        customerId: filterId(query.customerId),
        from: parseInstant(query.from),
        to: parseInstant(query.to),
        status: query.status,
      }),
      defined({ limit: query.limit, cursor: query.cursor }),
    );
    return c.json(page, 200);
  });

  router.openapi(listSubscriptionsRoute, async (c) => {
    const { db } = c.get('services');
    const query = c.req.valid('query');
    const page = await listSubscriptionsPage(
      db,
      c.get('auth').workspaceId,
      defined({ customerId: filterId(query.customerId), status: query.status, plan: query.plan }),
      defined({ limit: query.limit, cursor: query.cursor }),
    );
    return c.json(page, 200);
  });

  router.openapi(listEventsRoute, async (c) => {
    const { db } = c.get('services');
    const query = c.req.valid('query');
    const page = await listEventsPage(
      db,
      c.get('auth').workspaceId,
      defined({
        customerId: filterId(query.customerId),
        name: query.name,
        from: parseInstant(query.from),
        to: parseInstant(query.to),
      }),
      defined({ limit: query.limit, cursor: query.cursor }),
    );
    return c.json(page, 200);
  });

  return router;
}

export type CustomerRoutesEnv = AppEnv;

/**
 * A `customerId` filter from the query string: the id, or 0 — an id no row has — for text that is
 * no id, so the list is empty as for any unknown customer.
 */
function filterId(text: string | undefined): number | undefined {
  return text === undefined ? undefined : (parseRowId(text) ?? 0);
}

/** The list filters of a validated query (`/customers`, `/customers/at-risk`, the export). */
function listFilterOf(query: z.infer<typeof customerFilterQuery>): CustomerListFilter {
  const band =
    query.risk !== undefined && query.risk in RISK_BANDS
      ? RISK_BANDS[query.risk as keyof typeof RISK_BANDS]
      : null;
  const riskFrom = band !== null ? band.from : query.risk === undefined ? undefined : Number(query.risk);
  const riskTo = band !== null && Number.isFinite(band.to) ? band.to : undefined;
  return defined({
    search: query.q,
    match: query.match,
    country: query.country,
    createdFrom: parseInstant(query.createdFrom),
    createdTo: parseInstant(query.createdTo),
    lastOrderFrom: parseInstant(query.lastOrderFrom),
    lastOrderTo: parseInstant(query.lastOrderTo),
    hasSubscription: parseFlag(query.hasSubscription),
    consentEmailMarketing: parseFlag(query.consentEmail),
    consentSmsMarketing: parseFlag(query.consentSms),
    segments: query.segment === undefined ? undefined : (query.segment.split(',') as RfmSegmentCode[]),
    riskFrom,
    riskTo,
    valueBy: query.valueBy,
    minValueCents: parseMoney(query.minValue),
    maxValueCents: parseMoney(query.maxValue),
  });
}

/** Who calls, for the notes: the user of a session; an API key writes no notes. */
function noteCaller(auth: AuthContext): NoteCaller {
  return {
    userId: auth.via === 'session' ? auth.userId : null,
    apiKeyId: auth.apiKeyId,
    role: auth.role,
  };
}

/** The audit actor of a request: the logged-in user, else the API key. */
function auditActor(auth: AuthContext) {
  if (auth.via === 'session' && auth.userId !== null) return { type: 'user' as const, id: auth.userId };
  if (auth.apiKeyId !== null) return { type: 'api_key' as const, id: auth.apiKeyId };
  return { type: 'system' as const };
}

/**
 * The first instant of the activity window that ends with the latest score run's as-of day (in the
 * workspace's time zone): a customer with an order since then is active. Undefined before any run.
 */
async function activeSince(db: Parameters<typeof latestScoreRun>[0], workspaceId: number) {
  const [run, workspace] = await Promise.all([
    latestScoreRun(db, workspaceId),
    getWorkspace(db, workspaceId),
  ]);
  if (!run?.asOf || !workspace) return undefined;
  const { timeZone, activityWindowDays } = workspace.settings;
  const [year, month, day] = run.asOf.split('-').map(Number) as [number, number, number];
  const dayAfter = addLocalDays(instantFromLocal({ year, month, day }, timeZone), 1, timeZone);
  return addLocalDays(dayAfter, -activityWindowDays, timeZone);
}
