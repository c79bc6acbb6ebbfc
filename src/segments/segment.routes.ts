/**
 * `/api/v1/segments`: thin HTTP over the segment service. Marketers and analysts (and owners and
 * admins) read and write segments; agents, who work one customer at a time, do not. Every query is
 * scoped to the caller's workspace, so another workspace's segment answers 404.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { actorOf } from '../auth/index.js';
import { parseRowId } from '../db/index.js';
import { notFound } from '../errors/index.js';
import {
  authenticatedErrors,
  CSRF_REFUSED,
  createRouter,
  JSON_BODY_ERRORS,
  requireRole,
} from '../http/index.js';
import {
  CreateSegmentBody,
  FieldListSchema,
  fieldListBody,
  MembersPageSchema,
  MembersQuery,
  PreviewBody,
  PreviewSchema,
  SegmentIdParams,
  SegmentListSchema,
  SegmentSchema,
  seesPersonalData,
  toMemberBody,
  toSampleBody,
  toSegmentBody,
  UpdateSegmentBody,
} from './segment.schemas.js';
import {
  createSegment,
  deleteSegment,
  getSegment,
  listSegmentMembers,
  listWorkspaceSegments,
  previewSegment,
  recordMembersExport,
  updateSegment,
} from './segment.service.js';
import { membersCsvStream } from './segment-export.js';

const TAGS = ['Segments'];
const segmentUsers = () => requireRole('marketer', 'analyst');
const NOT_ALLOWED = 'The caller is an agent (segments are for owners, admins, marketers and analysts)';
const NO_SEGMENT = 'No such segment in the caller’s workspace.';
const BAD_RULE =
  'The body is not valid; a bad rule names the JSON path of each bad part in `error.issues[].path` and its message (e.g. `rule.all[2].any[0].op`): an unknown field, an operator the field does not take, a bad value, too deep or too large, an unknown segment, or a segment that would contain itself (the path of segments is named).';

const json = <T>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
const body = <T>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

const listRoute = createRoute({
  method: 'get',
  path: '/segments',
  operationId: 'listSegments',
  tags: TAGS,
  summary: 'List the workspace’s segments (oldest first)',
  middleware: [segmentUsers()] as const,
  responses: {
    200: json(SegmentListSchema, 'The segments'),
    ...authenticatedErrors({ 403: `${NOT_ALLOWED}.` }),
  },
});

const fieldsRoute = createRoute({
  method: 'get',
  path: '/segments/fields',
  operationId: 'listSegmentFields',
  tags: TAGS,
  summary: 'The rule language: every field with its family, kind, operators and values',
  middleware: [segmentUsers()] as const,
  responses: {
    200: json(FieldListSchema, 'The fields and operators'),
    ...authenticatedErrors({ 403: `${NOT_ALLOWED}.` }),
  },
});

const createSegmentRoute = createRoute({
  method: 'post',
  path: '/segments',
  operationId: 'createSegment',
  tags: TAGS,
  summary: 'Create a segment from a rule; its members are computed before the answer (audited)',
  description:
    'Every member found is written as a `segment.entered` event. A name the workspace already uses, or a workspace at 500 segments: 409 `conflict`.',
  middleware: [segmentUsers()] as const,
  request: body(CreateSegmentBody),
  responses: {
    201: json(SegmentSchema, 'The segment, with its member count'),
    ...authenticatedErrors({
      400: BAD_RULE,
      403: `${NOT_ALLOWED}, or ${CSRF_REFUSED}.`,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const previewRoute = createRoute({
  method: 'post',
  path: '/segments/preview',
  operationId: 'previewSegment',
  tags: TAGS,
  summary: 'Count the customers a rule matches now, with a sample (nothing is stored)',
  description:
    'For the rule editor’s live count. On PostgreSQL the preview stops after 10 s (503, asking for a narrower rule).',
  middleware: [segmentUsers()] as const,
  request: body(PreviewBody),
  responses: {
    200: json(PreviewSchema, 'The count and the first matching customers'),
    ...authenticatedErrors({
      400: BAD_RULE,
      403: `${NOT_ALLOWED}, or ${CSRF_REFUSED}.`,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/segments/{id}',
  operationId: 'getSegment',
  tags: TAGS,
  summary: 'A segment with its rule and member count',
  middleware: [segmentUsers()] as const,
  request: { params: SegmentIdParams },
  responses: {
    200: json(SegmentSchema, 'The segment'),
    ...authenticatedErrors({ 403: `${NOT_ALLOWED}.`, 404: NO_SEGMENT }),
  },
});

const updateRoute = createRoute({
  method: 'patch',
  path: '/segments/{id}',
  operationId: 'updateSegment',
  tags: TAGS,
  summary: 'Rename a segment or change its rule; a new rule is computed before the answer (audited)',
  description:
    'The difference is written as `segment.entered` / `segment.exited` events, and segments whose rules test membership of this one are recomputed next. A name the workspace already uses: 409 `conflict`.',
  middleware: [segmentUsers()] as const,
  request: { params: SegmentIdParams, ...body(UpdateSegmentBody) },
  responses: {
    200: json(SegmentSchema, 'The segment'),
    ...authenticatedErrors({
      400: BAD_RULE,
      403: `${NOT_ALLOWED}, or ${CSRF_REFUSED}.`,
      404: NO_SEGMENT,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/segments/{id}',
  operationId: 'deleteSegment',
  tags: TAGS,
  summary: 'Delete a segment with its membership and events (audited)',
  description:
    'A segment other segments’ rules test membership of cannot be deleted: 409 `conflict` names them.',
  middleware: [segmentUsers()] as const,
  request: { params: SegmentIdParams },
  responses: {
    204: { description: 'Deleted' },
    ...authenticatedErrors({ 403: `${NOT_ALLOWED}, or ${CSRF_REFUSED}.`, 404: NO_SEGMENT }),
  },
});

const membersRoute = createRoute({
  method: 'get',
  path: '/segments/{id}/members',
  operationId: 'listSegmentMembers',
  tags: TAGS,
  summary: 'A page of a segment’s members, by customer id (e-mail and name for owners, admins, marketers)',
  middleware: [segmentUsers()] as const,
  request: { params: SegmentIdParams, query: MembersQuery },
  responses: {
    200: json(MembersPageSchema, 'A page of members'),
    ...authenticatedErrors({ 403: `${NOT_ALLOWED}.`, 404: NO_SEGMENT }),
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/segments/{id}/members.csv',
  operationId: 'exportSegmentMembers',
  tags: TAGS,
  summary: 'Every member as CSV, streamed (e-mail and name for owners, admins, marketers; audited)',
  middleware: [segmentUsers()] as const,
  request: { params: SegmentIdParams },
  responses: {
    200: {
      description:
        'The CSV (UTF-8, RFC 4180): customer_id, external_id, [email, name,] country, entered_at; formula-like cells defused',
      content: { 'text/csv': { schema: z.string() } },
    },
    ...authenticatedErrors({ 403: `${NOT_ALLOWED}.`, 404: NO_SEGMENT }),
  },
});

/** The id of a path parameter; text that is no id is answered as an unknown segment. */
function idOf(text: string): number {
  const id = parseRowId(text);
  if (id === undefined) throw notFound('Segment');
  return id;
}

/** The segment routes; mount under `/api/v1`. */
export function segmentRoutes() {
  const router = createRouter();

  router.openapi(listRoute, async (c) => {
    const segments = await listWorkspaceSegments(c.get('services').db, c.get('auth').workspaceId);
    return c.json({ items: segments.map((segment) => toSegmentBody(segment)) }, 200);
  });

  router.openapi(fieldsRoute, (c) => c.json(fieldListBody(), 200));

  router.openapi(createSegmentRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const input = c.req.valid('json');
    const { segment, recompute } = await createSegment(db, {
      workspaceId: auth.workspaceId,
      name: input.name,
      rule: input.rule,
      createdBy: auth.userId,
      actor: actorOf(auth),
      now: now(),
    });
    return c.json(toSegmentBody(segment, recompute), 201);
  });

  router.openapi(previewRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const input = c.req.valid('json');
    const preview = await previewSegment(db, {
      workspaceId: auth.workspaceId,
      rule: input.rule,
      ...(input.sampleSize === undefined ? {} : { sampleSize: input.sampleSize }),
      now: now(),
    });
    const personalData = seesPersonalData(auth.role);
    return c.json(
      {
        total: preview.total,
        sample: preview.sample.map((customer) => toSampleBody(customer, personalData)),
      },
      200,
    );
  });

  router.openapi(getRoute, async (c) => {
    const segment = await getSegment(
      c.get('services').db,
      c.get('auth').workspaceId,
      idOf(c.req.valid('param').id),
    );
    return c.json(toSegmentBody(segment), 200);
  });

  router.openapi(updateRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const id = idOf(c.req.valid('param').id);
    const input = c.req.valid('json');
    const { segment, recompute } = await updateSegment(db, {
      workspaceId: auth.workspaceId,
      id,
      ...(input.name === undefined ? {} : { name: input.name }),
      ...(input.rule === undefined ? {} : { rule: input.rule }),
      actor: actorOf(auth),
      now: now(),
    });
    return c.json(toSegmentBody(segment, recompute), 200);
  });

  router.openapi(deleteRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    await deleteSegment(db, {
      workspaceId: auth.workspaceId,
      id: idOf(c.req.valid('param').id),
      actor: actorOf(auth),
      now: now(),
    });
    return c.body(null, 204);
  });

  router.openapi(membersRoute, async (c) => {
    const auth = c.get('auth');
    const query = c.req.valid('query');
    const page = await listSegmentMembers(
      c.get('services').db,
      auth.workspaceId,
      idOf(c.req.valid('param').id),
      {
        ...(query.limit === undefined ? {} : { limit: query.limit }),
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      },
    );
    const personalData = seesPersonalData(auth.role);
    return c.json(
      {
        total: page.total,
        items: page.items.map((member) => toMemberBody(member, personalData)),
        nextCursor: page.nextCursor,
      },
      200,
    );
  });

  router.openapi(exportRoute, async (c) => {
    const { db, now } = c.get('services');
    const auth = c.get('auth');
    const segment = await getSegment(db, auth.workspaceId, idOf(c.req.valid('param').id));
    const personalData = seesPersonalData(auth.role);
    await recordMembersExport(db, {
      workspaceId: auth.workspaceId,
      segment,
      personalData,
      actor: actorOf(auth),
      now: now(),
    });
    const stream = membersCsvStream(db, auth.workspaceId, segment.id, { personalData });
    return c.body(stream, 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="segment-${segment.id}-members.csv"`,
    }) as never;
  });

  return router;
}
