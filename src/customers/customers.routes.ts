/**
 * `/api/v1/customers`, `/orders`, `/subscriptions`, `/events`: thin HTTP over the customer
 * service. Every role may read; every query is scoped to the caller's workspace, so another
 * workspace's customer answers 404.
 */
import { createRoute } from '@hono/zod-openapi';
import { parseRowId } from '../db/index.js';
import { type AppEnv, createRouter, requireRole } from '../http/index.js';
import {
  CustomerSchema,
  CustomerViewSchema,
  customerIdParams,
  customerListQuery,
  EventSchema,
  errorResponses,
  eventListQuery,
  notFoundResponse,
  OrderSchema,
  orderListQuery,
  pageOf,
  parseFlag,
  parseInstant,
  SubscriptionSchema,
  subscriptionListQuery,
} from './customers.schemas.js';
import {
  getCustomerView,
  listCustomersPage,
  listEventsPage,
  listOrdersPage,
  listSubscriptionsPage,
} from './customers.service.js';

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
  summary: 'List customers (filters, search, cursor pagination; newest first)',
  middleware: [readers()] as const,
  request: { query: customerListQuery },
  responses: { ...json(pageOf(CustomerSchema, 'CustomerPage'), 'A page of customers'), ...errorResponses },
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
    const { workspaceId } = c.get('auth');
    const query = c.req.valid('query');
    const page = await listCustomersPage(
      db,
      workspaceId,
      defined({
        search: query.q,
        country: query.country,
        createdFrom: parseInstant(query.createdFrom),
        createdTo: parseInstant(query.createdTo),
        lastOrderFrom: parseInstant(query.lastOrderFrom),
        lastOrderTo: parseInstant(query.lastOrderTo),
        hasSubscription: parseFlag(query.hasSubscription),
        consentEmailMarketing: parseFlag(query.consentEmail),
        consentSmsMarketing: parseFlag(query.consentSms),
      }),
      defined({ limit: query.limit, cursor: query.cursor }),
    );
    return c.json(page, 200);
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
