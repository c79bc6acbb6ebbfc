/** `GET /workspace` (under `/api/v1`): the caller's own workspace. */
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../http/index.js';
import { getWorkspace } from './workspace.service.js';

const workspaceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    settings: z.object({
      timeZone: z.string(),
      activityWindowDays: z.number().int(),
      weekStart: z.enum(['monday', 'sunday']),
      currency: z.string(),
    }),
    writeKeyPrefix: z.string().openapi({ description: 'The tracking write key’s first characters' }),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi('Workspace');

const getRoute = createRoute({
  method: 'get',
  path: '/workspace',
  tags: ['Workspace'],
  summary: 'The caller’s workspace',
  responses: {
    200: { description: 'The workspace', content: { 'application/json': { schema: workspaceSchema } } },
  },
});

/** The workspace routes; mount under `/api/v1`. */
export function workspaceRoutes() {
  const router = createRouter();
  router.openapi(getRoute, async (c) => {
    const workspace = await getWorkspace(c.get('services').db, c.get('auth').workspaceId);
    return c.json(
      {
        id: String(workspace.id),
        name: workspace.name,
        slug: workspace.slug,
        settings: { ...workspace.settings },
        writeKeyPrefix: workspace.writeKeyPrefix,
        createdAt: workspace.createdAt,
        updatedAt: workspace.updatedAt,
      },
      200,
    );
  });
  return router;
}
