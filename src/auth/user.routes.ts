/**
 * `GET /users`, `POST /users`, `PATCH /users/{id}`, `DELETE /users/{id}` (under `/api/v1`): the
 * workspace's members, for owners and admins. Thin: the rules are in user.service.ts.
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
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password.js';
import { ROLES } from './roles.js';
import { listUsers, type User } from './user.repository.js';
import { createUser, removeUser, updateUser } from './user.service.js';

const roleSchema = z.enum(ROLES as ['owner', 'admin', 'analyst', 'marketer', 'agent']);

const memberSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    role: roleSchema,
    createdAt: z.number().int().openapi({ description: 'Epoch milliseconds' }),
    lastLoginAt: z.number().int().nullable(),
    disabledAt: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'When the member was removed (they cannot log in); null while active' }),
  })
  .openapi('Member');

const NOT_OWNER_OR_ADMIN = 'The caller is not an owner or admin';

const idParam = z.object({ id: z.string().min(1).max(100) });
const passwordSchema = z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH);

function toBody(user: User): z.infer<typeof memberSchema> {
  return {
    id: String(user.id),
    email: user.email,
    name: user.name,
    role: user.role,
    createdAt: user.createdAt,
    lastLoginAt: user.lastLoginAt,
    disabledAt: user.disabledAt,
  };
}

const ownerOrAdmin = requireRole();

const listRoute = createRoute({
  method: 'get',
  path: '/users',
  operationId: 'listUsers',
  tags: ['Authentication'],
  summary: 'List the workspace’s members (removed ones included, with `disabledAt`)',
  middleware: ownerOrAdmin,
  responses: {
    200: {
      description: 'Members, oldest first',
      content: { 'application/json': { schema: z.object({ users: z.array(memberSchema) }) } },
    },
    ...authenticatedErrors({ 403: `${NOT_OWNER_OR_ADMIN}.` }),
  },
});

const createMemberRoute = createRoute({
  method: 'post',
  path: '/users',
  operationId: 'createUser',
  tags: ['Authentication'],
  summary: 'Add a member with a role and an initial password (audited `user.created`)',
  description:
    'The person logs in with this e-mail and password at once; give them the password yourself. Adding the e-mail of a removed member restores that account (audited `user.restored`). An e-mail an active member already has: 409 `conflict`.',
  middleware: ownerOrAdmin,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            email: z.string().trim().min(3).max(320),
            name: z.string().trim().max(200).nullable().optional(),
            role: roleSchema,
            password: passwordSchema,
          }),
        },
      },
    },
  },
  responses: {
    201: { description: 'The member', content: { 'application/json': { schema: memberSchema } } },
    ...authenticatedErrors({
      400: 'Not an e-mail, an unknown role, or a password outside 8–1024 characters; `error.issues` names each.',
      403: `${NOT_OWNER_OR_ADMIN}, an admin adds an owner, or ${CSRF_REFUSED}.`,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const updateRoute = createRoute({
  method: 'patch',
  path: '/users/{id}',
  operationId: 'updateUser',
  tags: ['Authentication'],
  summary: 'Change a member’s role, name or password, or restore a removed member (audited)',
  description:
    'A change that would leave the workspace without an enabled owner: 409 `conflict`. A new password ends the member’s sessions.',
  middleware: ownerOrAdmin,
  request: {
    params: idParam,
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              role: roleSchema.optional(),
              name: z.string().trim().max(200).nullable().optional(),
              password: passwordSchema
                .optional()
                .openapi({ description: 'A new password: the member’s sessions end' }),
              disabled: z.boolean().optional().openapi({ description: '`true` removes, `false` restores' }),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    200: { description: 'The member', content: { 'application/json': { schema: memberSchema } } },
    ...authenticatedErrors({
      403: `${NOT_OWNER_OR_ADMIN}, an admin changes an owner or makes one, or ${CSRF_REFUSED}.`,
      404: 'No such member in the caller’s workspace.',
      ...JSON_BODY_ERRORS,
    }),
  },
});

const removeRoute = createRoute({
  method: 'delete',
  path: '/users/{id}',
  operationId: 'removeUser',
  tags: ['Authentication'],
  summary: 'Remove a member: they can no longer log in, their sessions end (audited `user.removed`)',
  description: 'The workspace’s last enabled owner cannot be removed: 409 `conflict`.',
  middleware: ownerOrAdmin,
  request: { params: idParam },
  responses: {
    204: { description: 'Removed (also when already removed)' },
    ...authenticatedErrors({
      403: `${NOT_OWNER_OR_ADMIN}, an admin removes an owner, or ${CSRF_REFUSED}.`,
      404: 'No such member in the caller’s workspace.',
    }),
  },
});

/** The member routes; mount under `/api/v1`. */
export function userRoutes() {
  const router = createRouter();

  router.openapi(listRoute, async (c) => {
    const users = await listUsers(c.get('services').db, c.get('auth').workspaceId);
    return c.json({ users: users.map(toBody) }, 200);
  });

  router.openapi(createMemberRoute, async (c) => {
    const body = c.req.valid('json');
    const auth = c.get('auth');
    const user = await createUser(c.get('services').db, {
      workspaceId: auth.workspaceId,
      email: body.email,
      name: body.name === undefined || body.name === '' ? null : body.name,
      role: body.role,
      password: body.password,
      grantedBy: auth.role,
      actor: actorOf(auth),
      now: c.get('services').now(),
    });
    return c.json(toBody(user), 201);
  });

  router.openapi(updateRoute, async (c) => {
    const body = c.req.valid('json');
    const auth = c.get('auth');
    const id = parseRowId(c.req.valid('param').id);
    if (id === undefined) throw notFound('User');
    const user = await updateUser(c.get('services').db, {
      workspaceId: auth.workspaceId,
      id,
      ...(body.role === undefined ? {} : { role: body.role }),
      ...(body.name === undefined ? {} : { name: body.name === '' ? null : body.name }),
      ...(body.password === undefined ? {} : { password: body.password }),
      ...(body.disabled === undefined ? {} : { disabled: body.disabled }),
      grantedBy: auth.role,
      actor: actorOf(auth),
      now: c.get('services').now(),
    });
    return c.json(toBody(user), 200);
  });

  router.openapi(removeRoute, async (c) => {
    const auth = c.get('auth');
    const id = parseRowId(c.req.valid('param').id);
    if (id === undefined) throw notFound('User');
    await removeUser(c.get('services').db, {
      workspaceId: auth.workspaceId,
      id,
      grantedBy: auth.role,
      actor: actorOf(auth),
      now: c.get('services').now(),
    });
    return c.body(null, 204);
  });

  return router;
}
