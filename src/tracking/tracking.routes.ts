/**
 * HTTP surface of tracking, Segment-compatible (mount at the root): `POST /v1/identify`, `/track`,
 * `/page`, `/screen`, `/group`, `/alias`, `/batch` and `/import` (Segment's historical import: a
 * batch), and the one-letter paths analytics.js posts to (`/v1/i`, `/t`, `/p`, `/s`, `/g`, `/a`,
 * `/b`). Authenticated by the workspace write key, given as the HTTP Basic user name with an
 * empty password (as Segment's API takes it), as `Authorization: Bearer <writeKey>`, or as
 * `writeKey` in the body. Bodies are JSON labelled `application/json` or `text/plain`, optionally
 * gzip-compressed (`tracking.body.ts`). Limits as Segment's: 32 KB per call, 500 KB per batch
 * (both after decompression) and 32 KB per message in it.
 *
 * Answers: `200 { success: true }`. A single call whose message is not valid is a 400 naming
 * each bad field. A batch stores its valid messages and answers 200 with the others listed in
 * `rejected` (Segment's API drops bad events the same way; its clients would drop a whole batch
 * answered 400).
 */
import { createRoute } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.js';
import { type InputIssue, RetainError } from '../errors/index.js';
import { type AppEnv, createRouter, describeErrors } from '../http/index.js';
import { readTrackingBody } from './tracking.body.js';
import {
  BatchDoc,
  MAX_MESSAGE_BYTES,
  MESSAGE_DOCS,
  readEnvelope,
  readMessage,
  TrackingAccepted,
} from './tracking.schemas.js';
import {
  type TrackingMessage,
  type TrackingMessageType,
  TrackingService,
  type TrackingServiceOptions,
} from './tracking.service.js';

/** Largest single call, and largest message inside a batch (Segment: 32 KB), decompressed. */
export const MAX_CALL_BYTES = MAX_MESSAGE_BYTES;
/** Largest batch body (Segment: 500 KB), decompressed. */
export const MAX_BATCH_BYTES = 500 * 1024;

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

/** The single calls: path, analytics.js's one-letter path, type, summary. */
const SINGLE_CALLS: readonly [string, string, TrackingMessageType, string][] = [
  ['/v1/identify', '/v1/i', 'identify', 'Identify a user and record their traits'],
  ['/v1/track', '/v1/t', 'track', 'Record an action a user performed'],
  ['/v1/page', '/v1/p', 'page', 'Record a page view (stored as the event $page)'],
  ['/v1/screen', '/v1/s', 'screen', 'Record a mobile screen view (stored as the event $screen)'],
  ['/v1/group', '/v1/g', 'group', 'Associate a user with a group (an account) and record its traits'],
  ['/v1/alias', '/v1/a', 'alias', 'Merge an identity (previousId) into a user (userId)'],
];

const errorResponses = describeErrors({
  400: 'The body is not valid; every bad field is named (`error.issues[].path`).',
  401: 'No write key, or an unknown one.',
  413: 'The body is over the limit, compressed or decompressed.',
  415: 'A content type other than JSON / text/plain, or an encoding other than gzip.',
  429: 'Too many requests for this write key; retry after `Retry-After` seconds.',
  503: 'The store cannot be reached or is full: nothing was stored; retry after `Retry-After` seconds.',
});

const security = [{ writeKeyBasic: [] }, { writeKeyBearer: [] }];

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
  /** The workspace of the header's key, else of the body's `writeKey`. */
  const workspaceOf = (c: Context<AppEnv>, body: unknown): Promise<number> => {
    const bodyKey =
      typeof body === 'object' &&
      body !== null &&
      typeof (body as { writeKey?: unknown }).writeKey === 'string'
        ? (body as { writeKey: string }).writeKey
        : undefined;
    const writeKey = writeKeyFromHeader(c.req.header('authorization')) ?? bodyKey;
    if (writeKey === undefined) {
      throw new RetainError(
        'unauthenticated',
        'Send the workspace write key (HTTP Basic user name or Bearer).',
      );
    }
    return serviceOf(c).authenticate(writeKey, c.get('services').now());
  };
  // A key in the Authorization header is checked before the body is read, so a wrong key is a 401
  // whatever the body; a key in the body is checked once the body is read, before it is validated.
  const authenticateHeader: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
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
  /** Documents a route (the handler reads its own body: gzip, text/plain, message by message). */
  const document = (
    path: string,
    operationId: string,
    summary: string,
    schema: typeof BatchDoc | (typeof MESSAGE_DOCS)[TrackingMessageType],
  ) =>
    router.openAPIRegistry.registerPath(
      createRoute({
        method: 'post',
        path,
        operationId,
        tags: ['Tracking'],
        summary,
        security,
        request: {
          body: {
            required: true,
            description:
              'JSON, as application/json or text/plain; may be gzip-compressed (Content-Encoding: gzip).',
            content: { 'application/json': { schema }, 'text/plain': { schema } },
          },
        },
        responses: {
          200: { description: 'Accepted.', content: { 'application/json': { schema: TrackingAccepted } } },
          ...errorResponses,
        },
      }),
    );

  for (const [path, shortPath, type, summary] of SINGLE_CALLS) {
    document(path, `tracking${type[0]!.toUpperCase()}${type.slice(1)}`, summary, MESSAGE_DOCS[type]);
    const handler = async (c: Context<AppEnv>) => {
      const body = await readTrackingBody(c, MAX_CALL_BYTES);
      const workspaceId = await workspaceOf(c, body);
      const reading = readMessage(body, ['json'], { expectedType: type });
      if (!reading.ok) throw new RetainError('invalid_input', 'The request is not valid.', reading.issues);
      const { rejected } = await serviceOf(c).ingest(workspaceId, [reading.message], c.get('services').now());
      if (rejected.length > 0) {
        throw new RetainError(
          'invalid_input',
          'The message was not stored.',
          rejected.flatMap((entry) => entry.issues.map((issue) => prefixed(issue, ['json']))),
        );
      }
      return c.json({ success: true as const }, 200);
    };
    router.post(path, authenticateHeader, handler);
    router.post(shortPath, authenticateHeader, handler);
  }

  const batchHandler = async (c: Context<AppEnv>) => {
    const body = await readTrackingBody(c, MAX_BATCH_BYTES);
    const workspaceId = await workspaceOf(c, body);
    const envelope = readEnvelope(body);
    if (!envelope.ok) throw new RetainError('invalid_input', 'The request is not valid.', envelope.issues);
    const messages: TrackingMessage[] = [];
    const positions: number[] = [];
    const rejected: { index: number; messageId: string | null; issues: InputIssue[] }[] = [];
    const messageIdOf = (index: number): string | null => {
      const raw = envelope.batch[index] as { messageId?: unknown } | null;
      return typeof raw?.messageId === 'string' ? raw.messageId : null;
    };
    for (const [index, raw] of envelope.batch.entries()) {
      const reading = readMessage(raw, ['json', 'batch', index], {
        envelope: {
          ...(envelope.context === undefined ? {} : { context: envelope.context }),
          ...(envelope.sentAt === undefined ? {} : { sentAt: envelope.sentAt }),
        },
      });
      if (reading.ok) {
        messages.push(reading.message);
        positions.push(index);
      } else rejected.push({ index, messageId: messageIdOf(index), issues: reading.issues });
    }
    const result = await serviceOf(c).ingest(workspaceId, messages, c.get('services').now());
    for (const entry of result.rejected) {
      const index = positions[entry.index]!;
      rejected.push({
        index,
        messageId: messageIdOf(index),
        issues: entry.issues.map((issue) => prefixed(issue, ['json', 'batch', index])),
      });
    }
    if (rejected.length === 0) return c.json({ success: true as const }, 200);
    return c.json(
      { success: true as const, rejected: rejected.sort((left, right) => left.index - right.index) },
      200,
    );
  };
  document(
    '/v1/batch',
    'trackingBatch',
    'Send many identify, track, page, screen, group and alias calls at once',
    BatchDoc,
  );
  document(
    '/v1/import',
    'trackingImport',
    'Import historical calls (Segment’s import endpoint: a batch)',
    BatchDoc,
  );
  for (const path of ['/v1/batch', '/v1/b', '/v1/import'])
    router.post(path, authenticateHeader, batchHandler);

  return router;
}

function prefixed(issue: InputIssue, root: readonly (string | number)[]): InputIssue {
  return { ...issue, path: [...root, ...issue.path] };
}
