/**
 * HTTP surface of tracking, Segment-compatible: `POST /v1/identify`, `/v1/track`, `/v1/batch`
 * (mount at the root). Authenticated by the workspace write key, given as the HTTP Basic user name
 * with an empty password (as Segment's API takes it), as `Authorization: Bearer <writeKey>`, or as
 * `writeKey` in the body. Limits as Segment's: 32 KB per call, 500 KB per batch and 32 KB per
 * message in it (over → 413). Accepted calls answer `200 { success: true }`.
 */
import { createRoute } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { type AppEnv, createRouter } from '../http/index.js';
import { BatchBody, IdentifyBody, TrackBody, TrackingAccepted } from './tracking.schemas.js';
import { type TrackingMessage, TrackingService, type TrackingServiceOptions } from './tracking.service.js';

/** Largest identify/track body, and largest message inside a batch (Segment: 32 KB). */
export const MAX_CALL_BYTES = 32 * 1024;
/** Largest batch body (Segment: 500 KB). */
export const MAX_BATCH_BYTES = 500 * 1024;

const tooLarge = (limit: number) =>
  bodyLimit({
    maxSize: limit,
    onError: () => {
      throw new RetainError('payload_too_large', `The request body is over ${limit / 1024} KB.`);
    },
  });

/**
 * The write key of the Authorization header: Basic (user name = key, password empty; a value
 * without a colon is taken whole, as older Segment clients send it) or Bearer. `undefined` when
 * there is no header; throws `unauthenticated` for a header of another scheme.
 */
export function writeKeyFromHeader(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() === 'bearer' && value !== '') return value;
  if (scheme?.toLowerCase() === 'basic' && value !== '') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? decoded : decoded.slice(0, colon);
  }
  throw new RetainError(
    'unauthenticated',
    'Send the write key as HTTP Basic user name or as a Bearer token.',
  );
}

const errorResponses = {
  400: { description: 'The body is not valid; every bad field is named.' },
  401: { description: 'No write key, or an unknown one.' },
  413: { description: 'The body (or one message of a batch) is over the limit.' },
};

const security = [{ writeKeyBasic: [] }, { writeKeyBearer: [] }];

function route<T extends typeof IdentifyBody | typeof TrackBody | typeof BatchBody>(
  path: string,
  summary: string,
  schema: T,
  limit: number,
  authenticateHeader: MiddlewareHandler<AppEnv>,
) {
  return createRoute({
    method: 'post',
    path,
    tags: ['Tracking'],
    summary,
    security,
    middleware: [authenticateHeader, tooLarge(limit)] as const,
    request: { body: { required: true, content: { 'application/json': { schema } } } },
    responses: {
      200: { description: 'Accepted.', content: { 'application/json': { schema: TrackingAccepted } } },
      ...errorResponses,
    },
  });
}

/**
 * The tracking router; mount it at the root (`app.route('/', trackingRoutes())`). `options` tune
 * the caches of the services it creates (tests shorten the TTLs).
 */
export function trackingRoutes(options: TrackingServiceOptions = {}) {
  // One service per database: it holds the caches, and tests build apps over several databases.
  const servicesByDatabase = new WeakMap<Kysely<Database>, TrackingService>();
  const serviceOf = (c: Context<AppEnv>): TrackingService => {
    const { db } = c.get('services');
    let service = servicesByDatabase.get(db);
    if (service === undefined) servicesByDatabase.set(db, (service = new TrackingService(db, options)));
    return service;
  };
  const workspaceOf = (c: Context<AppEnv>, bodyWriteKey: string | undefined): Promise<number> => {
    const writeKey = writeKeyFromHeader(c.req.header('authorization')) ?? bodyWriteKey;
    if (writeKey === undefined) {
      throw new RetainError(
        'unauthenticated',
        'Send the workspace write key (HTTP Basic user name or Bearer).',
      );
    }
    return serviceOf(c).authenticate(writeKey, c.get('services').now());
  };
  // A key in the Authorization header is checked before the body is read, so a wrong key is a 401
  // whatever the body; a key in the body is checked by the handler, after validation.
  const authenticateHeader = createMiddleware<AppEnv>(async (c, next) => {
    const writeKey = writeKeyFromHeader(c.req.header('authorization'));
    if (writeKey !== undefined) await serviceOf(c).authenticate(writeKey, c.get('services').now());
    await next();
  });

  const router = createRouter();
  router.openAPIRegistry.registerComponent('securitySchemes', 'writeKeyBasic', {
    type: 'http',
    scheme: 'basic',
    description: 'The workspace write key as the user name, with an empty password (as Segment).',
  });
  router.openAPIRegistry.registerComponent('securitySchemes', 'writeKeyBearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'The workspace write key as a Bearer token.',
  });

  router.openapi(
    route(
      '/v1/identify',
      'Identify a user and record their traits',
      IdentifyBody,
      MAX_CALL_BYTES,
      authenticateHeader,
    ),
    async (c) => {
      const body = c.req.valid('json');
      const workspaceId = await workspaceOf(c, body.writeKey);
      const now = c.get('services').now();
      await serviceOf(c).ingest(
        workspaceId,
        [{ ...messageFields(body), type: 'identify', properties: body.traits }],
        now,
      );
      return c.json({ success: true as const }, 200);
    },
  );

  router.openapi(
    route('/v1/track', 'Record an action a user performed', TrackBody, MAX_CALL_BYTES, authenticateHeader),
    async (c) => {
      const body = c.req.valid('json');
      const workspaceId = await workspaceOf(c, body.writeKey);
      const now = c.get('services').now();
      await serviceOf(c).ingest(
        workspaceId,
        [{ ...messageFields(body), type: 'track', event: body.event, properties: body.properties }],
        now,
      );
      return c.json({ success: true as const }, 200);
    },
  );

  router.openapi(
    route(
      '/v1/batch',
      'Send many identify, track, page and screen calls at once',
      BatchBody,
      MAX_BATCH_BYTES,
      authenticateHeader,
    ),
    async (c) => {
      const body = c.req.valid('json');
      const workspaceId = await workspaceOf(c, body.writeKey);
      if (Number(c.req.header('content-length') ?? MAX_BATCH_BYTES) > MAX_CALL_BYTES) {
        await rejectLargeMessages(c);
      }
      const messages: TrackingMessage[] = [];
      for (const item of body.batch) {
        if (item.type === 'group' || item.type === 'alias') continue; // accepted, not stored
        const fields = messageFields({
          ...item,
          context: body.context === undefined ? item.context : { ...body.context, ...item.context },
          sentAt: item.sentAt ?? body.sentAt,
        });
        if (item.type === 'identify') messages.push({ ...fields, type: 'identify', properties: item.traits });
        else if (item.type === 'track') {
          messages.push({ ...fields, type: 'track', event: item.event, properties: item.properties });
        } else if (item.type === 'page' || item.type === 'screen') {
          messages.push({ ...fields, type: item.type, event: item.name, properties: item.properties });
        }
      }
      await serviceOf(c).ingest(workspaceId, messages, c.get('services').now());
      return c.json({ success: true as const }, 200);
    },
  );

  return router;
}

/** The fields every call shares. */
function messageFields(body: {
  userId?: string | undefined;
  anonymousId?: string | undefined;
  messageId?: string | undefined;
  timestamp?: string | undefined;
  originalTimestamp?: string | undefined;
  sentAt?: string | undefined;
  context?: Record<string, unknown> | undefined;
}): Omit<TrackingMessage, 'type'> {
  return {
    userId: body.userId,
    anonymousId: body.anonymousId,
    messageId: body.messageId,
    timestamp: body.timestamp ?? body.originalTimestamp,
    sentAt: body.sentAt,
    context: body.context,
  };
}

/** 413 naming each message of the batch whose JSON is over 32 KB (as received, before validation). */
async function rejectLargeMessages(c: Context<AppEnv>): Promise<void> {
  const raw = (await c.req.json()) as { batch?: unknown[] };
  const issues = (raw.batch ?? []).flatMap((item, index) =>
    Buffer.byteLength(JSON.stringify(item) ?? '') > MAX_CALL_BYTES
      ? [{ path: ['json', 'batch', index], message: `This message is over ${MAX_CALL_BYTES / 1024} KB.` }]
      : [],
  );
  if (issues.length > 0) {
    throw new RetainError('payload_too_large', 'A message of the batch is over 32 KB.', issues);
  }
}
