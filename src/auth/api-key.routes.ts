/**
 * `GET /api-keys`, `POST /api-keys`, `DELETE /api-keys/{id}` (under `/api/v1`), for owners and
 * admins. Thin: the rules are in api-key.service.ts.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { parseRowId } from '../db/index.js';
import { notFound } from '../errors/index.js';
import {
  authenticatedErrors,
  CSRF_REFUSED,
  createRouter,
  JSON_BODY_ERRORS,
  requireRole,
} from '../http/index.js';
import { actorOf } from './actor.js';
import type { ApiKey } from './api-key.repository.js';
import { createApiKey, listApiKeys, revokeApiKey } from './api-key.service.js';
import { ROLES } from './roles.js';

const roleSchema = z.enum(ROLES as ['owner', 'admin', 'analyst', 'marketer', 'agent']);

const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ description: 'The key’s public beginning, `rk_<8 hex>`' }),
    role: roleSchema,
    createdBy: z.string().nullable(),
    createdAt: z.number().int().openapi({ description: 'Epoch milliseconds' }),
    lastUsedAt: z.number().int().nullable(),
    revokedAt: z.number().int().nullable(),
  })
  .openapi('ApiKey');

function toBody(apiKey: ApiKey): z.infer<typeof apiKeySchema> {
  return {
    id: String(apiKey.id),
    name: apiKey.name,
    prefix: apiKey.prefix,
    role: apiKey.role,
    createdBy: apiKey.createdBy === null ? null : String(apiKey.createdBy),
    createdAt: apiKey.createdAt,
    lastUsedAt: apiKey.lastUsedAt,
    revokedAt: apiKey.revokedAt,
  };
}

const ownerOrAdmin = requireRole();
const NOT_OWNER_OR_ADMIN = 'The caller is not an owner or admin';

const listRoute = createRoute({
  method: 'get',
  path: '/api-keys',
  operationId: 'listApiKeys',
  tags: ['Authentication'],
  summary: 'List the workspace’s API keys',
  middleware: ownerOrAdmin,
  responses: {
    200: {
      description: 'Keys, newest first (revoked ones included)',
      content: { 'application/json': { schema: z.object({ apiKeys: z.array(apiKeySchema) }) } },
    },
    ...authenticatedErrors({ 403: `${NOT_OWNER_OR_ADMIN}.` }),
  },
});

const createKeyRoute = createRoute({
  method: 'post',
  path: '/api-keys',
  operationId: 'createApiKey',
  tags: ['Authentication'],
  summary: 'Create an API key (returned once)',
  middleware: ownerOrAdmin,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            name: z.string().trim().min(1).max(200),
            role: roleSchema.default('analyst'),
          }),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'The key; `key` is shown this once and cannot be retrieved later',
      content: { 'application/json': { schema: z.object({ apiKey: apiKeySchema, key: z.string() }) } },
    },
    ...authenticatedErrors({
      403: `${NOT_OWNER_OR_ADMIN}, an admin asks for an owner key, or ${CSRF_REFUSED}.`,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const revokeRoute = createRoute({
  method: 'delete',
  path: '/api-keys/{id}',
  operationId: 'revokeApiKey',
  tags: ['Authentication'],
  summary: 'Revoke an API key',
  middleware: ownerOrAdmin,
  request: { params: z.object({ id: z.string().min(1).max(100) }) },
  responses: {
    204: { description: 'Revoked (also when it already was)' },
    ...authenticatedErrors({
      403: `${NOT_OWNER_OR_ADMIN}, or ${CSRF_REFUSED}.`,
      404: 'No such API key in the caller’s workspace.',
    }),
  },
});

/** The API key routes; mount under `/api/v1`. */
export function apiKeyRoutes() {
  const router = createRouter();

  router.openapi(listRoute, async (c) => {
    const apiKeys = await listApiKeys(c.get('services').db, c.get('auth').workspaceId);
    return c.json({ apiKeys: apiKeys.map(toBody) }, 200);
  });

  router.openapi(createKeyRoute, async (c) => {
    const body = c.req.valid('json');
    const auth = c.get('auth');
    const issued = await createApiKey(c.get('services').db, {
      workspaceId: auth.workspaceId,
      name: body.name,
      role: body.role,
      grantedBy: auth.role,
      actor: actorOf(auth),
      now: c.get('services').now(),
    });
    return c.json({ apiKey: toBody(issued.apiKey), key: issued.key }, 201);
  });

  router.openapi(revokeRoute, async (c) => {
    const auth = c.get('auth');
    const id = parseRowId(c.req.valid('param').id);
    if (id === undefined) throw notFound('API key');
    await revokeApiKey(c.get('services').db, {
      workspaceId: auth.workspaceId,
      id,
      actor: actorOf(auth),
      now: c.get('services').now(),
    });
    return c.body(null, 204);
  });

  return router;
}
