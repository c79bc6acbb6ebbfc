/**
 * HTTP for e-mail, thin over the services.
 *
 * `/api/v1/email/*` (authenticated): the outbox (messages with their state, filtered and paged,
 * one message's rendered content), counts, template check, preview as a customer, test send,
 * settings, the suppression list and consent records. Marketers (and owners and admins) use them;
 * changing the settings (the SMTP server) is for owners and admins.
 *
 * `/e/*` (public, outside the API and its document): what recipients reach from a message, each
 * authenticated by its signed token — the unsubscribe page (GET shows a confirm button, POST
 * unsubscribes; a mail client's RFC 8058 one-click POST too), the open pixel, the click redirect
 * (only to the very URL that was signed).
 */
import { createRoute } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { parseRowId } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import {
  type AppEnv,
  authenticatedErrors,
  CSRF_REFUSED,
  createRouter,
  JSON_BODY_ERRORS,
  requireRole,
} from '../http/index.js';
import { countMessagesByStatus } from './email.repository.js';
import {
  CheckBody,
  CheckSchema,
  ConsentBody,
  ConsentSchema,
  CustomerIdParams,
  MessageDetailSchema,
  MessageIdParams,
  MessagePageSchema,
  MessagesQuery,
  PreviewBody,
  QueueOutcomeSchema,
  RenderedSchema,
  SettingsBody,
  SettingsSchema,
  StatsSchema,
  SuppressBody,
  SuppressionPageSchema,
  SuppressionParams,
  SuppressionSchema,
  SuppressionsQuery,
  TestSendBody,
  toDetailBody,
  toSettingsBody,
  toSummaryBody,
} from './email.schemas.js';
import {
  consentHistory,
  followClick,
  getMessage,
  liftSuppression,
  listMessagePage,
  listSuppressions,
  previewEmail,
  recordEmailConsent,
  recordOpen,
  sendTestEmail,
  suppressAddress,
  unsubscribe,
  verifyLink,
} from './email-admin.service.js';
import { emailEnvironment } from './email-environment.js';
import { checkTemplate } from './email-render.js';
import { getEmailSettings, smtpUrlFor, updateEmailSettings } from './email-settings.js';

const TAGS = ['E-mail'];
const mailUsers = () => requireRole('marketer');
const NOT_ALLOWED = 'The caller is an analyst or an agent (e-mail is for owners, admins and marketers)';
const SETTINGS_NOT_ALLOWED = 'The caller is not an owner or admin';

const json = <T>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const body = <T>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

const listRoute = createRoute({
  method: 'get',
  path: '/email/messages',
  operationId: 'listEmailMessages',
  tags: TAGS,
  summary: 'The outbox: messages newest first, with their state (filter by status, customer, flow, origin)',
  description:
    'With no SMTP server configured, `delivery` is `outbox` and delivered messages are `outbox` (`notSent: true`): stored, never sent.',
  middleware: [mailUsers()] as const,
  request: { query: MessagesQuery },
  responses: {
    200: json(MessagePageSchema, 'A page of messages'),
    ...authenticatedErrors({ 403: `${NOT_ALLOWED}.` }),
  },
});

const statsRoute = createRoute({
  method: 'get',
  path: '/email/stats',
  operationId: 'getEmailStats',
  tags: TAGS,
  summary: 'Messages by state, opens, clicks and unsubscribes of the workspace',
  middleware: [mailUsers()] as const,
  responses: { 200: json(StatsSchema, 'The counts'), ...authenticatedErrors({ 403: `${NOT_ALLOWED}.` }) },
});

const messageRoute = createRoute({
  method: 'get',
  path: '/email/messages/{id}',
  operationId: 'getEmailMessage',
  tags: TAGS,
  summary: 'One message with its rendered subject, HTML and plain text',
  middleware: [mailUsers()] as const,
  request: { params: MessageIdParams },
  responses: {
    200: json(MessageDetailSchema, 'The message'),
    ...authenticatedErrors({ 403: `${NOT_ALLOWED}.`, 404: 'No such message in the caller’s workspace.' }),
  },
});

const checkRoute = createRoute({
  method: 'post',
  path: '/email/templates/check',
  operationId: 'checkEmailTemplate',
  tags: TAGS,
  summary:
    'Check a subject and HTML template: Liquid syntax errors and unknown filters, with line and column',
  middleware: [mailUsers()] as const,
  request: body(CheckBody),
  responses: {
    200: json(CheckSchema, 'Whether both parse, and each problem'),
    ...authenticatedErrors({ 403: `${NOT_ALLOWED}, or ${CSRF_REFUSED}.`, ...JSON_BODY_ERRORS }),
  },
});

const previewRoute = createRoute({
  method: 'post',
  path: '/email/preview',
  operationId: 'previewEmail',
  tags: TAGS,
  summary: 'Render a template as a chosen customer (nothing stored or sent)',
  middleware: [mailUsers()] as const,
  request: body(PreviewBody),
  responses: {
    200: json(RenderedSchema, 'The rendered subject, HTML and plain text'),
    ...authenticatedErrors({
      400: 'The body is not valid, the customer is unknown (`customerId`), or the template does not render (each problem in `error.issues`).',
      403: `${NOT_ALLOWED}, or ${CSRF_REFUSED}.`,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const testRoute = createRoute({
  method: 'post',
  path: '/email/test',
  operationId: 'sendTestEmail',
  tags: TAGS,
  summary: 'Send a template, rendered as a customer, to your own address (through the queue, once)',
  middleware: [mailUsers()] as const,
  request: body(TestSendBody),
  responses: {
    202: json(QueueOutcomeSchema, 'Queued (or skipped: the address is suppressed)'),
    ...authenticatedErrors({
      400: 'The body is not valid, the customer is unknown (`customerId`), or the template does not render.',
      403: `${NOT_ALLOWED}, or ${CSRF_REFUSED}.`,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const getSettingsRoute = createRoute({
  method: 'get',
  path: '/email/settings',
  operationId: 'getEmailSettings',
  tags: TAGS,
  summary: 'Sender, SMTP server (whether set, never its URL), frequency caps, quiet hours, tracking',
  middleware: [mailUsers()] as const,
  responses: {
    200: json(SettingsSchema, 'The settings'),
    ...authenticatedErrors({ 403: `${NOT_ALLOWED}.` }),
  },
});

const updateSettingsRoute = createRoute({
  method: 'patch',
  path: '/email/settings',
  operationId: 'updateEmailSettings',
  tags: TAGS,
  summary: 'Change the settings; `null` restores a default (owners and admins)',
  description:
    'An SMTP URL is stored encrypted with the install key; without `RETAIN_SECRET_KEY` on the server it is refused (400).',
  middleware: [requireRole()] as const,
  request: body(SettingsBody),
  responses: {
    200: json(SettingsSchema, 'The settings'),
    ...authenticatedErrors({ 403: `${SETTINGS_NOT_ALLOWED}, or ${CSRF_REFUSED}.`, ...JSON_BODY_ERRORS }),
  },
});

const suppressionsRoute = createRoute({
  method: 'get',
  path: '/email/suppressions',
  operationId: 'listEmailSuppressions',
  tags: TAGS,
  summary: 'The suppression list (unsubscribes, hard bounces, complaints), newest first, as address hashes',
  middleware: [mailUsers()] as const,
  request: { query: SuppressionsQuery },
  responses: {
    200: json(SuppressionPageSchema, 'A page of suppressions'),
    ...authenticatedErrors({ 403: `${NOT_ALLOWED}.` }),
  },
});

const suppressRoute = createRoute({
  method: 'post',
  path: '/email/suppressions',
  operationId: 'addEmailSuppression',
  tags: TAGS,
  summary: 'Suppress an address (by hand, or a complaint from a feedback loop)',
  middleware: [mailUsers()] as const,
  request: body(SuppressBody),
  responses: {
    200: json(SuppressionSchema, 'Suppressed (`created: false`: it already was)'),
    ...authenticatedErrors({ 403: `${NOT_ALLOWED}, or ${CSRF_REFUSED}.`, ...JSON_BODY_ERRORS }),
  },
});

const unsuppressRoute = createRoute({
  method: 'delete',
  path: '/email/suppressions/{address}',
  operationId: 'deleteEmailSuppression',
  tags: TAGS,
  summary: 'Lift a suppression (the person asked to receive mail again)',
  middleware: [mailUsers()] as const,
  request: { params: SuppressionParams },
  responses: {
    204: { description: 'Lifted' },
    ...authenticatedErrors({
      403: `${NOT_ALLOWED}, or ${CSRF_REFUSED}.`,
      404: 'The address is not suppressed.',
    }),
  },
});

const consentRoute = createRoute({
  method: 'get',
  path: '/email/consent/{customerId}',
  operationId: 'getEmailConsent',
  tags: TAGS,
  summary: 'A customer’s e-mail marketing consent and its history: when, given or withdrawn, how',
  middleware: [mailUsers()] as const,
  request: { params: CustomerIdParams },
  responses: {
    200: json(ConsentSchema, 'The consent and its records, newest first'),
    ...authenticatedErrors({ 403: `${NOT_ALLOWED}.`, 404: 'No such customer in the caller’s workspace.' }),
  },
});

const recordConsentRoute = createRoute({
  method: 'post',
  path: '/email/consent',
  operationId: 'recordEmailConsent',
  tags: TAGS,
  summary: 'Record consent given or withdrawn (sets the customer’s consent, keeps the record)',
  middleware: [mailUsers()] as const,
  request: body(ConsentBody),
  responses: {
    200: json(ConsentSchema, 'The consent and its records'),
    ...authenticatedErrors({
      400: 'The body is not valid, or the customer is unknown or erased (`customerId`).',
      403: `${NOT_ALLOWED}, or ${CSRF_REFUSED}.`,
      ...JSON_BODY_ERRORS,
    }),
  },
});

function customerOf(text: string, where: 'param' | 'json'): number {
  const id = parseRowId(text);
  if (id !== undefined) return id;
  if (where === 'param') throw notFound('Customer');
  throw unknownCustomer();
}

function unknownCustomer(): RetainError {
  return new RetainError('invalid_input', 'No such customer in the workspace.', [
    { path: ['json', 'customerId'], message: 'No such customer in the workspace', code: 'unknown_customer' },
  ]);
}

/** A customer named in a body is a bad field (400), not a missing resource. */
async function withCustomerField<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RetainError && error.code === 'not_found' && error.message.startsWith('Customer'))
      throw unknownCustomer();
    throw error;
  }
}

function cursorOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const id = parseRowId(text);
  if (id === undefined) {
    throw new RetainError('invalid_input', 'The cursor is not valid.', [
      { path: ['query', 'cursor'], message: 'Not a cursor of this list' },
    ]);
  }
  return id;
}

/** The authenticated e-mail routes; mount under `/api/v1`. */
export function emailRoutes() {
  const router = createRouter();

  router.openapi(listRoute, async (c) => {
    const { db, now } = c.get('services');
    const { workspaceId } = c.get('auth');
    const query = c.req.valid('query');
    const customerId = query.customerId === undefined ? undefined : parseRowId(query.customerId);
    if (query.customerId !== undefined && customerId === undefined) {
      return c.json({ delivery: 'outbox' as const, items: [], nextCursor: null }, 200);
    }
    const page = await listMessagePage(
      db,
      workspaceId,
      {
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(customerId === undefined ? {} : { customerId }),
        ...(query.flowId === undefined ? {} : { flowId: query.flowId }),
        ...(query.origin === undefined ? {} : { originKind: query.origin }),
      },
      {
        limit: query.limit ?? 50,
        ...(query.cursor === undefined ? {} : { cursor: cursorOf(query.cursor) as number }),
      },
    );
    const settings = await getEmailSettings(db, workspaceId, now());
    return c.json(
      {
        delivery: smtpUrlConfigured(settings) ? ('smtp' as const) : ('outbox' as const),
        items: page.items.map(toSummaryBody),
        nextCursor: page.nextCursor,
      },
      200,
    );
  });

  router.openapi(statsRoute, async (c) => {
    const { db, now } = c.get('services');
    const { workspaceId } = c.get('auth');
    const counts = await countMessagesByStatus(db, workspaceId, null);
    const settings = await getEmailSettings(db, workspaceId, now());
    return c.json(
      {
        delivery: smtpUrlConfigured(settings) ? ('smtp' as const) : ('outbox' as const),
        byStatus: counts.byStatus as Record<string, number>,
        opened: counts.opened,
        clicked: counts.clicked,
        unsubscribed: counts.unsubscribed,
      },
      200,
    );
  });

  router.openapi(messageRoute, async (c) => {
    const id = parseRowId(c.req.valid('param').id);
    if (id === undefined) throw notFound('Message');
    const message = await getMessage(c.get('services').db, c.get('auth').workspaceId, id);
    return c.json(toDetailBody(message), 200);
  });

  router.openapi(checkRoute, (c) => {
    const input = c.req.valid('json');
    const problems: { field: 'subject' | 'html'; message: string; line?: number; column?: number }[] = [];
    for (const field of ['subject', 'html'] as const) {
      const source = input[field];
      if (source === undefined) continue;
      const result = checkTemplate(source);
      if (!result.ok) problems.push(...result.problems.map((problem) => ({ field, ...problem })));
    }
    return c.json({ ok: problems.length === 0, problems }, 200);
  });

  router.openapi(previewRoute, async (c) => {
    const { db, now } = c.get('services');
    const input = c.req.valid('json');
    const rendered = await withCustomerField(() =>
      previewEmail(db, {
        workspaceId: c.get('auth').workspaceId,
        customerId: customerOf(input.customerId, 'json'),
        category: input.category ?? 'marketing',
        subject: input.subject,
        html: input.html,
        ...(input.variables === undefined ? {} : { variables: input.variables }),
        now: now(),
      }),
    );
    return c.json({ subject: rendered.subject, html: rendered.html, text: rendered.text }, 200);
  });

  router.openapi(testRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const input = c.req.valid('json');
    const outcome = await withCustomerField(() =>
      sendTestEmail(db, {
        workspaceId: auth.workspaceId,
        customerId: customerOf(input.customerId, 'json'),
        category: 'transactional',
        subject: input.subject,
        html: input.html,
        ...(input.variables === undefined ? {} : { variables: input.variables }),
        toAddress: input.to,
        now: now(),
        requestedBy: auth.userId === null ? `api_key:${auth.apiKeyId}` : `user:${auth.userId}`,
      }),
    );
    return c.json(outcome, 202);
  });

  router.openapi(getSettingsRoute, async (c) => {
    const settings = await getEmailSettings(
      c.get('services').db,
      c.get('auth').workspaceId,
      c.get('services').now(),
    );
    return c.json(toSettingsBody(settings, emailEnvironment().smtpUrl !== null), 200);
  });

  router.openapi(updateSettingsRoute, async (c) => {
    const { db, now } = c.get('services');
    const input = c.req.valid('json');
    const environment = emailEnvironment();
    const update = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
    const settings = await updateEmailSettings(db, c.get('auth').workspaceId, update, environment, now());
    return c.json(toSettingsBody(settings, environment.smtpUrl !== null), 200);
  });

  router.openapi(suppressionsRoute, async (c) => {
    const query = c.req.valid('query');
    const cursor = cursorOf(query.cursor);
    const page = await listSuppressions(c.get('services').db, c.get('auth').workspaceId, {
      limit: query.limit ?? 50,
      ...(cursor === undefined ? {} : { cursor }),
      ...(query.address === undefined ? {} : { address: query.address }),
    });
    return c.json(
      {
        items: page.items.map((row) => ({
          id: String(row.id),
          addressHash: row.address_hash,
          reason: row.reason,
          source: row.source,
          createdAt: new Date(Number(row.created_at)).toISOString(),
        })),
        nextCursor: page.nextCursor,
      },
      200,
    );
  });

  router.openapi(suppressRoute, async (c) => {
    const { db, now } = c.get('services');
    const input = c.req.valid('json');
    const result = await suppressAddress(db, c.get('auth').workspaceId, {
      address: input.address,
      reason: input.reason ?? 'manual',
      now: now(),
    });
    return c.json({ addressHash: result.hash, created: result.created }, 200);
  });

  router.openapi(unsuppressRoute, async (c) => {
    const lifted = await liftSuppression(
      c.get('services').db,
      c.get('auth').workspaceId,
      c.req.valid('param').address,
    );
    if (!lifted) throw new RetainError('not_found', 'The address is not suppressed.');
    return c.body(null, 204);
  });

  router.openapi(consentRoute, async (c) => {
    const customerId = customerOf(c.req.valid('param').customerId, 'param');
    const history = await consentHistory(c.get('services').db, c.get('auth').workspaceId, customerId);
    return c.json(consentBody(customerId, history), 200);
  });

  router.openapi(recordConsentRoute, async (c) => {
    const { db, now } = c.get('services');
    const { workspaceId } = c.get('auth');
    const input = c.req.valid('json');
    const customerId = customerOf(input.customerId, 'json');
    await withCustomerField(() =>
      recordEmailConsent(db, {
        workspaceId,
        customerId,
        granted: input.granted,
        source: input.source ?? 'api',
        detail: input.detail ?? null,
        now: now(),
      }),
    );
    return c.json(consentBody(customerId, await consentHistory(db, workspaceId, customerId)), 200);
  });

  return router;
}

function smtpUrlConfigured(settings: Awaited<ReturnType<typeof getEmailSettings>>): boolean {
  try {
    return smtpUrlFor(settings, emailEnvironment()) !== null;
  } catch {
    return true; // a workspace server the key no longer opens: set, but broken
  }
}

function consentBody(customerId: number, history: Awaited<ReturnType<typeof consentHistory>>) {
  return {
    customerId: String(customerId),
    granted: history.granted,
    records: history.records.map((record) => ({
      granted: record.granted === 1,
      source: record.source,
      messageId: record.message_id === null ? null : String(record.message_id),
      detail: record.detail,
      at: new Date(Number(record.at)).toISOString(),
    })),
  };
}

/** A 1×1 transparent GIF: the open pixel's answer, whatever the token. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`;
}

const INVALID_LINK = page(
  'This link is not valid',
  '<p>It may have been copied incompletely. Nothing was changed.</p>',
);

/** The public routes recipients reach from a message; mount at `/`. */
export function emailPublicRoutes() {
  const router = new Hono<AppEnv>();

  router.get('/e/u/:token', async (c) => {
    c.header('Cache-Control', 'no-store');
    const verified = await verifyLink(c.get('services').db, c.req.param('token'), 'u');
    if (verified === null) return c.html(INVALID_LINK, 404);
    const done = verified.message.unsubscribed_at !== null;
    // The unsubscribe happens on POST only: link scanners and prefetchers GET every link.
    return c.html(
      page(
        done ? 'You are unsubscribed' : 'Unsubscribe',
        done
          ? '<p>You will not receive these e-mails any more.</p>'
          : '<p>Stop receiving marketing e-mail from us?</p><form method="post"><input type="hidden" name="confirm" value="1"><button type="submit">Unsubscribe</button></form>',
      ),
      200,
    );
  });

  router.post('/e/u/:token', async (c) => {
    c.header('Cache-Control', 'no-store');
    const { db, now } = c.get('services');
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const oneClick = form['List-Unsubscribe'] === 'One-Click';
    const done = await unsubscribe(db, c.req.param('token'), {
      source: oneClick ? 'one_click' : 'unsubscribe_page',
      now: now(),
    });
    if (!done) return oneClick ? c.text('Not a valid unsubscribe link', 404) : c.html(INVALID_LINK, 404);
    if (oneClick) return c.text('Unsubscribed', 200);
    return c.html(page('You are unsubscribed', '<p>You will not receive these e-mails any more.</p>'), 200);
  });

  router.get('/e/o/:token', async (c) => {
    const { db, now } = c.get('services');
    await recordOpen(db, c.req.param('token'), now());
    c.header('Cache-Control', 'no-store, private');
    return c.body(PIXEL, 200, { 'Content-Type': 'image/gif' });
  });

  router.get('/e/c/:token', async (c) => {
    const { db, now } = c.get('services');
    const target = await followClick(db, c.req.param('token'), now());
    c.header('Cache-Control', 'no-store');
    if (target === null) return c.html(INVALID_LINK, 404);
    return c.redirect(target, 302);
  });

  return router;
}
