/**
 * `GET /workspace`, `PATCH /workspace` and `POST /workspace/write-key` (under `/api/v1`): the
 * caller's own workspace.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { actorOf } from '../auth/index.js';
import { isTimeZone } from '../core/index.js';
import {
  authenticatedErrors,
  CSRF_REFUSED,
  createRouter,
  JSON_BODY_ERRORS,
  requireRole,
} from '../http/index.js';
import {
  getWorkspace,
  rotateWriteKey,
  updateWorkspaceSettings,
  type Workspace,
} from './workspace.service.js';

const settingsSchema = z.object({
  timeZone: z.string().openapi({ description: 'IANA time zone in which periods are cut.' }),
  activityWindowDays: z.number().int(),
  weekStart: z.enum(['monday', 'sunday']),
  currency: z.string(),
  erasedIdentities: z.enum(['new_customer', 'refuse']).openapi({
    description:
      'Tracking data sent later under the external id of an erased customer: `new_customer` starts a new customer, `refuse` drops it (identities erased while `refuse` is set).',
  }),
});

const workspaceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    settings: settingsSchema,
    writeKeyPrefix: z.string().openapi({ description: 'The tracking write key’s first characters' }),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi('Workspace');

const settingsUpdate = z
  .object({
    settings: z
      .object({
        timeZone: z
          .string()
          .refine(isTimeZone, { message: 'Not an IANA time zone this server knows.' })
          .optional(),
        activityWindowDays: z.number().int().min(1).max(3_650).optional(),
        weekStart: z.enum(['monday', 'sunday']).optional(),
        currency: z
          .string()
          .regex(/^[A-Z]{3}$/, 'An ISO 4217 code in capitals, e.g. EUR.')
          .optional(),
        erasedIdentities: z.enum(['new_customer', 'refuse']).optional(),
      })
      .strict(),
  })
  .openapi('WorkspaceUpdate');

const getRoute = createRoute({
  method: 'get',
  path: '/workspace',
  operationId: 'getWorkspace',
  tags: ['Workspace'],
  summary: 'The caller’s workspace',
  responses: {
    200: { description: 'The workspace', content: { 'application/json': { schema: workspaceSchema } } },
    ...authenticatedErrors(),
  },
});

const patchRoute = createRoute({
  method: 'patch',
  path: '/workspace',
  operationId: 'updateWorkspace',
  tags: ['Workspace'],
  summary: 'Change settings of the caller’s workspace (owner/admin; audited as workspace.updated)',
  middleware: [requireRole()] as const,
  request: { body: { required: true, content: { 'application/json': { schema: settingsUpdate } } } },
  responses: {
    200: { description: 'The workspace', content: { 'application/json': { schema: workspaceSchema } } },
    ...authenticatedErrors({
      400: 'A setting is not valid, or the request holds input no store can keep; `error.issues` names each.',
      403: `Only owners and admins change settings; or ${CSRF_REFUSED}.`,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const writeKeyRoute = createRoute({
  method: 'post',
  path: '/workspace/write-key',
  operationId: 'replaceWriteKey',
  tags: ['Workspace'],
  summary: 'Replace the tracking write key (owner/admin; audited as workspace.write_key_replaced)',
  description:
    'The key is kept only as a hash, so it cannot be shown again: this makes a new one and returns it once. Clients sending the old key are refused from then on (within 30 seconds on a running server).',
  middleware: [requireRole()] as const,
  responses: {
    201: {
      description: 'The new key, shown this once',
      content: {
        'application/json': {
          schema: z.object({ writeKey: z.string(), workspace: workspaceSchema }),
        },
      },
    },
    ...authenticatedErrors({
      403: `Only owners and admins replace the write key; or ${CSRF_REFUSED}.`,
    }),
  },
});

function toBody(workspace: Workspace) {
  return {
    id: String(workspace.id),
    name: workspace.name,
    slug: workspace.slug,
    settings: { ...workspace.settings },
    writeKeyPrefix: workspace.writeKeyPrefix,
    createdAt: workspace.createdAt,
    updatedAt: workspace.updatedAt,
  };
}

/** The workspace routes; mount under `/api/v1`. */
export function workspaceRoutes() {
  const router = createRouter();
  router.openapi(getRoute, async (c) => {
    const workspace = await getWorkspace(c.get('services').db, c.get('auth').workspaceId);
    return c.json(toBody(workspace), 200);
  });
  router.openapi(patchRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const { settings } = c.req.valid('json');
    const workspace = await updateWorkspaceSettings(db, {
      workspaceId: auth.workspaceId,
      settings: Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)),
      actor: actorOf(auth),
      now: now(),
    });
    return c.json(toBody(workspace), 200);
  });
  router.openapi(writeKeyRoute, async (c) => {
    const auth = c.get('auth');
    const { workspace, writeKey } = await rotateWriteKey(c.get('services').db, {
      workspaceId: auth.workspaceId,
      actor: actorOf(auth),
      now: c.get('services').now(),
    });
    return c.json({ writeKey, workspace: toBody(workspace) }, 201);
  });
  return router;
}
